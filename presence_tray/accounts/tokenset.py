"""One account's OAuth tokens, as kept in the keyring (a JSON string) and used in requests."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class TokenSet:
    """An access token, the refresh token that renews it, and when the access token expires.

    ``repr`` leaves the tokens out, so a TokenSet in a log line or a traceback shows no secret.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # seconds since the epoch; None: the server did not say
    scope: str = ""
    token_type: str = "Bearer"  # noqa: S105 - a token type name, no secret
    id_token: str | None = field(default=None, repr=False, compare=False)
    """The OpenID Connect ID token of a sign-in, checked once and never kept."""

    @classmethod
    def from_response(
        cls, response: Mapping[str, object], *, now: float, previous: TokenSet | None = None
    ) -> TokenSet:
        """Read a token endpoint's answer (RFC 6749 §5.1), received at ``now``.

        A refresh answer without a refresh token keeps ``previous``'s (no rotation). Slack's
        ``oauth.v2.access`` puts the user's token under ``authed_user`` (a bot token, if any, at
        the top): that user token is the one taken. Raises ValueError, with a sentence that
        contains no token, when the answer is not usable.
        """
        authed_user = response.get("authed_user")
        if isinstance(authed_user, dict) and authed_user.get("access_token"):
            response = authed_user
        access_token = response.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            msg = "the server's answer contains no access token"
            raise ValueError(msg)
        refresh_token = response.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            refresh_token = previous.refresh_token if previous else None
        expires_in = response.get("expires_in")
        expires_at = (
            now + float(expires_in)
            if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
            else None
        )
        scope = response.get("scope")
        token_type = response.get("token_type")
        return cls(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=expires_at,
            scope=scope if isinstance(scope, str) else (previous.scope if previous else ""),
            token_type=token_type if isinstance(token_type, str) else "Bearer",
            id_token=id_token if isinstance(id_token := response.get("id_token"), str) else None,
        )

    def expires_within(self, seconds: float, *, now: float) -> bool:
        """Whether the access token is expired, or will be in ``seconds``."""
        return self.expires_at is not None and self.expires_at - now <= seconds

    def to_secret(self) -> str:
        """The JSON string kept in the keyring (without the ID token)."""
        kept = asdict(self)
        del kept["id_token"]
        return json.dumps(kept, sort_keys=True)

    @classmethod
    def from_secret(cls, secret: str) -> TokenSet:
        """Read back :meth:`to_secret`'s string; ValueError (with no secret in it) if damaged."""
        try:
            data = json.loads(secret)
            tokens = cls(**data)
        except (ValueError, TypeError):
            msg = "the stored sign-in is damaged"
            raise ValueError(msg) from None
        if not isinstance(tokens.access_token, str) or not tokens.access_token:
            msg = "the stored sign-in is damaged"
            raise ValueError(msg)
        return tokens
