"""Do-not-disturb schedules: weekly rules in a time zone, one-off snoozes, vacation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class WeeklyDndRule:
    """DND on the given weekdays (0 = Monday) from ``start`` to ``end`` local time.

    An ``end`` at or before ``start`` runs past midnight into the next day.
    """

    weekdays: frozenset[int]
    start: time
    end: time
    timezone: str
    enabled: bool = True

    def covers(self, at: float) -> bool:
        """Whether this rule puts ``at`` (seconds since the epoch) in do-not-disturb."""
        if not self.enabled:
            return False
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return False  # storage validates zones; a vanished one must not crash the app
        local = datetime.fromtimestamp(at, zone)
        today = local.date()
        for day in (today, today - timedelta(days=1)):
            if day.weekday() not in self.weekdays:
                continue
            begins = datetime.combine(day, self.start, zone)
            ends = datetime.combine(day, self.end, zone)
            if ends <= begins:
                ends += timedelta(days=1)
            if begins <= local < ends:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Vacation:
    """Away from ``start`` to ``end`` (seconds since the epoch): DND all the way through."""

    start: float
    end: float
    message: str | None = None


@dataclass(frozen=True, slots=True)
class DndSchedule:
    """Everything that can put the user in do-not-disturb."""

    rules: tuple[WeeklyDndRule, ...] = ()
    snooze_until: float | None = None
    vacation: Vacation | None = None

    def active_at(self, at: float) -> bool:
        """Whether do-not-disturb is on at ``at``."""
        if self.snooze_until is not None and at < self.snooze_until:
            return True
        if self.vacation is not None and self.vacation.start <= at < self.vacation.end:
            return True
        return any(rule.covers(at) for rule in self.rules)
