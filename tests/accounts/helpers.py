"""Shared steps of the account tests: a sign-in against the test server, plain HTTP calls."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import httpx

from presence_tray.accounts.signin import SignInFlow, SignInRequest
from presence_tray.accounts.tokens import RefreshEndpoint
from presence_tray.core.identity import AccountRef, Platform
from tests.accounts.browser import ScriptedUser
from tests.servers.processes import free_port

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.accounts.tokenset import TokenSet
    from tests.servers.oidc_server import OidcServer


def an_account() -> AccountRef:
    """A new Slack account, so runs side by side never share a keyring entry."""
    return AccountRef(Platform.SLACK, f"test-{uuid.uuid4().hex[:12]}")


def sign_in_request(server: OidcServer, **changes: Any) -> SignInRequest:
    """The test server's sign-in, asking for a refresh token (offline_access needs consent)."""
    settings: dict[str, Any] = {
        "server_name": "the test server",
        "authorize_url": server.authorize_url,
        "token_url": server.token_url,
        "client_id": server.client_id,
        "scopes": ("openid", "offline_access", "profile", "presence.read"),
        "issuer": server.issuer,
        "authorize_params": (("prompt", "consent"),),
    }
    settings.update(changes)
    return SignInRequest(**settings)


def refresh_endpoint(server: OidcServer, token_url: str | None = None) -> RefreshEndpoint:
    """Where the test server renews and revokes tokens."""
    return RefreshEndpoint(
        "the test server",
        token_url or server.token_url,
        server.client_id,
        revoke_url=server.revocation_url,
    )


async def sign_in(server: OidcServer, user: ScriptedUser | None = None) -> TokenSet:
    """A whole sign-in by a scripted user who consents."""
    user = user or ScriptedUser()
    tokens = await SignInFlow(sign_in_request(server), user.open_browser, timeout=30).run()
    await user.finished()
    return tokens


async def userinfo(server: OidcServer, access_token: str) -> httpx.Response:
    """The API call the tests make with a token: OpenID Connect's userinfo."""
    async with httpx.AsyncClient() as api:
        return await api.get(
            server.userinfo_url, headers={"Authorization": f"Bearer {access_token}"}
        )


async def refresh_error(server: OidcServer, refresh_token: str | None) -> str:
    """What the token endpoint says to a renewal with ``refresh_token`` ("" if it works)."""
    async with httpx.AsyncClient() as client:
        response = await client.post(
            server.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token or "",
                "client_id": server.client_id,
            },
        )
    return "" if response.status_code == 200 else str(response.json()["error"])


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (connection refused)."""
    return free_port()


def database_bytes(folder: Path) -> bytes:
    """Everything the SQLite files in ``folder`` hold (the database and its WAL), as bytes."""
    return b"".join(path.read_bytes() for path in sorted(folder.glob("presence.sqlite3*")))
