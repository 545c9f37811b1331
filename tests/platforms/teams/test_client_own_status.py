"""Setting my Teams status through the supervisor reaches the fake Graph tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth, OwnStatus
from presence_tray.core.own_status import OwnStatusOutcome
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.teams.own_status import iso_duration

if TYPE_CHECKING:
    from presence_tray.core.own_status import OwnStatusResult
    from tests.platforms.teams.rig import TeamsRig

DAY = 24 * 3600.0
WEEK = 7 * DAY


async def started(rig: TeamsRig) -> TeamsRig:
    """``rig`` with its client live."""
    rig.start()
    await rig.clock.run_until(lambda: rig.health() is AccountHealth.LIVE, within=60)
    return rig


async def set_status(rig: TeamsRig, status: OwnStatus) -> OwnStatusResult:
    """Ask the supervisor to set ``status``; the one account's result."""
    (result,) = await rig.supervisor.set_own_status(status)
    return result


@pytest.mark.parametrize(
    ("status", "shown", "lasts"),
    [
        (OwnStatus(PresenceState.BUSY), ("Busy", "Busy"), DAY),
        (OwnStatus(PresenceState.BUSY, dnd=True), ("DoNotDisturb", "DoNotDisturb"), DAY),
        (OwnStatus(PresenceState.AWAY), ("Away", "Away"), WEEK),
        (OwnStatus(PresenceState.OFFLINE), ("Offline", "OffWork"), WEEK),
    ],
    ids=["busy", "dnd", "away", "appear-offline"],
)
async def test_each_status_sets_its_preferred_presence(
    rig: TeamsRig, status: OwnStatus, shown: tuple[str, str], lasts: float
) -> None:
    await started(rig)

    result = await set_status(rig, status)

    assert result.ok, result.message
    preferred = rig.me.preferred
    assert preferred is not None
    assert (preferred.availability, preferred.activity) == shown
    assert preferred.expires_at == rig.clock.now() + lasts  # Graph's default: no duration sent
    assert rig.fake.presence_of(rig.me.id) == shown


async def test_do_not_disturb_until_a_time_ends_then(rig: TeamsRig) -> None:
    await started(rig)
    until = rig.clock.now() + 90 * 60 + 0.4

    result = await set_status(rig, OwnStatus(PresenceState.BUSY, dnd=True, until=until))

    assert result.ok, result.message
    preferred = rig.me.preferred
    assert preferred is not None
    assert (preferred.availability, preferred.activity) == ("DoNotDisturb", "DoNotDisturb")
    assert preferred.expires_at == rig.clock.now() + 90 * 60 + 1  # PT1H30M1S, rounded up


async def test_available_clears_the_preferred_presence(rig: TeamsRig) -> None:
    await started(rig)
    assert (await set_status(rig, OwnStatus(PresenceState.BUSY, dnd=True))).ok

    result = await set_status(rig, OwnStatus(PresenceState.ONLINE))

    assert result.ok, result.message
    assert rig.me.preferred is None
    cleared = [a for a in rig.log.answers if a.path.endswith("/clearUserPreferredPresence")]
    assert [a.path for a in cleared] == [
        f"/v1.0/users/{rig.me.id}/presence/clearUserPreferredPresence"
    ]


async def test_a_status_text_is_set_and_cleared_by_the_next_status(rig: TeamsRig) -> None:
    await started(rig)
    until = rig.clock.now() + 3600

    first = await set_status(rig, OwnStatus(PresenceState.BUSY, until=until, text="Focusing"))
    assert first.ok, first.message
    assert rig.me.status_message is not None
    assert rig.me.status_message.content == "Focusing"
    assert rig.me.status_message.expires_at == until

    second = await set_status(rig, OwnStatus(PresenceState.AWAY))

    assert second.ok, second.message
    assert rig.me.status_message is None
    messages = [a for a in rig.log.answers if a.path.endswith("/setStatusMessage")]
    assert len(messages) == 2
    third = await set_status(rig, OwnStatus(PresenceState.BUSY))
    assert third.ok
    assert len([a for a in rig.log.answers if a.path.endswith("/setStatusMessage")]) == 2


async def test_a_state_teams_cannot_show_fails_with_a_sentence(rig: TeamsRig) -> None:
    await started(rig)

    result = await set_status(rig, OwnStatus(PresenceState.IDLE))

    assert result.outcome is OwnStatusOutcome.FAILED
    assert result.message == "Teams: 'idle' is not a status you can choose."
    assert rig.me.preferred is None


async def test_an_end_time_already_past_sets_nothing(rig: TeamsRig) -> None:
    await started(rig)

    result = await set_status(
        rig, OwnStatus(PresenceState.BUSY, dnd=True, until=rig.clock.now() - 1)
    )

    assert result.outcome is OwnStatusOutcome.FAILED
    assert "already past" in result.message
    assert rig.me.preferred is None


@pytest.mark.parametrize(
    ("seconds", "duration"),
    [(1, "PT1S"), (59.2, "PT1M"), (3600, "PT1H"), (5400.5, "PT1H30M1S"), (86400, "PT24H")],
)
def test_iso_durations(seconds: float, duration: str) -> None:
    assert iso_duration(seconds) == duration


async def test_available_until_a_time_is_set_for_that_long(rig: TeamsRig) -> None:
    await started(rig)

    result = await set_status(rig, OwnStatus(PresenceState.ONLINE, until=rig.clock.now() + 1800))

    assert result.ok, result.message
    preferred = rig.me.preferred
    assert preferred is not None
    assert (preferred.availability, preferred.activity) == ("Available", "Available")
    assert preferred.expires_at == rig.clock.now() + 1800
