"""My own status: the menu's choices as statuses, "until tomorrow" across DST, the tracker."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from presence_tray.core.client import OwnStatus
from presence_tray.core.own_status import (
    AVAILABLE,
    CHOICE_WORDS,
    OwnStatusChoice,
    OwnStatusTracker,
    own_status_for,
    tomorrow_morning,
)
from presence_tray.core.presence import PresenceState
from tests.core.helpers import NOW

C = OwnStatusChoice
S = PresenceState
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone: ZoneInfo, *fields: int) -> float:
    return datetime(*fields, tzinfo=zone).timestamp()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (C.AVAILABLE, OwnStatus(S.ONLINE)),
        (C.BUSY, OwnStatus(S.BUSY)),
        (C.AWAY, OwnStatus(S.AWAY)),
        (C.APPEAR_OFFLINE, OwnStatus(S.OFFLINE)),
        (C.DND, OwnStatus(S.BUSY, dnd=True)),
        (C.DND_30_MIN, OwnStatus(S.BUSY, dnd=True, until=NOW + 1800)),
        (C.DND_1_HOUR, OwnStatus(S.BUSY, dnd=True, until=NOW + 3600)),
    ],
)
def test_choices_map_to_statuses(choice: OwnStatusChoice, expected: OwnStatus):
    assert own_status_for(choice, NOW) == expected


def test_every_choice_has_words_and_a_status():
    assert set(CHOICE_WORDS) == set(C)
    for choice in C:
        own_status_for(choice, NOW, BERLIN)


def test_until_tomorrow_is_eight_next_morning_in_the_zone():
    now = at(BERLIN, 2024, 6, 10, 15, 0)
    status = own_status_for(C.DND_UNTIL_TOMORROW, now, BERLIN)
    assert status.dnd
    assert status.state is S.BUSY
    assert status.until == at(BERLIN, 2024, 6, 11, 8, 0)
    # Just before midnight and just after: "tomorrow" is the next calendar day.
    assert tomorrow_morning(at(BERLIN, 2024, 6, 10, 23, 59), BERLIN) == at(BERLIN, 2024, 6, 11, 8)
    assert tomorrow_morning(at(BERLIN, 2024, 6, 11, 0, 1), BERLIN) == at(BERLIN, 2024, 6, 12, 8)


@pytest.mark.parametrize(
    ("zone", "evening", "morning", "hours"),
    [
        # Spring forward: the night is an hour shorter.
        (BERLIN, (2024, 3, 30, 20), (2024, 3, 31, 8), 11),
        # Fall back: an hour longer.
        (BERLIN, (2024, 10, 26, 20), (2024, 10, 27, 8), 13),
        (NEW_YORK, (2024, 3, 9, 20), (2024, 3, 10, 8), 11),
        (NEW_YORK, (2024, 11, 2, 20), (2024, 11, 3, 8), 13),
    ],
)
def test_until_tomorrow_is_dst_safe(
    zone: ZoneInfo, evening: tuple[int, ...], morning: tuple[int, ...], hours: int
):
    now = at(zone, *evening)
    until = tomorrow_morning(now, zone)
    assert until == at(zone, *morning)
    assert datetime.fromtimestamp(until, zone).hour == 8
    assert until - now == hours * 3600


def test_until_tomorrow_in_the_local_zone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        now = at(BERLIN, 2024, 3, 30, 20)
        assert tomorrow_morning(now) == at(BERLIN, 2024, 3, 31, 8)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_tracker_remembers_and_expires():
    tracker = OwnStatusTracker()
    assert tracker.current(NOW) is None
    assert tracker.expires_at(NOW) is None
    seen: list[OwnStatus | None] = []
    unsubscribe = tracker.subscribe(seen.append)
    dnd = own_status_for(C.DND_30_MIN, NOW)
    tracker.record(dnd)
    assert seen == [dnd]
    assert tracker.current(NOW + 1799) == dnd
    assert tracker.expires_at(NOW) == NOW + 1800
    assert tracker.current(NOW + 1800) == AVAILABLE
    assert tracker.expires_at(NOW + 1800) is None
    assert tracker.requested == dnd
    unsubscribe()
    unsubscribe()  # twice is harmless
    tracker.record(OwnStatus(S.AWAY))
    assert seen == [dnd]
    assert tracker.current(NOW + 10**9) == OwnStatus(S.AWAY)


def test_a_broken_listener_does_not_silence_the_others(expected_warnings: list[object]):
    tracker = OwnStatusTracker()
    seen: list[OwnStatus | None] = []

    def broken(_status: OwnStatus | None) -> None:
        raise RuntimeError

    tracker.subscribe(broken)
    tracker.subscribe(seen.append)
    tracker.record(AVAILABLE)
    assert seen == [AVAILABLE]
    assert len(expected_warnings) == 1
