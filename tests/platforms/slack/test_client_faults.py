"""The Slack client under trouble: 429s honoured, every fault survived, the account kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from tests.platforms.slack.conftest import ACCOUNT, BOB, FIRST_ACCESS_TOKEN, key_of
from tests.servers.slack import (
    API_PREFIX,
    DroppedConnection,
    Fault,
    MalformedJson,
    Refusal,
    ServerError,
    SlowAnswer,
)

if TYPE_CHECKING:
    import logging

    from tests.platforms.slack.conftest import SlackRig

TIER_3_PER_MINUTE = 50


def _health(rig: SlackRig) -> AccountHealth | None:
    status = rig.supervisor.status(ACCOUNT)
    return None if status is None else status.health


def _bob_online(rig: SlackRig) -> bool:
    aggregate = rig.aggregate(BOB)
    return aggregate is not None and aggregate.state is PresenceState.ONLINE


async def _spend_presence_limit_elsewhere(rig: SlackRig) -> None:
    """Another app of the same workspace uses up this minute's ``users.getPresence`` calls."""
    headers = {"Authorization": f"Bearer {FIRST_ACCESS_TOKEN}"}
    async with httpx.AsyncClient(base_url=rig.server.url + API_PREFIX, headers=headers) as other:
        for _ in range(TIER_3_PER_MINUTE):
            assert (await other.post("users.getPresence", data={"user": BOB})).status_code == 200
    rig.fake.answered.clear()
    rig.server.requests.clear()


async def test_a_429_is_honoured_no_call_before_retry_after(rig: SlackRig) -> None:
    await _spend_presence_limit_elsewhere(rig)
    rig.start()
    await rig.run_until(lambda: _bob_online(rig), what="Bob online after the wait")

    presence_calls = rig.fake.calls_of("users.getPresence")
    [limited] = rig.fake.rate_limited
    assert limited.method == "users.getPresence"
    after = [call.at for call in presence_calls if call is not limited]
    assert min(after) >= limited.at + 60  # the fake's Retry-After
    assert rig.client.times_rate_limited == 1
    degraded = [s for s in rig.statuses if s.health is AccountHealth.DEGRADED]
    assert degraded[0].message == "Slack asked to slow down; asking again in 60 s"
    assert rig.statuses[-1].health is AccountHealth.LIVE
    assert rig.statuses[-1].restarts == 0


@pytest.mark.parametrize(
    ("fault", "sentence"),
    [
        (ServerError(503), "Slack answered with a server error (503) on users.getPresence."),
        (SlowAnswer(0.5), "Slack did not answer in time on users.getPresence."),
        (MalformedJson(), "Slack sent an answer that is not JSON on users.getPresence."),
        (DroppedConnection(), "Slack could not be reached (RemoteProtocolError) on users."),
        (
            Refusal("internal_error"),
            "Slack had a passing problem on users.getPresence (internal_error).",
        ),
    ],
)
async def test_a_fault_while_polling_degrades_then_recovers_without_a_restart(
    rig: SlackRig, fault: Fault, sentence: str
) -> None:
    rig.start()
    await rig.run_until(lambda: _bob_online(rig), what="Bob online")
    rig.fake.fail_next(fault, method="users.getPresence")
    rig.statuses.clear()
    await rig.run_until(
        lambda: (
            any(s.health is AccountHealth.DEGRADED for s in rig.statuses)
            and _health(rig) is AccountHealth.LIVE
        ),
        what="degraded, then live again",
    )
    [degraded] = [s for s in rig.statuses if s.health is AccountHealth.DEGRADED]
    assert degraded.message.startswith(sentence)
    assert "Trying again in" in degraded.message
    assert degraded.restarts == 0
    assert rig.statuses[-1].restarts == 0
    assert _bob_online(rig)


async def test_a_fault_while_listing_restarts_the_client_and_keeps_the_account(
    rig: SlackRig,
) -> None:
    rig.fake.fail_next(ServerError(502), method="users.list")
    rig.start()
    await rig.run_until(lambda: _bob_online(rig), what="Bob online after a restart")
    [restarting] = [s for s in rig.statuses if s.message]
    assert (restarting.health, restarting.message, restarting.restarts) == (
        AccountHealth.RECONNECTING,
        "Slack answered with a server error (502) on users.list.",
        1,
    )
    assert _health(rig) is AccountHealth.LIVE
    assert rig.hub.identity(key_of(BOB)) is not None


async def test_a_permission_missing_while_polling_stops_the_account_with_its_name(
    rig: SlackRig, expected_warnings: list[logging.LogRecord]
) -> None:
    missing = Refusal("missing_scope", {"needed": "dnd:read", "provided": "users:read"})
    rig.fake.fail_next(missing, method="dnd.teamInfo")
    rig.start()
    await rig.run_until(lambda: _health(rig) is AccountHealth.FAILED, what="account failed")
    status = rig.supervisor.status(ACCOUNT)
    assert status is not None
    assert status.message == (
        "Slack stopped working: Slack did not grant Presence Tray the dnd:read permission it "
        "needs for dnd.teamInfo; reconnect the account and allow it."
    )
    assert [record.levelname for record in expected_warnings] == ["ERROR"]
