"""Two accounts on one platform, two people signed in through the real server, one keyring.

Like two Slack workspaces: their tokens live in separate keyring entries, so renewing one
leaves the other's secret as it was, and disconnecting one leaves the other working.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.tokens import TokenHolder
from presence_tray.accounts.tokenset import TokenSet
from tests.accounts.browser import ScriptedUser
from tests.accounts.helpers import refresh_endpoint, refresh_error, sign_in, userinfo

if TYPE_CHECKING:
    from tests.accounts.conftest import KeyringAccounts
    from tests.servers.oidc_server import OidcServer

pytestmark = [pytest.mark.oidc, pytest.mark.keyring]


async def who(holder: TokenHolder, server: OidcServer) -> str:
    """The user the account's token belongs to, by the server's userinfo."""
    response = await holder.call(lambda token: userinfo(server, token))
    assert response.status_code == 200
    return str(response.json()["sub"])


async def test_two_accounts_on_one_platform_keep_their_tokens_apart(
    oidc_server: OidcServer, keyring_accounts: KeyringAccounts
) -> None:
    keyring = keyring_accounts.store
    first, second = keyring_accounts.new(), keyring_accounts.new()
    assert first.platform == second.platform
    endpoint = refresh_endpoint(oidc_server)
    alice, bob = (
        TokenHolder(account, keyring, endpoint, refresh_ahead=1) for account in (first, second)
    )
    alice_tokens, bob_tokens = await asyncio.gather(
        sign_in(oidc_server, ScriptedUser(username="alice")),
        sign_in(oidc_server, ScriptedUser(username="bob")),
    )
    await alice.save(dataclasses.replace(alice_tokens, expires_at=time.time() - 1))
    await bob.save(bob_tokens)
    assert await keyring.get(second) == bob_tokens.to_secret()

    # Renewing the first account rotates its tokens only.
    assert await who(alice, oidc_server) == "alice"
    renewed = TokenSet.from_secret(await keyring.get(first) or "")
    assert renewed.refresh_token not in {None, alice_tokens.refresh_token}
    assert await keyring.get(second) == bob_tokens.to_secret()
    assert await who(bob, oidc_server) == "bob"
    bob_now = await keyring.get(second)

    # Disconnecting the first account leaves the second one working.
    result = await alice.disconnect()

    assert result.platform_told
    assert await keyring.get(first) is None
    assert await refresh_error(oidc_server, renewed.refresh_token) == "invalid_grant"
    assert await keyring.get(second) == bob_now
    assert await who(bob, oidc_server) == "bob"
    current = TokenSet.from_secret(await keyring.get(second) or "")
    await bob.save(dataclasses.replace(current, expires_at=0))
    assert await who(bob, oidc_server) == "bob"  # and its sign-in still renews
    renewed_bob = TokenSet.from_secret(await keyring.get(second) or "")
    assert renewed_bob.refresh_token not in {None, current.refresh_token}
