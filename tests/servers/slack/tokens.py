"""The fake's user tokens: bearer tokens that expire or are revoked, and their rotation.

With token rotation on, Slack's user tokens last 12 hours and are renewed at
``oauth.v2.access`` with ``grant_type=refresh_token``; each refresh token works once and the
answer carries a new one (platform-apis.md §2.1, docs.slack.dev using-token-rotation). A
reused or revoked refresh token is refused with ``invalid_grant`` (what Slack answers then,
and the RFC 6749 code the token holder acts on).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from tests.servers.slack.methods import SlackError
from tests.servers.slack.people import TEAM_ID, JsonObject

ROTATED_TOKEN_LIFETIME = 12 * 3600  # seconds: a rotated access token lasts 12 hours
CLIENT_ID = "FAKE-CLIENT-ID.1"
SCOPES = "users:read,users:write,users.profile:read,users.profile:write,dnd:read,dnd:write"


@dataclass
class _Token:
    user_id: str
    expires_at: float | None
    revoked: bool = False


@dataclass
class _RefreshToken:
    user_id: str
    used: bool = False


@dataclass
class TokenBook:
    """Every access and refresh token the fake issued."""

    access: dict[str, _Token] = field(default_factory=dict)
    refresh: dict[str, _RefreshToken] = field(default_factory=dict)
    refreshes: int = 0  # successful refreshes
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def issue(
        self,
        token: str,
        user_id: str,
        *,
        expires_at: float | None,
        refresh_token: str | None = None,
    ) -> None:
        """Accept ``token`` for ``user_id``; ``refresh_token`` renews it once."""
        self.access[token] = _Token(user_id, expires_at)
        if refresh_token is not None:
            self.refresh[refresh_token] = _RefreshToken(user_id)

    def revoke_user(self, user_id: str) -> None:
        """The person removed the app: every token of theirs is refused from now on."""
        for token in self.access.values():
            if token.user_id == user_id:
                token.revoked = True
        for refresh in self.refresh.values():
            if refresh.user_id == user_id:
                refresh.used = True

    def user_of(self, token: str | None, now: float) -> str:
        """Whose ``token`` it is; SlackError as Slack refuses a missing or bad one."""
        if token is None:
            raise SlackError("not_authed")
        known = self.access.get(token)
        if known is None:
            raise SlackError("invalid_auth")
        if known.revoked:
            raise SlackError("token_revoked")
        if known.expires_at is not None and now >= known.expires_at:
            raise SlackError("token_expired")
        return known.user_id

    def renew(self, arguments: dict[str, object], now: float) -> JsonObject:
        """``oauth.v2.access`` with ``grant_type=refresh_token``: new tokens, the old one spent."""
        if arguments.get("client_id") != CLIENT_ID:
            raise SlackError("invalid_client_id")
        if arguments.get("grant_type") != "refresh_token":
            raise SlackError("invalid_grant_type")
        refresh = self.refresh.get(str(arguments.get("refresh_token")))
        if refresh is None or refresh.used:
            raise SlackError("invalid_grant")
        refresh.used = True
        serial = next(self._serial)
        access_token = f"xoxe.xoxp-FAKE-NOT-A-SECRET-{serial}"
        refresh_token = f"xoxe-1-FAKE-NOT-A-SECRET-{serial}"
        self.issue(
            access_token,
            refresh.user_id,
            expires_at=now + ROTATED_TOKEN_LIFETIME,
            refresh_token=refresh_token,
        )
        self.refreshes += 1
        return {
            "access_token": access_token,
            "expires_in": ROTATED_TOKEN_LIFETIME,
            "refresh_token": refresh_token,
            "token_type": "user",
            "scope": SCOPES,
            "team": {"id": TEAM_ID, "name": "Fake Workspace"},
            "enterprise": None,
            "is_enterprise_install": False,
        }
