"""How each OAuth platform signs a desktop app in, from shared/reference/platform-apis.md.

Plain data: endpoints, the scopes to read presence and to set the user's own status, whether
a public client with PKCE is open to everyone, and what to register as the redirect URI. The
user brings their own app registration (client id, and tenant for Microsoft); no client secret
ships with the app. Where the reference states no revoke endpoint, ``revoke_url`` is None.
"""

# ``token_url`` arguments are endpoint addresses, not passwords.
# ruff: noqa: S106

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from presence_tray.core.identity import Platform

_TENANT: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,253}")
MICROSOFT_DEFAULT_TENANT: Final = "organizations"  # work or school accounts: Graph presence
SIGN_IN_SERVER_VARIABLE: Final = "PRESENCE_TRAY_SIGN_IN_SERVER"
"""The test seam: an OpenID Connect issuer URL every OAuth platform signs in at instead."""


@dataclass(frozen=True)
class SignInDescription:
    """One platform's OAuth 2.0 sign-in for a native app."""

    platform: Platform
    authorize_url: str
    token_url: str
    revoke_url: str | None
    read_scopes: tuple[str, ...]  # what reading presence needs
    set_status_scopes: tuple[str, ...]  # what setting the user's own status needs
    pkce_public_client: bool  # a public client (no secret) with PKCE S256, open to everyone
    redirect_rule: str  # what the user registers as redirect URI, in words
    scope_parameter: str = "scope"  # Slack takes user scopes in ``user_scope``
    refresh_scopes: tuple[str, ...] = ()  # extra scopes that bring a refresh token
    identity_scopes: tuple[str, ...] = ()  # what the "who am I" call needs beyond the above
    needs_tenant: bool = False
    note: str = ""

    def for_tenant(self, tenant: str) -> SignInDescription:
        """This description with ``{tenant}`` filled in; ValueError (a sentence) if malformed."""
        if not self.needs_tenant:
            return self
        if not _TENANT.fullmatch(tenant):
            msg = (
                f"{tenant!r} is not a tenant: enter your directory (tenant) id, a domain such as "
                f"contoso.onmicrosoft.com, or {MICROSOFT_DEFAULT_TENANT!r}."
            )
            raise ValueError(msg)
        return replace(
            self,
            authorize_url=self.authorize_url.format(tenant=tenant),
            token_url=self.token_url.format(tenant=tenant),
            needs_tenant=False,
        )


SIGN_IN_DESCRIPTIONS: Final[dict[Platform, SignInDescription]] = {
    description.platform: description
    for description in (
        SignInDescription(
            platform=Platform.SLACK,
            authorize_url="https://slack.com/oauth/v2/authorize",
            token_url="https://slack.com/api/oauth.v2.access",
            revoke_url=None,
            read_scopes=("users:read", "users.profile:read", "dnd:read"),
            set_status_scopes=("users:write", "users.profile:write", "dnd:write"),
            pkce_public_client=True,
            redirect_rule="a localhost redirect (a 'desktop redirect' once PKCE is enabled)",
            scope_parameter="user_scope",
            note=(
                "Enable PKCE in the app settings: desktop redirects get user tokens only (no bot "
                "scopes); the user token is under authed_user; refresh tokens rotate and expire "
                "after 30 days."
            ),
        ),
        SignInDescription(
            platform=Platform.TEAMS,
            authorize_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
            token_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            revoke_url=None,
            read_scopes=("Presence.Read", "Presence.Read.All"),
            set_status_scopes=("Presence.ReadWrite",),
            pkce_public_client=True,
            redirect_rule="http://localhost (or http://127.0.0.1 in the manifest); port ignored",
            refresh_scopes=("offline_access",),
            identity_scopes=("User.Read",),  # GET /me
            needs_tenant=True,
            note="Personal Microsoft accounts have no Graph presence; refresh tokens rotate.",
        ),
        SignInDescription(
            platform=Platform.ZOOM,
            authorize_url="https://zoom.us/oauth/authorize",
            token_url="https://zoom.us/oauth/token",
            revoke_url=None,
            read_scopes=("user:read:presence_status",),
            set_status_scopes=("user:update:presence_status",),
            identity_scopes=("user:read:user",),  # GET /users/me; granular name unverified
            pkce_public_client=True,
            redirect_rule="http://127.0.0.1:{port}/{path}; the port is ignored when matching",
            note="Use the separate public client id ('Use Public Client OAuth'); no secret.",
        ),
        SignInDescription(
            platform=Platform.DISCORD,
            authorize_url="https://discord.com/oauth2/authorize",
            token_url="https://discord.com/api/oauth2/token",
            revoke_url="https://discord.com/api/oauth2/token/revoke",
            read_scopes=("identify",),
            set_status_scopes=(),
            pkce_public_client=True,
            redirect_rule="http://127.0.0.1/callback; whether any port is accepted is unverified",
            note=(
                "User sign-in only tells who you are: reading presence needs a bot in a shared "
                "server with the presence intent, and no app can set a user's status."
            ),
        ),
        SignInDescription(
            platform=Platform.LINKEDIN,
            authorize_url="https://www.linkedin.com/oauth/v2/authorization",
            token_url="https://www.linkedin.com/oauth/v2/accessToken",
            revoke_url=None,
            read_scopes=("openid", "profile", "email"),
            set_status_scopes=(),
            pkce_public_client=False,
            redirect_rule="http://127.0.0.1:{port} or http://[::1]:{port}",
            note=(
                "LinkedIn has no presence API. Its native PKCE flow must be enabled by a "
                "LinkedIn contact, and refresh tokens are for approved partners only."
            ),
        ),
    )
}
