"""Setting my Zoom status: each kind reaches the fake, or fails with a sentence to act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import OwnStatus
from presence_tray.core.errors import PermanentError, RateLimitedError
from presence_tray.core.own_status import OwnStatusChoice, OwnStatusOutcome, own_status_for
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.zoom.own_status import (
    CANNOT_APPEAR_OFFLINE,
    NOT_SIGNED_IN,
    dnd_minutes,
)
from tests.servers.zoom import ZoomStatus

if TYPE_CHECKING:
    from tests.platforms.zoom.conftest import ZoomRig

MINUTE = 60.0


@pytest.mark.parametrize(
    ("status", "sent", "shown"),
    [
        (OwnStatus(PresenceState.ONLINE), "Available", ZoomStatus.AVAILABLE),
        (OwnStatus(PresenceState.BUSY), "Busy", ZoomStatus.BUSY),
        (OwnStatus(PresenceState.AWAY), "Away", ZoomStatus.AWAY),
        (OwnStatus(PresenceState.IDLE), "Away", ZoomStatus.AWAY),
        (OwnStatus(PresenceState.BUSY, dnd=True), "Do_Not_Disturb", ZoomStatus.DO_NOT_DISTURB),
    ],
    ids=["available", "busy", "away", "idle", "dnd"],
)
async def test_each_status_reaches_zoom(
    rig: ZoomRig, status: OwnStatus, sent: str, shown: ZoomStatus
) -> None:
    rig.fake.set_presence(rig.me.id, ZoomStatus.IN_A_MEETING)

    await rig.client.set_own_status(status)

    assert [update.status for update in rig.fake.status_updates] == [sent]
    assert rig.fake.presence_of(rig.me.id) is shown


async def test_do_not_disturb_with_an_end_lasts_until_then(rig: ZoomRig) -> None:
    until = rig.clock.now() + 90 * MINUTE + 10  # rounded up to the minute

    await rig.client.set_own_status(OwnStatus(PresenceState.BUSY, dnd=True, until=until))

    (update,) = rig.fake.status_updates
    assert (update.status, update.duration) == ("Do_Not_Disturb", 91)
    rig.clock.advance(91 * MINUTE)
    assert rig.fake.presence_of(rig.me.id) is ZoomStatus.AVAILABLE


async def test_do_not_disturb_without_an_end_lasts_the_longest_zoom_allows(rig: ZoomRig) -> None:
    await rig.client.set_own_status(OwnStatus(PresenceState.BUSY, dnd=True))

    (update,) = rig.fake.status_updates
    assert update.duration == 1440  # a day, not Zoom's default of 20 minutes
    assert rig.me.dnd_until == rig.clock.now() + 1440 * MINUTE


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(-5.0, 1), (1.0, 1), (60.0, 1), (61.0, 2), (3 * 86400.0, 1440)],
)
def test_dnd_minutes_stay_within_zooms_1_to_1440(seconds: float, minutes: int) -> None:
    assert dnd_minutes(1000.0 + seconds, 1000.0) == minutes


async def test_appearing_offline_is_refused_with_a_sentence_and_nothing_is_sent(
    rig: ZoomRig,
) -> None:
    with pytest.raises(PermanentError) as refused:
        await rig.client.set_own_status(OwnStatus(PresenceState.OFFLINE))

    assert str(refused.value) == CANNOT_APPEAR_OFFLINE
    assert rig.fake.requests == 0


async def test_without_a_zoom_app_signed_in_the_user_is_told_to_open_zoom(
    rig: ZoomRig,
) -> None:
    rig.fake.set_presence(rig.me.id, ZoomStatus.OFFLINE)

    with pytest.raises(PermanentError) as refused:
        await rig.client.set_own_status(OwnStatus(PresenceState.AWAY))

    assert str(refused.value) == NOT_SIGNED_IN
    assert "open Zoom" in NOT_SIGNED_IN
    assert rig.fake.status_updates == []


async def test_a_second_change_within_the_minute_waits_for_the_seconds_left(
    rig: ZoomRig,
) -> None:
    await rig.client.set_own_status(OwnStatus(PresenceState.AWAY))
    rig.clock.advance(20)

    with pytest.raises(RateLimitedError) as refused:
        await rig.client.set_own_status(OwnStatus(PresenceState.ONLINE))
    assert refused.value.retry_after == pytest.approx(40)
    assert rig.fake.requests == 1  # the client knew: Zoom was not asked

    rig.clock.advance(40)
    await rig.client.set_own_status(OwnStatus(PresenceState.ONLINE))
    assert [update.status for update in rig.fake.status_updates] == ["Away", "Available"]
    assert rig.fake.rate_limited == 0


async def test_zooms_own_once_a_minute_refusal_is_a_rate_limit(rig: ZoomRig) -> None:
    rig.me.last_update_at = rig.clock.now() - 15  # changed from another app 15 s ago

    with pytest.raises(RateLimitedError) as refused:
        await rig.client.set_own_status(OwnStatus(PresenceState.BUSY))

    assert refused.value.retry_after == 45
    assert rig.fake.rate_limited == 1


async def test_through_the_supervisor_every_choice_gets_a_result(rig: ZoomRig) -> None:
    rig.start()
    await rig.run_until(lambda: rig.fake.requests >= 3, what="polling")

    (dnd,) = await rig.supervisor.set_own_status(
        own_status_for(OwnStatusChoice.DND_1_HOUR, rig.clock.now())
    )
    (offline,) = await rig.supervisor.set_own_status(
        own_status_for(OwnStatusChoice.APPEAR_OFFLINE, rig.clock.now())
    )

    assert dnd.outcome is OwnStatusOutcome.SET
    assert rig.fake.status_updates[-1].duration in {59, 60}  # the poll loop moves the clock too
    assert rig.fake.presence_of(rig.me.id) is ZoomStatus.DO_NOT_DISTURB
    assert offline.outcome is OwnStatusOutcome.FAILED
    assert offline.message == f"Zoom: {CANNOT_APPEAR_OFFLINE}"
