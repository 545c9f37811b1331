"""The Microsoft identity platform's token endpoint, for the ``refresh_token`` grant only.

``POST /{tenant}/oauth2/v2.0/token`` with a form ``grant_type=refresh_token``,
``refresh_token`` and ``client_id`` (a public client: no secret) answers as Entra does: a new
access token and a new refresh token (rotated on every use), ``expires_in`` seconds,
``ext_expires_in`` and ``scope``. A refresh token that was already used, was revoked or was
never issued is HTTP 400 ``invalid_grant`` with an ``AADSTS`` code in ``error_description``
and ``error_codes``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from tests.servers.graph.wire import iso
from tests.servers.http_fake import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from collections.abc import Callable

TOKEN_PATH = re.compile(r"/([^/]+)/oauth2/v2\.0/token")
SCOPE = "Presence.Read.All Presence.ReadWrite User.Read User.ReadBasic.All"
_REUSED = (70000, "The provided value for the 'refresh_token' is not valid.")
_REVOKED = (50173, "The provided grant has expired due to it being revoked.")


@dataclass(frozen=True)
class SignIn:
    """The tokens of one sign-in, as the authorization code exchange would have given them."""

    access_token: str
    refresh_token: str
    expires_in: float


@dataclass
class RefreshTokens:
    """The refresh tokens the tenant issued; each one works once.

    ``issue_access(user_id)`` makes an access token and says for how many seconds it lives.
    """

    issue_access: Callable[[str], tuple[str, float]]
    clock: Callable[[], float]
    renewals: int = 0
    """Refresh requests answered with new tokens."""
    refusals: int = 0
    """Refresh requests answered ``invalid_grant``."""
    _live: dict[str, str] = field(default_factory=dict, init=False)
    _revoked: set[str] = field(default_factory=set, init=False)
    _issued: int = field(default=0, init=False)

    def sign_in(self, user_id: str) -> SignIn:
        """A fresh sign-in of ``user_id``: an access token and its refresh token."""
        access_token, lifetime = self.issue_access(user_id)
        return SignIn(access_token, self._new_refresh_token(user_id), lifetime)

    def revoke(self, user_id: str) -> None:
        """End every sign-in of ``user_id`` (an admin revoked the sessions)."""
        for token, owner in list(self._live.items()):
            if owner == user_id:
                del self._live[token]
                self._revoked.add(token)

    def answer(self, request: FakeRequest) -> FakeResponse:
        """Answer one token request."""
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        if request.method != "POST" or form.get("grant_type") != "refresh_token":
            return self._error("unsupported_grant_type", 70003, "The grant type is not supported.")
        if not form.get("client_id"):
            return self._error(
                "invalid_request", 900144, "The request body must contain client_id."
            )
        token = form.get("refresh_token", "")
        user_id = self._live.pop(token, None)
        if user_id is None:
            code, description = _REVOKED if token in self._revoked else _REUSED
            self.refusals += 1
            return self._error("invalid_grant", code, description)
        self.renewals += 1
        access_token, lifetime = self.issue_access(user_id)
        return FakeResponse(
            200,
            {
                "token_type": "Bearer",
                "scope": SCOPE,
                "expires_in": int(lifetime),
                "ext_expires_in": int(lifetime),
                "access_token": access_token,
                "refresh_token": self._new_refresh_token(user_id),
            },
        )

    def _new_refresh_token(self, user_id: str) -> str:
        self._issued += 1
        token = f"fake-graph-refresh-{self._issued}-{user_id[:8]}"
        self._live[token] = user_id
        return token

    def _error(self, error: str, code: int, description: str) -> FakeResponse:
        trace_id = str(uuid.uuid4())
        return FakeResponse(
            400,
            {
                "error": error,
                "error_description": f"AADSTS{code}: {description} Trace ID: {trace_id}",
                "error_codes": [code],
                "timestamp": iso(self.clock()).split(".")[0] + "Z",
                "trace_id": trace_id,
                "correlation_id": str(uuid.uuid4()),
                "error_uri": f"https://login.microsoftonline.com/error?code={code}",
            },
        )
