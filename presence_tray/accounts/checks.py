"""The token and password methods' checks, by platform and method key (the dialog's way in).

Each adapter takes the values the user entered and the keyword options the service sets
(``timeout``, and ``api_base`` where tests point a check at a fake) and runs the platform's
check, imported only when used (slixmpp, for one, is heavy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from presence_tray.accounts.methods import ACCESS_TOKEN, BOT_TOKEN, PASSWORD, split_server
from presence_tray.core.identity import Platform

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from presence_tray.accounts.token_accounts import VerifiedAccount

    TokenCheck = Callable[[Mapping[str, str], Mapping[str, Any]], Awaitable[VerifiedAccount]]


async def _check_discord_bot(
    values: Mapping[str, str], options: Mapping[str, Any]
) -> VerifiedAccount:
    from presence_tray.accounts.discord_bot import verify_discord_bot_token

    return await verify_discord_bot_token(values["bot_token"], **options)


async def _check_matrix(values: Mapping[str, str], options: Mapping[str, Any]) -> VerifiedAccount:
    from presence_tray.accounts.matrix_login import sign_in_matrix

    return await sign_in_matrix(
        values["homeserver"],
        user=values.get("user", ""),
        password=values.get("password", ""),
        access_token=values.get("access_token", ""),
        **options,
    )


async def _check_xmpp(values: Mapping[str, str], options: Mapping[str, Any]) -> VerifiedAccount:
    from presence_tray.accounts.xmpp_login import sign_in_xmpp

    host, port = split_server(values.get("server", ""))
    return await sign_in_xmpp(
        values["address"], values["password"], host=host, port=port, **options
    )


TOKEN_CHECKS: Final[dict[tuple[Platform, str], TokenCheck]] = {
    (Platform.DISCORD, BOT_TOKEN): _check_discord_bot,
    (Platform.MATRIX, PASSWORD): _check_matrix,
    (Platform.MATRIX, ACCESS_TOKEN): _check_matrix,
    (Platform.XMPP, PASSWORD): _check_xmpp,
}
"""The token and password methods whose check is built, by platform and method key."""
