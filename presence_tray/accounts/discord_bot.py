"""Check a Discord bot token before saving it: whose bot it is, and whether it may see presence.

Two REST calls with ``Authorization: Bot <token>``: ``GET /users/@me`` (the bot's user: its id
is the account id) and ``GET /applications/@me`` (its ``flags`` say whether the privileged
"Presence Intent" is on). Without that intent the account still connects, but Discord closes
the gateway with 4014 when the bot asks for presences, so the result carries a note saying how
to turn it on.
"""

from __future__ import annotations

import httpx

from presence_tray.accounts.token_accounts import (
    DEFAULT_CHECK_TIMEOUT,
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    TooManyAttemptsError,
    VerifiedAccount,
    is_token_text,
    json_object,
    retry_sentence,
    send_checked,
    unexpected_answer,
)

DISCORD_API = "https://discord.com/api/v10"
SERVICE = "Discord"

# Application flags (Discord "Application Object"): either one means the bot may receive
# presences; the LIMITED one is what apps under 10,000 users get when they switch it on.
GATEWAY_PRESENCE = 1 << 12
GATEWAY_PRESENCE_LIMITED = 1 << 13

_NOT_ACCEPTED = (
    "Discord did not accept this bot token: it is wrong or was reset. Copy the current token "
    "from the Bot page of your application in the Discord developer portal."
)
_WHERE_TO_COPY_IT = (
    "Paste the bot token from the Bot page of your application in the Discord developer "
    'portal ("Reset Token" shows a new one).'
)
PRESENCE_INTENT_OFF = (
    "The bot's Presence Intent is off, so Discord will not send it anyone's status (it closes "
    'the connection with code 4014). Turn on "Presence Intent" on the Bot page of your '
    "application in the Discord developer portal, then reconnect."
)


class UnexpectedBotUserError(CredentialsRejectedError):
    """Discord answered the current-user check without a bot user in it."""

    def __init__(self) -> None:
        super().__init__(
            "Discord did not return a bot for this token. Copy the token from the Bot page "
            "of your application in the Discord developer portal."
        )


async def verify_discord_bot_token(
    token: str,
    *,
    api_base: str = DISCORD_API,
    timeout: float = DEFAULT_CHECK_TIMEOUT,  # noqa: ASYNC109 - the HTTP timeout of each call
) -> VerifiedAccount:
    """Ask Discord who this bot token belongs to; raise a SignInError sentence if it can't say.

    ``api_base`` is Discord's REST root (a test points it at a local fake).
    """
    token = _bare_token(token)
    headers = {"Authorization": f"Bot {token}"}
    async with httpx.AsyncClient(
        base_url=api_base.rstrip("/"), headers=headers, timeout=timeout, follow_redirects=False
    ) as client:
        user = await _get(client, "/users/@me", timeout)
        application = await _get(client, "/applications/@me", timeout)
    user_id, name = user.get("id"), user.get("username")
    is_bot = user.get("bot") is True
    if not is_bot or not isinstance(user_id, str) or not user_id or not isinstance(name, str):
        raise UnexpectedBotUserError
    flags = application.get("flags")
    presence_on = isinstance(flags, int) and bool(
        flags & (GATEWAY_PRESENCE | GATEWAY_PRESENCE_LIMITED)
    )
    settings = {"bot_name": name}
    application_id = application.get("id")
    if isinstance(application_id, str):
        settings["application_id"] = application_id
    return VerifiedAccount(
        account_id=user_id,
        label=f"{name} (Discord bot)",
        settings=settings,
        secret=token,
        note="" if presence_on else PRESENCE_INTENT_OFF,
    )


def _bare_token(token: str) -> str:
    """The token without surrounding blanks or a pasted "Bot " prefix; empty is refused."""
    words = token.split()
    if words and words[0].lower() == "bot":
        words = words[1:]
    if len(words) != 1 or not is_token_text(words[0]):
        raise InvalidCredentialsFormatError(_WHERE_TO_COPY_IT)
    return words[0]


async def _get(client: httpx.AsyncClient, path: str, waited: float) -> dict[str, object]:
    response = await send_checked(
        client, client.build_request("GET", path), service=SERVICE, waited=waited
    )
    if response.status_code == httpx.codes.UNAUTHORIZED:
        raise CredentialsRejectedError(_NOT_ACCEPTED)
    if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
        retry_after = json_object(response).get("retry_after")
        seconds = float(retry_after) if isinstance(retry_after, int | float) else 0.0
        raise TooManyAttemptsError(retry_sentence(SERVICE, seconds), seconds)
    body = json_object(response)
    if response.status_code != httpx.codes.OK or not body:
        raise unexpected_answer(SERVICE, response)
    return body
