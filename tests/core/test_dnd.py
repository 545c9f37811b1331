"""Do-not-disturb schedules: weekly rules across midnight and time zones, snooze, vacation."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from presence_tray.core.dnd import DndSchedule, Vacation, WeeklyDndRule

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = frozenset(range(5))


def at(
    year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo = BERLIN
) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


FOCUS = WeeklyDndRule(WEEKDAYS, time(9), time(11), "Europe/Berlin")
NIGHT = WeeklyDndRule(frozenset(range(7)), time(22), time(7), "Europe/Berlin")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 26, 9), True),  # Thursday, start is inclusive
        (at(2026, 11, 26, 10, 59), True),
        (at(2026, 11, 26, 11), False),  # end is exclusive
        (at(2026, 11, 26, 8, 59), False),
        (at(2026, 11, 28, 10), False),  # Saturday
    ],
)
def test_weekly_rule_on_weekdays(moment: float, expected: bool) -> None:
    assert FOCUS.covers(moment) is expected


def test_rule_across_midnight_counts_from_the_day_it_started() -> None:
    assert NIGHT.covers(at(2026, 11, 26, 23))
    assert NIGHT.covers(at(2026, 11, 27, 6, 59))
    assert not NIGHT.covers(at(2026, 11, 27, 7))
    friday_night_only = WeeklyDndRule(frozenset({4}), time(22), time(7), "Europe/Berlin")
    assert friday_night_only.covers(at(2026, 11, 28, 3))  # Saturday 03:00, from Friday
    assert not friday_night_only.covers(at(2026, 11, 27, 3))  # Friday 03:00, from Thursday


def test_rule_follows_its_own_time_zone() -> None:
    tokyo_focus = WeeklyDndRule(WEEKDAYS, time(9), time(11), "Asia/Tokyo")
    assert tokyo_focus.covers(at(2026, 11, 26, 10, zone=ZoneInfo("Asia/Tokyo")))
    assert not tokyo_focus.covers(at(2026, 11, 26, 10))  # 10:00 Berlin is 18:00 Tokyo


def test_disabled_rule_and_unknown_zone_cover_nothing() -> None:
    assert not WeeklyDndRule(WEEKDAYS, time(9), time(11), "Europe/Berlin", enabled=False).covers(
        at(2026, 11, 26, 10)
    )
    assert not WeeklyDndRule(WEEKDAYS, time(9), time(11), "Mars/Olympus_Mons").covers(
        at(2026, 11, 26, 10)
    )


def test_schedule_combines_snooze_vacation_and_rules() -> None:
    now = at(2026, 11, 26, 15)
    assert not DndSchedule().active_at(now)
    assert DndSchedule(snooze_until=now + 60).active_at(now)
    assert not DndSchedule(snooze_until=now).active_at(now)
    vacation = Vacation(at(2026, 12, 20, 0), at(2027, 1, 5, 0), "Back in January")
    assert DndSchedule(vacation=vacation).active_at(at(2026, 12, 24, 12))
    assert not DndSchedule(vacation=vacation).active_at(now)
    assert DndSchedule(rules=(FOCUS, NIGHT)).active_at(at(2026, 11, 26, 23, 30))
    assert not DndSchedule(rules=(FOCUS, NIGHT)).active_at(now)
