"""The fake tenant's token endpoint renews a sign-in as Entra does: rotation, invalid_grant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.clock import ManualClock
from tests.servers.graph import GRAPH_PREFIX, TOKEN_LIFETIME_SECONDS, GraphFake
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TOKEN_PATH = "/organizations/oauth2/v2.0/token"
CLIENT_ID = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"


@pytest.fixture
def tenant() -> GraphFake:
    """A tenant of one person on a manual clock."""
    fake = GraphFake(ManualClock(1_790_000_000.0).now)
    fake.add_user("Ada Lovelace")
    return fake


@pytest.fixture
async def login(tenant: GraphFake) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the tenant's server (the token endpoint and Graph on one port)."""
    server = await FakeHttpServer(tenant.handle).start()
    async with httpx.AsyncClient(base_url=server.url) as client:
        yield client
    await server.aclose()


def ada_id(tenant: GraphFake) -> str:
    """The tenant's only user."""
    return next(iter(tenant.users))


async def renew(login: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    """A refresh_token grant as a public client sends it."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID}
    return await login.post(TOKEN_PATH, data=form)


async def test_a_renewal_answers_entras_shape_with_a_rotated_refresh_token(
    login: httpx.AsyncClient, tenant: GraphFake
) -> None:
    sign_in = tenant.sign_in(ada_id(tenant))

    answer = await renew(login, sign_in.refresh_token)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "token_type",
        "scope",
        "expires_in",
        "ext_expires_in",
        "access_token",
        "refresh_token",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TOKEN_LIFETIME_SECONDS
    assert body["refresh_token"] != sign_in.refresh_token
    tokens = TokenSet.from_response(body, now=0.0)
    assert tokens.refresh_token == body["refresh_token"]
    assert tokens.expires_at == TOKEN_LIFETIME_SECONDS
    me = await login.get(
        f"{GRAPH_PREFIX}/me", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    assert me.status_code == 200
    assert tenant.refresh_tokens.renewals == 1


async def test_a_used_refresh_token_is_an_invalid_grant(
    login: httpx.AsyncClient, tenant: GraphFake
) -> None:
    sign_in = tenant.sign_in(ada_id(tenant))
    assert (await renew(login, sign_in.refresh_token)).status_code == 200

    again = await renew(login, sign_in.refresh_token)

    assert again.status_code == 400
    body = again.json()
    assert body["error"] == "invalid_grant"
    assert body["error_codes"] == [70000]
    assert body["error_description"].startswith("AADSTS70000: ")
    assert tenant.refresh_tokens.refusals == 1


async def test_a_revoked_sign_in_refuses_both_its_tokens(
    login: httpx.AsyncClient, tenant: GraphFake
) -> None:
    sign_in = tenant.sign_in(ada_id(tenant))

    tenant.revoke_sign_ins(ada_id(tenant))
    me = await login.get(
        f"{GRAPH_PREFIX}/me", headers={"Authorization": f"Bearer {sign_in.access_token}"}
    )
    renewal = await renew(login, sign_in.refresh_token)

    assert me.status_code == 401
    assert (renewal.status_code, renewal.json()["error_codes"]) == (400, [50173])


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "client_id": CLIENT_ID}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "x"}, "invalid_request"),
    ],
)
async def test_other_requests_are_refused_with_an_oauth_error(
    login: httpx.AsyncClient, form: dict[str, str], error: str
) -> None:
    answer = await login.post(TOKEN_PATH, data=form)

    assert (answer.status_code, answer.json()["error"]) == (400, error)
