"""Zoom's OAuth side of the fake: access tokens with a lifetime, refresh with rotation.

``POST /oauth/token`` with ``grant_type=refresh_token`` answers Zoom's token shape
``{access_token, token_type: "bearer", refresh_token, expires_in, scope}``; the refresh token
rotates on every use (platform-apis.md §4.1), and a used, revoked or unknown one is HTTP 400
``{"reason": "Invalid Token!", "error": "invalid_grant"}``. The client is named by
``client_id`` in the form (a public PKCE client) or by HTTP Basic (a confidential one).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from tests.servers.http_fake import FakeResponse
from tests.servers.zoom.errors import INVALID_ACCESS_TOKEN, ZoomError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.servers.http_fake import FakeRequest

TOKEN_PATH = "/oauth/token"
ACCESS_TOKEN_LIFETIME_SECONDS = 3600.0  # §4.1: an access token lives an hour
SCOPES = "user:read user:write chat_contact:read"


@dataclass(frozen=True)
class IssuedTokens:
    """What a sign-in (or a refresh) hands the app."""

    access_token: str
    refresh_token: str
    expires_at: float


@dataclass
class _Grant:
    user_id: str
    tokens: IssuedTokens
    revoked: bool = False


class TokenIssuer:
    """The account's sign-ins: which access token is whose, until when."""

    def __init__(self, clock: Callable[[], float], client_id: str) -> None:
        self._clock = clock
        self.client_id = client_id
        self._issued = 0
        self._by_access: dict[str, _Grant] = {}
        self._by_refresh: dict[str, _Grant] = {}
        self.refreshes = 0
        """Refresh requests answered with new tokens."""

    def issue(self, user_id: str, lifetime: float = ACCESS_TOKEN_LIFETIME_SECONDS) -> IssuedTokens:
        """A new sign-in of ``user_id`` whose access token lives ``lifetime`` seconds."""
        self._issued += 1
        number = self._issued
        tokens = IssuedTokens(
            f"fake-zoom-access-{number}-NOT-A-SECRET",
            f"fake-zoom-refresh-{number}-NOT-A-SECRET",
            self._clock() + lifetime,
        )
        grant = _Grant(user_id, tokens)
        self._by_access[tokens.access_token] = grant
        self._by_refresh[tokens.refresh_token] = grant
        return tokens

    def revoke(self, token: str) -> None:
        """End the sign-in ``token`` (access or refresh) belongs to: both stop working."""
        grant = self._by_access.get(token) or self._by_refresh.get(token)
        if grant is not None:
            grant.revoked = True

    def user_of(self, authorization: str) -> str:
        """The user id an ``Authorization: Bearer`` header's token signs in; 401 otherwise."""
        scheme, _, token = authorization.partition(" ")
        grant = self._by_access.get(token) if scheme.lower() == "bearer" else None
        if grant is None or grant.revoked:
            raise ZoomError(401, INVALID_ACCESS_TOKEN, "Invalid access token.")
        if self._clock() >= grant.tokens.expires_at:
            raise ZoomError(401, INVALID_ACCESS_TOKEN, "Access token is expired.")
        return grant.user_id

    def answer(self, request: FakeRequest) -> FakeResponse:
        """Answer ``POST /oauth/token`` (refresh_token grant only)."""
        form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
        if request.method != "POST":
            return _oauth_error(405, "invalid_request", "Use POST.")
        if self._client_of(request, form) != self.client_id:
            return _oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
        grant = self._by_refresh.pop(form.get("refresh_token", ""), None)
        if grant is None or grant.revoked:
            return _oauth_error(400, "invalid_grant", "Invalid Token!")
        del self._by_access[grant.tokens.access_token]  # rotation retires the old pair
        renewed = self.issue(grant.user_id)
        self.refreshes += 1
        return FakeResponse(
            200,
            {
                "access_token": renewed.access_token,
                "token_type": "bearer",
                "refresh_token": renewed.refresh_token,
                "expires_in": round(renewed.expires_at - self._clock()) - 1,
                "scope": SCOPES,
            },
        )

    @staticmethod
    def _client_of(request: FakeRequest, form: dict[str, str]) -> str | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(credentials).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                return None
        return form.get("client_id")


def _oauth_error(status: int, error: str, reason: str) -> FakeResponse:
    return FakeResponse(status, {"reason": reason, "error": error})
