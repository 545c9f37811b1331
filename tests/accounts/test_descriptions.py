"""The per-platform sign-in descriptions say what shared/reference/platform-apis.md states."""

from __future__ import annotations

import pytest

from presence_tray.accounts.descriptions import (
    MICROSOFT_DEFAULT_TENANT,
    SIGN_IN_DESCRIPTIONS,
    SignInDescription,
)
from presence_tray.core.identity import Platform


@pytest.mark.parametrize(
    ("platform", "authorize_url", "token_url", "revoke_url"),
    [
        (
            Platform.SLACK,
            "https://slack.com/oauth/v2/authorize",
            "https://slack.com/api/oauth.v2.access",
            None,
        ),
        (
            Platform.TEAMS,
            "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
            "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            None,
        ),
        (Platform.ZOOM, "https://zoom.us/oauth/authorize", "https://zoom.us/oauth/token", None),
        (
            Platform.DISCORD,
            "https://discord.com/oauth2/authorize",
            "https://discord.com/api/oauth2/token",
            "https://discord.com/api/oauth2/token/revoke",
        ),
        (
            Platform.LINKEDIN,
            "https://www.linkedin.com/oauth/v2/authorization",
            "https://www.linkedin.com/oauth/v2/accessToken",
            None,
        ),
    ],
)
def test_endpoints(
    platform: Platform, authorize_url: str, token_url: str, revoke_url: str | None
) -> None:
    description = SIGN_IN_DESCRIPTIONS[platform]
    assert (description.authorize_url, description.token_url, description.revoke_url) == (
        authorize_url,
        token_url,
        revoke_url,
    )


@pytest.mark.parametrize(
    ("platform", "read", "set_status"),
    [
        (
            Platform.SLACK,
            {"users:read", "users.profile:read", "dnd:read"},
            {"users:write", "users.profile:write", "dnd:write"},
        ),
        (Platform.TEAMS, {"Presence.Read", "Presence.Read.All"}, {"Presence.ReadWrite"}),
        (Platform.ZOOM, {"user:read:presence_status"}, {"user:update:presence_status"}),
        (Platform.LINKEDIN, {"openid", "profile", "email"}, set()),
        (Platform.DISCORD, {"identify"}, set()),  # no app may set a Discord user's status
    ],
)
def test_scopes_for_reading_and_for_setting_status(
    platform: Platform, read: set[str], set_status: set[str]
) -> None:
    description = SIGN_IN_DESCRIPTIONS[platform]
    assert set(description.read_scopes) == read
    assert set(description.set_status_scopes) == set_status


def test_every_platform_but_linkedin_offers_a_public_client_with_pkce() -> None:
    assert {p for p, d in SIGN_IN_DESCRIPTIONS.items() if d.pkce_public_client} == {
        Platform.SLACK,
        Platform.TEAMS,
        Platform.ZOOM,
        Platform.DISCORD,
    }


def test_slack_takes_user_scopes_and_microsoft_needs_offline_access() -> None:
    assert SIGN_IN_DESCRIPTIONS[Platform.SLACK].scope_parameter == "user_scope"
    assert SIGN_IN_DESCRIPTIONS[Platform.TEAMS].refresh_scopes == ("offline_access",)
    assert SIGN_IN_DESCRIPTIONS[Platform.ZOOM].scope_parameter == "scope"


def test_microsoft_urls_take_the_tenant() -> None:
    teams = SIGN_IN_DESCRIPTIONS[Platform.TEAMS]
    assert teams.needs_tenant

    mine = teams.for_tenant("contoso.onmicrosoft.com")

    assert mine.authorize_url == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    )
    assert mine.token_url.endswith("/contoso.onmicrosoft.com/oauth2/v2.0/token")
    assert not mine.needs_tenant
    assert MICROSOFT_DEFAULT_TENANT in teams.for_tenant(MICROSOFT_DEFAULT_TENANT).token_url


@pytest.mark.parametrize("tenant", ["", "a/b", "evil.com/../x", "x?y", "-dash"])
def test_a_malformed_tenant_is_refused_with_a_sentence(tenant: str) -> None:
    with pytest.raises(ValueError, match="is not a tenant: enter your directory"):
        SIGN_IN_DESCRIPTIONS[Platform.TEAMS].for_tenant(tenant)


def test_platforms_without_tenants_ignore_one() -> None:
    zoom: SignInDescription = SIGN_IN_DESCRIPTIONS[Platform.ZOOM]
    assert zoom.for_tenant("anything") is zoom
