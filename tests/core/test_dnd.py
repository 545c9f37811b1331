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


# -- daylight saving, vanished zones, when DND ends -----------------------------------------
# Berlin 2026: clocks jump from 02:00 to 03:00 on Sunday 29 March and go back from 03:00 to
# 02:00 on Sunday 25 October. New York 2026: 02:00 → 03:00 on 8 March, 02:00 → 01:00 on
# 1 November.

NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = frozenset(range(7))
EARLY = WeeklyDndRule(EVERY_DAY, time(1), time(3), "Europe/Berlin")
HOUR = 3600.0


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("UTC")).timestamp()


def test_spring_forward_a_rule_runs_from_its_start_until_the_clock_shows_its_end() -> None:
    # 01:00 CET is 00:00 UTC; the clock jumps at 01:00 UTC straight to 03:00 CEST: the rule
    # "01:00 to 03:00" lasts one real hour that night.
    assert EARLY.period_at(utc(2026, 3, 29, 0, 30)) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 1))
    assert EARLY.covers(utc(2026, 3, 29, 0, 59))
    assert not EARLY.covers(utc(2026, 3, 29, 1))  # 03:00 CEST


def test_fall_back_a_rule_covers_the_repeated_hour_once_through() -> None:
    # 01:00 CEST (23:00 UTC) to 03:00 CET (02:00 UTC): three real hours, both 02:xx included.
    assert EARLY.period_at(utc(2026, 10, 25, 0, 30)) == (
        utc(2026, 10, 24, 23),
        utc(2026, 10, 25, 2),
    )
    assert EARLY.covers(utc(2026, 10, 25, 0, 30))  # the first 02:30
    assert EARLY.covers(utc(2026, 10, 25, 1, 30))  # the second 02:30
    assert not EARLY.covers(utc(2026, 10, 25, 2))


def test_an_ambiguous_end_is_the_first_time_the_clock_shows_it() -> None:
    # "01:00 to 02:30" on the night the clocks go back ends at the first 02:30 (CEST) and
    # does not switch on again when the clock shows 02:00-02:30 a second time.
    rule = WeeklyDndRule(EVERY_DAY, time(1), time(2, 30), "Europe/Berlin")
    assert rule.covers(utc(2026, 10, 25, 0, 15))  # 02:15 CEST
    assert not rule.covers(utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert not rule.covers(utc(2026, 10, 25, 1, 15))  # 02:15 CET, the repeat


def test_an_ambiguous_start_is_its_first_occurrence() -> None:
    rule = WeeklyDndRule(EVERY_DAY, time(2, 30), time(4), "Europe/Berlin")
    assert rule.period_at(utc(2026, 10, 25, 1)) == (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3))


def test_a_start_that_does_not_exist_begins_when_the_clocks_jump() -> None:
    # 02:30 does not happen on 29 March in Berlin: the rule starts at the jump (03:00 CEST).
    rule = WeeklyDndRule(EVERY_DAY, time(2, 30), time(4), "Europe/Berlin")
    assert not rule.covers(utc(2026, 3, 29, 0, 59))  # 01:59 CET
    assert rule.period_at(utc(2026, 3, 29, 1)) == (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))


def test_a_night_rule_across_midnight_and_a_dst_change() -> None:
    # Saturday 22:00 CET (21:00 UTC) to Sunday 07:00 CEST (05:00 UTC): eight real hours.
    saturday_night = WeeklyDndRule(frozenset({5}), time(22), time(7), "Europe/Berlin")
    assert saturday_night.period_at(utc(2026, 3, 29, 2)) == (
        utc(2026, 3, 28, 21),
        utc(2026, 3, 29, 5),
    )
    assert saturday_night.covers(utc(2026, 3, 29, 4, 59))
    assert not saturday_night.covers(utc(2026, 3, 29, 5))
    # In autumn the same night is ten real hours: 22:00 CEST (20:00 UTC) to 07:00 CET.
    assert saturday_night.period_at(utc(2026, 10, 25, 3)) == (
        utc(2026, 10, 24, 20),
        utc(2026, 10, 25, 6),
    )


def test_new_york_both_changes() -> None:
    early = WeeklyDndRule(EVERY_DAY, time(1), time(3), "America/New_York")
    # 8 March: 01:00 EST (06:00 UTC) until the jump to 03:00 EDT (07:00 UTC).
    assert early.period_at(utc(2026, 3, 8, 6, 30)) == (utc(2026, 3, 8, 6), utc(2026, 3, 8, 7))
    # 1 November: 01:00 EDT (05:00 UTC) to 03:00 EST (08:00 UTC), the repeated 01:xx inside.
    assert early.period_at(utc(2026, 11, 1, 6, 30)) == (utc(2026, 11, 1, 5), utc(2026, 11, 1, 8))
    local = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=1).timestamp()
    assert early.covers(local)


def test_a_vanished_zone_covers_nothing_and_raises_nothing() -> None:
    # A stored rule whose zone a time zone database update removed: off, never a crash.
    gone = WeeklyDndRule(EVERY_DAY, time(0), time(0), "Atlantis/Capital")
    assert gone.period_at(utc(2026, 3, 29, 1)) is None
    assert gone.problem() == (
        "'Atlantis/Capital' is not a time zone this system knows; choose one from the list."
    )
    assert DndSchedule(rules=(gone,)).ends_at(utc(2026, 3, 29, 1)) is None


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (WeeklyDndRule(frozenset(), time(9), time(17), "UTC"), "Choose at least one day"),
        (WeeklyDndRule(frozenset({7}), time(9), time(17), "UTC"), "Monday (0) to Sunday (6)"),
        (WeeklyDndRule(EVERY_DAY, time(9), time(17), ""), "Choose a time zone"),
        (WeeklyDndRule(EVERY_DAY, time(9), time(17), "../etc/passwd"), "not a time zone"),
    ],
)
def test_rule_problems_are_sentences(rule: WeeklyDndRule, problem: str) -> None:
    assert problem in (rule.problem() or "")


def test_a_vacation_that_ends_before_it_starts_is_a_problem() -> None:
    assert Vacation(10.0, 5.0).problem() == "The vacation must end after it starts."
    assert Vacation(5.0, 10.0).problem() is None


def test_ends_at_follows_back_to_back_periods() -> None:
    night = WeeklyDndRule(EVERY_DAY, time(22), time(7), "Europe/Berlin")
    morning = WeeklyDndRule(EVERY_DAY, time(7), time(9), "Europe/Berlin")
    schedule = DndSchedule(rules=(night, morning))
    assert schedule.ends_at(at(2026, 11, 26, 23)) == at(2026, 11, 27, 9)
    assert schedule.ends_at(at(2026, 11, 26, 12)) is None  # not in DND
    snoozed = DndSchedule(rules=(night,), snooze_until=at(2026, 11, 26, 22, 30))
    assert snoozed.ends_at(at(2026, 11, 26, 21)) == at(2026, 11, 27, 7)
    always = DndSchedule(rules=(WeeklyDndRule(EVERY_DAY, time(0), time(0), "UTC"),))
    assert always.ends_at(at(2026, 11, 26, 12)) is None  # never ends
