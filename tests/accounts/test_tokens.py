"""Tokens over time against the real OAuth server: keyring, expiry, rotation, reconnect."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts import tokens as tokens_module
from presence_tray.accounts.tokens import NeedsReconnectError, TokenHolder
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.errors import AuthError, TransientError
from tests.accounts.helpers import (
    an_account,
    closed_port,
    refresh_endpoint,
    sign_in,
    userinfo,
)
from tests.accounts.stores import MemorySecretStore, RecordingStore

if TYPE_CHECKING:
    import httpx

    from tests.accounts.conftest import CannedTokenServer, KeyringAccounts
    from tests.servers.oidc_server import OidcServer

pytestmark = pytest.mark.oidc


@pytest.fixture
def token_endpoint_uses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the holder's trips to the token endpoint (one authlib client per refresh)."""
    uses: list[str] = []
    real = tokens_module.public_client

    def counting(client_id: str, **kwargs: float) -> object:
        uses.append(client_id)
        return real(client_id, **kwargs)

    monkeypatch.setattr(tokens_module, "public_client", counting)
    return uses


@pytest.mark.keyring
async def test_tokens_live_in_the_keyring_and_are_renewed_with_rotation_after_expiry(
    oidc_server: OidcServer, keyring_accounts: KeyringAccounts
) -> None:
    keyring, account = keyring_accounts.store, keyring_accounts.new()
    store = RecordingStore(keyring)
    holder = TokenHolder(account, store, refresh_endpoint(oidc_server), refresh_ahead=1)
    signed_in = await sign_in(oidc_server)
    await holder.save(signed_in)
    assert await keyring.get(account) == signed_in.to_secret()

    first = await holder.call(lambda token: userinfo(oidc_server, token))
    assert first.status_code == 200

    # The access token expires; the old one is refused by the server from then on.
    assert signed_in.expires_at is not None
    await asyncio.sleep(max(0.0, signed_in.expires_at - time.time()) + 0.5)
    assert (await userinfo(oidc_server, signed_in.access_token)).status_code == 401

    used_while_stored: list[bool] = []

    async def send(token: str) -> httpx.Response:
        stored = TokenSet.from_secret(await keyring.get(account) or "")
        used_while_stored.append(stored.access_token == token)
        return await userinfo(oidc_server, token)

    renewed = await holder.call(send)

    assert renewed.status_code == 200
    assert renewed.json()["sub"] == "alice"
    assert used_while_stored == [True]  # the new token was in the keyring before its first use
    now_stored = TokenSet.from_secret(await keyring.get(account) or "")
    assert now_stored.refresh_token not in {None, signed_in.refresh_token}  # rotated
    assert len(store.puts) == 2  # the sign-in, then the renewal: stored once each


async def test_a_401_refreshes_once_and_retries_once(oidc_server: OidcServer) -> None:
    account, store = an_account(), RecordingStore(MemorySecretStore())
    holder = TokenHolder(account, store, refresh_endpoint(oidc_server), refresh_ahead=0)
    signed_in = await sign_in(oidc_server)
    # The platform no longer takes an access token that has not expired by the clock.
    stale = dataclasses.replace(signed_in, access_token="dropped-by-the-platform")
    await holder.save(stale)
    sent: list[str] = []

    async def send(token: str) -> httpx.Response:
        sent.append(token)
        return await userinfo(oidc_server, token)

    response = await holder.call(send)

    assert response.status_code == 200
    assert len(sent) == 2
    assert sent[0] == stale.access_token
    assert sent[1] == TokenSet.from_secret(store.puts[-1]).access_token
    assert len(store.puts) == 2


async def test_a_second_401_after_a_refresh_means_reconnect(oidc_server: OidcServer) -> None:
    holder = TokenHolder(an_account(), MemorySecretStore(), refresh_endpoint(oidc_server))
    await holder.save(await sign_in(oidc_server))

    async def always_refused(token: str) -> httpx.Response:
        response = await userinfo(oidc_server, "not-a-token")
        assert response.status_code == 401
        return response

    with pytest.raises(NeedsReconnectError):
        await holder.call(always_refused)
    assert holder.needs_reconnect


async def test_a_reused_rotated_out_refresh_token_means_reconnect_without_a_storm(
    oidc_server: OidcServer, token_endpoint_uses: list[str]
) -> None:
    account, store = an_account(), MemorySecretStore()
    holder = TokenHolder(account, store, refresh_endpoint(oidc_server), refresh_ahead=0)
    signed_in = await sign_in(oidc_server)
    expired = dataclasses.replace(signed_in, expires_at=time.time() - 1)
    await holder.save(expired)
    await holder.access_token()  # renews: the first refresh token is now rotated out
    assert len(token_endpoint_uses) == 1

    await holder.save(expired)  # e.g. an old copy of the secret comes back
    with pytest.raises(NeedsReconnectError) as caught:
        await holder.access_token()

    assert isinstance(caught.value, AuthError)  # what the supervisor parks an account on
    assert str(caught.value) == (
        f"Presence Tray lost access to {account}. Reconnect the account in Settings."
    )
    assert holder.needs_reconnect
    for _ in range(5):  # every later use fails at once, without calling the server
        with pytest.raises(NeedsReconnectError):
            await holder.access_token()
    assert len(token_endpoint_uses) == 2


async def test_concurrent_callers_share_one_renewal(
    oidc_server: OidcServer, token_endpoint_uses: list[str]
) -> None:
    store = RecordingStore(MemorySecretStore())
    holder = TokenHolder(an_account(), store, refresh_endpoint(oidc_server))
    signed_in = await sign_in(oidc_server)
    await holder.save(dataclasses.replace(signed_in, expires_at=time.time() - 1))

    tokens = await asyncio.gather(*(holder.access_token() for _ in range(4)))

    assert len(set(tokens)) == 1
    assert len(token_endpoint_uses) == 1  # two renewals would trip reuse detection
    assert (await userinfo(oidc_server, tokens[0])).status_code == 200


async def test_a_token_server_that_is_down_is_a_passing_failure(oidc_server: OidcServer) -> None:
    endpoint = refresh_endpoint(oidc_server, f"http://127.0.0.1:{closed_port()}/token")
    holder = TokenHolder(an_account(), MemorySecretStore(), endpoint)
    signed_in = await sign_in(oidc_server)
    await holder.save(dataclasses.replace(signed_in, expires_at=time.time() - 1))

    with pytest.raises(TransientError) as caught:
        await holder.access_token()

    assert str(caught.value) == (
        "the test server could not be reached. Check your network connection and try again."
    )
    assert not holder.needs_reconnect


async def test_a_slow_token_server_is_a_passing_failure(
    oidc_server: OidcServer, silent_server: str
) -> None:
    endpoint = refresh_endpoint(oidc_server, silent_server)
    holder = TokenHolder(an_account(), MemorySecretStore(), endpoint, http_timeout=0.5)
    signed_in = await sign_in(oidc_server)
    await holder.save(dataclasses.replace(signed_in, expires_at=time.time() - 1))

    with pytest.raises(TransientError, match=r"did not answer within 0\.5 s"):
        await holder.access_token()
    assert not holder.needs_reconnect


async def test_no_stored_sign_in_means_reconnect(oidc_server: OidcServer) -> None:
    holder = TokenHolder(an_account(), MemorySecretStore(), refresh_endpoint(oidc_server))

    with pytest.raises(NeedsReconnectError):
        await holder.access_token()


async def test_a_damaged_stored_sign_in_means_reconnect(oidc_server: OidcServer) -> None:
    account, store = an_account(), MemorySecretStore()
    await store.put(account, "{not json")
    holder = TokenHolder(account, store, refresh_endpoint(oidc_server))

    with pytest.raises(NeedsReconnectError) as caught:
        await holder.access_token()
    assert "not json" not in str(caught.value)


async def test_forget_deletes_the_tokens(oidc_server: OidcServer) -> None:
    account, store = an_account(), MemorySecretStore()
    holder = TokenHolder(account, store, refresh_endpoint(oidc_server))
    await holder.save(await sign_in(oidc_server))

    await holder.forget()

    assert await store.get(account) is None


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        pytest.param(
            "400 Bad Request",
            b'{"error": "temporarily_unavailable"}',
            "the test server could not renew the sign-in (temporarily_unavailable). Trying later.",
            id="other-oauth-error",
        ),
        pytest.param(
            "200 OK",
            b'{"token_type": "Bearer"}',
            "the test server sent an unusable token renewal: "
            "the server's answer contains no access token.",
            id="no-access-token",
        ),
        pytest.param(
            "200 OK",
            b"<html>maintenance</html>",
            "the test server answered the token renewal with something unreadable.",
            id="not-json",
        ),
        pytest.param(
            "503 Service Unavailable",
            b"{}",
            "the test server answered with a server error (HTTP 503). Try again later.",
            id="server-error",
        ),
    ],
)
async def test_odd_renewal_answers_are_passing_failures(
    oidc_server: OidcServer,
    canned_token_server: CannedTokenServer,
    status: str,
    body: bytes,
    message: str,
) -> None:
    canned_token_server.status, canned_token_server.body = status, body
    endpoint = refresh_endpoint(oidc_server, canned_token_server.url)
    holder = TokenHolder(an_account(), MemorySecretStore(), endpoint)
    await holder.save(TokenSet("old-access", "old-refresh", expires_at=time.time() - 1))

    with pytest.raises(TransientError) as caught:
        await holder.access_token()

    assert str(caught.value) == message
    assert not holder.needs_reconnect


async def test_tokens_without_a_refresh_token_need_a_reconnect_once_expired(
    oidc_server: OidcServer, token_endpoint_uses: list[str]
) -> None:
    holder = TokenHolder(an_account(), MemorySecretStore(), refresh_endpoint(oidc_server))
    await holder.save(TokenSet("old-access", None, expires_at=time.time() - 1))

    with pytest.raises(NeedsReconnectError):
        await holder.access_token()
    assert token_endpoint_uses == []
