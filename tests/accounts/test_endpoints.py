"""Where each platform's accounts sign in and renew, from the descriptions and the user's
settings, or from a discovered test server: the one place these are built."""

from __future__ import annotations

import pytest

from presence_tray.accounts.endpoints import (
    DiscoveredServer,
    discover,
    platform_endpoints,
    refresh_endpoint,
    sign_in_request,
)
from presence_tray.accounts.errors import ServerUnreachableError
from presence_tray.accounts.identity import IDENTITY_CALLS, openid_identity
from presence_tray.core.identity import Platform
from tests.accounts.helpers import closed_port

TEST_SERVER = DiscoveredServer(
    issuer="http://127.0.0.1:9",
    authorize_url="http://127.0.0.1:9/auth",
    token_url="http://127.0.0.1:9/token",
    userinfo_url="http://127.0.0.1:9/me",
    revoke_url="http://127.0.0.1:9/token/revocation",
)


def test_microsoft_uses_the_saved_tenant_and_asks_for_renewal_and_identity() -> None:
    endpoints = platform_endpoints(Platform.TEAMS, {"tenant": "contoso.onmicrosoft.com"})
    assert endpoints.token_url == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert {"Presence.Read", "offline_access", "User.Read"} <= set(endpoints.scopes)
    assert endpoints.identity is IDENTITY_CALLS[Platform.TEAMS]
    default = platform_endpoints(Platform.TEAMS, {})
    assert "/organizations/" in default.authorize_url
    with pytest.raises(ValueError, match="is not a tenant"):
        platform_endpoints(Platform.TEAMS, {"tenant": "../evil"})


def test_slack_scopes_travel_as_user_scope() -> None:
    request = sign_in_request(platform_endpoints(Platform.SLACK, {}), "123.456")
    assert request.scope_parameter == "user_scope"
    assert request.client_id == "123.456"
    assert "users:read" in request.scopes


def test_renewal_and_revocation_come_from_the_same_place() -> None:
    discord = refresh_endpoint(platform_endpoints(Platform.DISCORD, {}), "c1")
    assert (discord.server_name, discord.client_id) == ("Discord", "c1")
    assert discord.token_url == "https://discord.com/api/oauth2/token"
    assert discord.revoke_url == "https://discord.com/api/oauth2/token/revoke"
    assert refresh_endpoint(platform_endpoints(Platform.ZOOM, {}), "c1").revoke_url is None


def test_the_test_server_replaces_every_platform() -> None:
    for platform in (Platform.SLACK, Platform.TEAMS, Platform.LINKEDIN):
        endpoints = platform_endpoints(platform, {}, TEST_SERVER)
        assert endpoints.server_name == f"{platform.display_name} (test server)"
        assert endpoints.token_url == TEST_SERVER.token_url
        assert endpoints.issuer == TEST_SERVER.issuer
        assert endpoints.identity.url == TEST_SERVER.userinfo_url
        assert endpoints.identity.read is openid_identity
        assert endpoints.scope_parameter == "scope"
        # LinkedIn signs in with OpenID Connect itself: the test server is asked the same.
        expected = (
            ("openid", "profile", "email")
            if platform is Platform.LINKEDIN
            else ("openid", "offline_access", "profile")
        )
        assert endpoints.scopes == expected


async def test_an_unreachable_test_server_is_a_sentence() -> None:
    issuer = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(ServerUnreachableError, match="could not be reached") as failed:
        await discover(issuer, http_timeout=5)
    assert str(failed.value).startswith(f"The test sign-in server at {issuer} (PRESENCE_TRAY")
