"""The Teams client keeps going through Graph's failures, or parks the account with a reason."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from presence_tray.core.secrets import MAIN_SECRET
from tests.platforms.teams.rig import ACCOUNT
from tests.servers.graph import JOINS_MEETING, TOKEN_LIFETIME_SECONDS, Fault

if TYPE_CHECKING:
    from tests.platforms.teams.rig import TeamsRig
    from tests.servers.graph import GraphUser

SECRET_MARKERS = ("fake-graph-token", "fake-graph-refresh")


def grace_of(rig: TeamsRig) -> GraphUser:
    """A colleague of the signed-in user."""
    return next(user for user in rig.fake.users.values() if user is not rig.me)


def shows(rig: TeamsRig, user: GraphUser, state: PresenceState) -> bool:
    """Whether the hub holds ``state`` for ``user``'s Teams identity."""
    value = rig.value(user)
    return value is not None and value.state is state


async def live(rig: TeamsRig, **options: object) -> TeamsRig:
    """``rig`` with its client started and live."""
    rig.start(**options)
    await rig.clock.run_until(lambda: rig.health() is AccountHealth.LIVE, within=60)
    return rig


async def test_a_429_is_waited_out_for_its_whole_retry_after(rig: TeamsRig) -> None:
    rig.fake.budget.limit = 3  # /me, /users and one poll in five minutes
    rig.fake.budget.window = 300.0
    await live(rig)

    await rig.clock.run_for(5 * 60)

    (refused,) = rig.log.statuses(429)
    assert refused.at == rig.log.answers[0].at + 60  # the second poll
    after = rig.log.answers[rig.log.answers.index(refused) + 1 :]
    assert after[0].at == refused.at + 240  # Retry-After: the window's remaining 240 s
    assert after[0].status == 200
    assert rig.client is not None
    assert rig.client.times_rate_limited == 1
    assert any(
        s.health is AccountHealth.DEGRADED and "asked to slow down" in s.message
        for s in rig.statuses
    )
    assert rig.health() is AccountHealth.LIVE


async def test_an_expired_access_token_is_renewed_once_and_polling_goes_on(
    rig: TeamsRig,
) -> None:
    await rig.sign_in(expiry_known=False)  # only the 401 tells the client
    signed_in = TokenSet.from_secret(rig.store.named[ACCOUNT, MAIN_SECRET])
    grace = grace_of(rig)
    await live(rig)

    await rig.clock.run_for(TOKEN_LIFETIME_SECONDS + 60)
    rig.fake.apply(grace.id, JOINS_MEETING)
    await rig.clock.run_until(lambda: shows(rig, grace, PresenceState.BUSY), within=120)

    assert len(rig.log.statuses(401)) == 1
    assert rig.fake.refresh_tokens.renewals == 1
    assert rig.health() is AccountHealth.LIVE
    renewed = TokenSet.from_secret(rig.store.named[ACCOUNT, MAIN_SECRET])
    assert renewed.refresh_token != signed_in.refresh_token  # the rotated one was kept


async def test_a_known_expiry_is_renewed_ahead_without_a_refusal(rig: TeamsRig) -> None:
    await live(rig)

    await rig.clock.run_for(2 * 3600)

    assert rig.log.statuses(401) == []
    assert rig.fake.refresh_tokens.renewals == 1
    assert rig.health() is AccountHealth.LIVE


async def test_a_revoked_sign_in_parks_the_account_and_stops_calling(
    rig: TeamsRig, expected_warnings: list[logging.LogRecord]
) -> None:
    await live(rig)

    rig.fake.revoke_sign_ins(rig.me.id)
    await rig.clock.run_until(lambda: rig.health() is AccountHealth.NEEDS_RECONNECT, within=2 * 60)
    calls = len(rig.log.answers)
    await asyncio.sleep(0.05)

    status = rig.supervisor.status(ACCOUNT)
    assert status is not None
    assert status.message == (
        "Presence Tray lost access to Teams (contoso). Reconnect the account in Settings."
    )
    assert rig.fake.refresh_tokens.refusals == 1
    assert len(rig.log.answers) == calls
    assert not rig.clock.is_idle()  # nothing waits to call again
    assert [r.levelno for r in expected_warnings] == [logging.WARNING]


async def test_losing_the_presence_permission_fails_the_account_with_its_name(
    rig: TeamsRig, expected_warnings: list[logging.LogRecord]
) -> None:
    await live(rig)

    rig.fake.deny_presence_reads()
    await rig.clock.run_until(lambda: rig.health() is AccountHealth.FAILED, within=2 * 60)

    status = rig.supervisor.status(ACCOUNT)
    assert status is not None
    assert "the sign-in lacks the permission Presence.Read.All" in status.message
    assert "administrator" in status.message
    assert len(expected_warnings) == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault.INTERNAL_SERVER_ERROR,
        Fault.BAD_GATEWAY,
        Fault.SERVICE_UNAVAILABLE,
        Fault.MALFORMED_JSON,
        Fault.SLOW_ANSWER,
        Fault.DROPPED_CONNECTION,
    ],
)
async def test_a_failed_poll_degrades_the_account_then_it_is_live_again(
    rig: TeamsRig, fault: Fault
) -> None:
    grace = grace_of(rig)
    rig.fake.slow_answer_seconds = 0.3
    await live(rig, timeout=0.1)
    rig.statuses.clear()

    rig.fake.fail_next(fault)
    rig.fake.apply(grace.id, JOINS_MEETING)
    await rig.clock.run_until(lambda: shows(rig, grace, PresenceState.BUSY), within=5 * 60)

    healths = [s.health for s in rig.statuses]
    assert healths == [AccountHealth.DEGRADED, AccountHealth.LIVE]
    degraded = rig.statuses[0].message
    assert degraded.startswith("Microsoft Teams ")
    assert degraded.endswith(" s.")
    assert "Trying again in" in degraded
    assert rig.supervisor.status(ACCOUNT) == rig.statuses[-1]


async def test_no_token_reaches_a_log_or_an_account_message(
    rig: TeamsRig, caplog: pytest.LogCaptureFixture, expected_warnings: list[logging.LogRecord]
) -> None:
    caplog.set_level(logging.DEBUG)
    await rig.sign_in(expiry_known=False)
    await live(rig)
    rig.fake.fail_next(Fault.INTERNAL_SERVER_ERROR, Fault.MALFORMED_JSON)
    await rig.clock.run_for(TOKEN_LIFETIME_SECONDS + 5 * 60)  # faults, a 401 and a renewal
    rig.fake.revoke_sign_ins(rig.me.id)
    await rig.clock.run_until(lambda: rig.health() is AccountHealth.NEEDS_RECONNECT, within=2 * 60)

    assert rig.fake.refresh_tokens.renewals == 1
    texts = [record.getMessage() for record in caplog.records]
    texts += [str(record.exc_info[1]) for record in caplog.records if record.exc_info]
    texts += [status.message for status in rig.statuses]
    assert len(texts) > 10
    assert not [text for text in texts if any(marker in text for marker in SECRET_MARKERS)]
    assert expected_warnings
