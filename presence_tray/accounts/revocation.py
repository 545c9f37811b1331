"""Telling a platform to end an app's access: token revocation (RFC 7009) for a public client.

Revocation is a courtesy to the user, never a condition of signing out: every failure (the
server down, an error status, a timeout) only means the platform was not told, and the caller
deletes the tokens either way. Nothing logged here contains a token.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from presence_tray.accounts.oauth import public_client, transport_problem

if TYPE_CHECKING:
    from presence_tray.accounts.tokenset import TokenSet

log = logging.getLogger(__name__)

HTTP_OK: Final = 200  # RFC 7009 §2.2: the token is gone (or was never valid)


async def revoke_tokens(
    tokens: TokenSet, *, revoke_url: str, client_id: str, server_name: str, http_timeout: float
) -> bool:
    """Revoke the refresh token (or, without one, the access token); whether that worked.

    Once the refresh token is revoked the access token is revoked too, as a best effort: a
    server that ended the whole grant with the refresh token, or that cannot revoke access
    tokens, may refuse it, and that changes nothing.
    """
    async with public_client(client_id, timeout=http_timeout) as client:

        async def revoke(token: str, hint: str) -> bool:
            try:
                response = await client.revoke_token(revoke_url, token=token, token_type_hint=hint)
            except Exception as err:
                problem = transport_problem(err, server_name, http_timeout)
                if problem is None:
                    raise
                log.info("revoking the %s failed: %s", hint, problem.message)
                return False
            if response.status_code != HTTP_OK:
                log.info(
                    "%s refused to revoke the %s (HTTP %d)", server_name, hint, response.status_code
                )
                return False
            return True

        if not tokens.refresh_token:
            return await revoke(tokens.access_token, "access_token")
        if not await revoke(tokens.refresh_token, "refresh_token"):
            return False
        await revoke(tokens.access_token, "access_token")
        return True
