"""Do-not-disturb schedules: weekly rules in a time zone, one-off snoozes, vacation.

Rule times are wall-clock times in the rule's zone, turned into instants day by day, so a
daylight-saving change is handled the way a person reads a clock:

* a start or end that does not exist that day (the clocks jump over it) is the moment the
  clocks jump: 02:30 on a spring-forward night from 02:00 to 03:00 is 03:00;
* a start or end that happens twice (the clocks go back over it) is the first time the clock
  shows it, so a rule is one unbroken stretch and never switches on again in the repeated
  hour;
* a rule whose end is at or before its start runs into the next day ("22:00 to 07:00").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUNDAY: Final = 6
"""Weekdays are numbered as :meth:`datetime.date.weekday` does: Monday 0 to Sunday 6."""
MAX_CHAINED_PERIODS: Final = 64
"""How many back-to-back periods :meth:`DndSchedule.ends_at` follows before it stops looking
(a rule set covering every hour of the week never ends)."""


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable time zone, as a sentence; None when it is one."""
    if not name.strip():
        return "Choose a time zone."
    if _zone(name) is None:
        return f"{name!r} is not a time zone this system knows; choose one from the list."
    return None


def local_instant(day: date, wall: time, zone: tzinfo) -> float:
    """When the clock in ``zone`` first shows ``wall`` on ``day`` (seconds since the epoch).

    A time skipped by a daylight-saving jump becomes the moment of the jump; a time that
    happens twice is its first occurrence.
    """
    first = datetime.combine(day, wall, zone)
    second = first.replace(fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before == after or before is None or after is None or before > after:
        return first.timestamp()  # an ordinary time, or the first of a repeated one
    # Skipped: fold=0 reads it with the old offset (later instant), fold=1 with the new one
    # (earlier instant); the jump lies between. Find it to the second.
    early, late = second.timestamp(), first.timestamp()
    while late - early > 1:
        middle = (early + late) / 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            early = middle
        else:
            late = middle
    return float(int(late))


@dataclass(frozen=True, slots=True)
class WeeklyDndRule:
    """DND on the given weekdays (0 = Monday) from ``start`` to ``end`` local time.

    An ``end`` at or before ``start`` runs past midnight into the next day (the weekday is
    the day it starts on).
    """

    weekdays: frozenset[int]
    start: time
    end: time
    timezone: str
    enabled: bool = True

    @property
    def crosses_midnight(self) -> bool:
        """Whether the rule ends on the day after it starts."""
        return self.end <= self.start

    def period_at(self, at: float) -> tuple[float, float] | None:
        """The (start, end) instants of this rule's period around ``at``, if it covers it."""
        if not self.enabled:
            return None
        zone = _zone(self.timezone)
        if zone is None:
            return None  # storage validates zones; a vanished one must not crash the app
        today = datetime.fromtimestamp(at, zone).date()
        for day in (today, today - timedelta(days=1)):
            if day.weekday() not in self.weekdays:
                continue
            begins = local_instant(day, self.start, zone)
            end_day = day + timedelta(days=1) if self.crosses_midnight else day
            ends = local_instant(end_day, self.end, zone)
            if begins <= at < ends:
                return begins, ends
        return None

    def covers(self, at: float) -> bool:
        """Whether this rule puts ``at`` (seconds since the epoch) in do-not-disturb."""
        return self.period_at(at) is not None

    def problem(self) -> str | None:
        """Why this rule cannot be saved, as a sentence; None when it can."""
        if not self.weekdays:
            return "Choose at least one day for this rule."
        if any(not 0 <= day <= SUNDAY for day in self.weekdays):
            return "A day is Monday (0) to Sunday (6)."
        return zone_problem(self.timezone)


@dataclass(frozen=True, slots=True)
class Vacation:
    """Away from ``start`` to ``end`` (seconds since the epoch): DND all the way through."""

    start: float
    end: float
    message: str | None = None

    def problem(self) -> str | None:
        """Why this vacation cannot be saved, as a sentence; None when it can."""
        if self.end <= self.start:
            return "The vacation must end after it starts."
        return None


@dataclass(frozen=True, slots=True)
class DndSchedule:
    """Everything that can put the user in do-not-disturb."""

    rules: tuple[WeeklyDndRule, ...] = ()
    snooze_until: float | None = None
    vacation: Vacation | None = None

    def active_at(self, at: float) -> bool:
        """Whether do-not-disturb is on at ``at``."""
        return bool(self._periods_at(at))

    def problem(self) -> str | None:
        """The first reason this schedule cannot be saved (a rule without days or with an
        unknown time zone, a vacation ending before it starts), or None."""
        for rule in self.rules:
            if (problem := rule.problem()) is not None:
                return problem
        return None if self.vacation is None else self.vacation.problem()

    def ends_at(self, at: float) -> float | None:
        """When do-not-disturb that is on at ``at`` ends, following back-to-back periods
        (a snooze running into a rule); None when it is off at ``at`` or never ends."""
        moment = at
        for _ in range(MAX_CHAINED_PERIODS):
            ends = self._periods_at(moment)
            if not ends:
                return None if moment == at else moment
            moment = max(ends)
        return None

    def _periods_at(self, at: float) -> list[float]:
        """The end of every period that covers ``at``."""
        ends: list[float] = []
        if self.snooze_until is not None and at < self.snooze_until:
            ends.append(self.snooze_until)
        vacation = self.vacation
        if vacation is not None and vacation.start <= at < vacation.end:
            ends.append(vacation.end)
        for rule in self.rules:
            period = rule.period_at(at)
            if period is not None:
                ends.append(period[1])
        return ends
