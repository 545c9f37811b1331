"""The local API's bearer token: made once, kept in the keyring, compared in constant time."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Final, Protocol

_log = logging.getLogger(__name__)

TOKEN_BYTES: Final = 32
"""Random bytes in a token (43 URL-safe characters)."""
TOKEN_SECRET_NAME: Final = "local-api-token"  # noqa: S105 - the keyring entry's name
"""The token's entry in the keyring: service ``presence-tray``, user ``app:local-api-token``."""


class TokenKeeper(Protocol):
    """Where the token is kept (storage.secrets.AppSecret: one entry of the keyring)."""

    async def get(self) -> str | None:
        """The token kept, or None when there is none yet."""
        ...

    async def put(self, secret: str) -> None:
        """Keep ``secret`` as the token."""
        ...


def new_token() -> str:
    """A fresh token: :data:`TOKEN_BYTES` random bytes, URL-safe base64."""
    return secrets.token_urlsafe(TOKEN_BYTES)


async def load_or_create_token(keeper: TokenKeeper) -> str:
    """The kept token; on the first run a new one, kept before it is used.

    Raises the keeper's error (a sentence) when the keyring cannot be used.
    """
    token = await keeper.get()
    if token:
        return token
    token = new_token()
    await keeper.put(token)
    _log.info("made the local API's token and kept it in the keyring")
    return token


def token_matches(expected: str, authorization: str | None) -> bool:
    """Whether an ``Authorization`` header carries ``expected`` as its bearer token."""
    if authorization is None:
        return False
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())
