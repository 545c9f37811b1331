"""Disconnect against the real OAuth server: revoke where possible, always empty the keyring."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.tokens import NeedsReconnectError, TokenHolder
from tests.accounts.helpers import (
    closed_port,
    refresh_endpoint,
    refresh_error,
    sign_in,
    userinfo,
)

if TYPE_CHECKING:
    from presence_tray.accounts.tokenset import TokenSet
    from tests.accounts.conftest import CannedTokenServer, KeyringAccounts
    from tests.servers.oidc_server import OidcServer

pytestmark = [pytest.mark.oidc, pytest.mark.keyring]


def secrets_in_logs(caplog: pytest.LogCaptureFixture, tokens: TokenSet) -> list[str]:
    """The log records that contain one of ``tokens``'s secrets."""
    planted = [tokens.access_token, tokens.refresh_token or "no-refresh-token"]
    texts = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    return [text[:80] for text in texts for secret in planted if secret in text]


async def test_disconnect_revokes_the_sign_in_and_empties_the_keyring(
    oidc_server: OidcServer, keyring_accounts: KeyringAccounts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keyring, account = keyring_accounts.store, keyring_accounts.new()
    holder = TokenHolder(account, keyring, refresh_endpoint(oidc_server))
    signed_in = await sign_in(oidc_server)
    await holder.save(signed_in)
    assert (await userinfo(oidc_server, signed_in.access_token)).status_code == 200

    result = await holder.disconnect()

    assert result.platform_told
    assert result.message == (
        f"Signed out of {account}; the test server has ended Presence Tray's access."
    )
    assert await keyring.get(account) is None
    assert await refresh_error(oidc_server, signed_in.refresh_token) == "invalid_grant"
    assert (await userinfo(oidc_server, signed_in.access_token)).status_code == 401
    with pytest.raises(NeedsReconnectError):
        await holder.access_token()
    assert not secrets_in_logs(caplog, signed_in)


@pytest.mark.parametrize("trouble", ["down", "server error", "refusal", "timeout"])
async def test_the_secrets_are_deleted_even_when_the_platform_cannot_be_told(
    trouble: str,
    oidc_server: OidcServer,
    keyring_accounts: KeyringAccounts,
    canned_token_server: CannedTokenServer,
    silent_server: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    if trouble == "down":
        revoke_url = f"http://127.0.0.1:{closed_port()}/token/revocation"
    elif trouble == "timeout":
        revoke_url = silent_server
    else:
        canned_token_server.status = (
            "503 Service Unavailable" if trouble == "server error" else "400 Bad Request"
        )
        canned_token_server.body = b'{"error": "invalid_request"}'
        revoke_url = canned_token_server.url
    endpoint = dataclasses.replace(refresh_endpoint(oidc_server), revoke_url=revoke_url)
    keyring, account = keyring_accounts.store, keyring_accounts.new()
    holder = TokenHolder(account, keyring, endpoint, http_timeout=0.5)
    signed_in = await sign_in(oidc_server)
    await holder.save(signed_in)

    result = await holder.disconnect()

    assert not result.platform_told
    assert result.message == (
        f"Signed out of {account}; the test server could not be told, so you can remove "
        "Presence Tray's access in the test server's settings."
    )
    assert await keyring.get(account) is None
    assert await refresh_error(oidc_server, signed_in.refresh_token) == ""  # still valid there
    assert not secrets_in_logs(caplog, signed_in)


async def test_without_a_revocation_endpoint_disconnect_only_deletes(
    oidc_server: OidcServer, keyring_accounts: KeyringAccounts
) -> None:
    endpoint = dataclasses.replace(refresh_endpoint(oidc_server), revoke_url=None)
    keyring, account = keyring_accounts.store, keyring_accounts.new()
    holder = TokenHolder(account, keyring, endpoint)
    signed_in = await sign_in(oidc_server)
    await holder.save(signed_in)

    result = await holder.disconnect()

    assert not result.platform_told
    assert result.message == (
        f"Signed out of {account}; the test server offers no way for apps to end their own "
        "access, so you can remove Presence Tray's access in the test server's settings."
    )
    assert await keyring.get(account) is None
    assert await refresh_error(oidc_server, signed_in.refresh_token) == ""  # nothing was sent


async def test_a_renewal_racing_a_disconnect_leaves_no_secret_behind(
    oidc_server: OidcServer, keyring_accounts: KeyringAccounts
) -> None:
    keyring, account = keyring_accounts.store, keyring_accounts.new()
    holder = TokenHolder(account, keyring, refresh_endpoint(oidc_server))
    signed_in = await sign_in(oidc_server)
    await holder.save(dataclasses.replace(signed_in, expires_at=time.time() - 1))

    renewal, result = await asyncio.gather(
        holder.access_token(), holder.disconnect(), return_exceptions=True
    )

    assert not isinstance(result, BaseException)
    assert result.platform_told
    assert await keyring.get(account) is None
    # Whichever took the lock first: the renewed token was revoked, or there was none left.
    if isinstance(renewal, str):
        assert (await userinfo(oidc_server, renewal)).status_code == 401
    else:
        assert isinstance(renewal, NeedsReconnectError)
