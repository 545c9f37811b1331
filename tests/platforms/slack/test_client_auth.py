"""The Slack client's sign-in: an expired token renewed once, a revoked one parks the account."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from tests.platforms.slack.conftest import (
    ACCOUNT,
    BOB,
    FIRST_ACCESS_TOKEN,
    FIRST_REFRESH_TOKEN,
    ME,
)
from tests.servers.slack.tokens import ROTATED_TOKEN_LIFETIME

if TYPE_CHECKING:
    import pytest

    from tests.platforms.slack.conftest import SlackRig

LIFETIME = 20 * 60.0


def _expire_first_token_soon(rig: SlackRig) -> float:
    """The first access token stops working in 20 minutes (the keyring does not know)."""
    rig.fake.issue_token(
        FIRST_ACCESS_TOKEN, ME, lifetime=LIFETIME, refresh_token=FIRST_REFRESH_TOKEN
    )
    return rig.clock.now() + LIFETIME


def _health(rig: SlackRig) -> AccountHealth | None:
    status = rig.supervisor.status(ACCOUNT)
    return None if status is None else status.health


async def test_an_expired_token_is_renewed_once_and_polling_goes_on(rig: SlackRig) -> None:
    expiry = _expire_first_token_soon(rig)
    rig.start()
    await rig.run_until(lambda: rig.clock.now() >= expiry + LIFETIME, what="40 minutes passing")

    assert rig.fake.tokens.refreshes == 1
    refused = [at for at in rig.calls_with_token(FIRST_ACCESS_TOKEN) if at >= expiry]
    assert len(refused) == 1  # one token_expired, then the renewed token
    renewed = TokenSet.from_secret(rig.store.secrets[ACCOUNT])
    assert renewed.access_token == "xoxe.xoxp-FAKE-NOT-A-SECRET-1"
    assert renewed.refresh_token == "xoxe-1-FAKE-NOT-A-SECRET-1"  # rotated, kept first
    assert renewed.expires_at is not None
    assert renewed.expires_at >= expiry + ROTATED_TOKEN_LIFETIME - 60
    later = [at for at in rig.calls_with_token(renewed.access_token) if at > expiry]
    assert len(later) > 40  # the poll went on with the new token
    assert all(s.restarts == 0 for s in rig.statuses)
    assert _health(rig) is AccountHealth.LIVE
    bob = rig.aggregate(BOB)
    assert bob is not None
    assert bob.state is PresenceState.AWAY  # idle for 40 minutes: Slack's automatic away
    assert bob.decided_by is not None
    assert bob.decided_by.observed_at > expiry


async def test_a_revoked_sign_in_parks_the_account_and_calls_no_more(
    rig: SlackRig, expected_warnings: list[logging.LogRecord]
) -> None:
    revoked_at = rig.clock.now() + 600
    rig.fake.at(revoked_at, lambda fake: fake.revoke_sign_in(ME))
    rig.start()
    await rig.run_until(
        lambda: _health(rig) is AccountHealth.NEEDS_RECONNECT, what="account needs reconnect"
    )
    status = rig.supervisor.status(ACCOUNT)
    assert status is not None
    assert status.message == (
        "Presence Tray lost access to Slack (fake-workspace). Reconnect the account in Settings."
    )
    assert rig.tokens.needs_reconnect
    assert rig.fake.tokens.refreshes == 0
    calls = len(rig.fake.answered)
    await asyncio.sleep(0.05)  # anything still scheduled would call now
    assert len(rig.fake.answered) == calls
    after = [call for call in rig.fake.answered if call.at >= revoked_at]
    assert [call.method for call in after][-1] == "oauth.v2.access"  # one refusal, one renewal
    assert len(after) == 2
    assert [r.getMessage() for r in expected_warnings] == [
        (
            f"{ACCOUNT}: sign-in refused, needs reconnecting: Presence Tray lost access to "
            f"{ACCOUNT}. Reconnect the account in Settings."
        )
    ]


async def test_no_token_appears_in_logs_or_errors(
    rig: SlackRig, caplog: pytest.LogCaptureFixture, expected_warnings: list[logging.LogRecord]
) -> None:
    caplog.set_level(logging.DEBUG)
    expiry = _expire_first_token_soon(rig)
    rig.fake.at(expiry + LIFETIME, lambda fake: fake.revoke_sign_in(ME))
    rig.start()
    await rig.run_until(
        lambda: _health(rig) is AccountHealth.NEEDS_RECONNECT, what="account needs reconnect"
    )
    assert rig.fake.tokens.refreshes == 1
    secrets = [*rig.fake.tokens.access, *rig.fake.tokens.refresh]
    formatter = logging.Formatter()
    texts = [formatter.format(record) for record in caplog.records]
    texts += [status.message for status in rig.statuses]
    assert len(texts) > 20
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "FAKE-NOT-A-SECRET" not in text
    assert len(expected_warnings) == 1
