"""The do-not-disturb schedule: weekly rules, a snooze and a vacation."""

from __future__ import annotations

import logging
from datetime import time
from typing import TYPE_CHECKING, Final

from presence_tray.core.dnd import DndSchedule, Vacation, WeeklyDndRule, zone_problem
from presence_tray.storage.repositories._common import UnknownValues

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.storage.database import Database

_log = logging.getLogger(__name__)

_ALL_WEEKDAYS: Final = 0b111_1111

# "end" is an SQL keyword: quoted as a column name.
_LOAD_RULES_SQL: Final = """
    SELECT weekdays, start, "end", timezone, enabled FROM dnd_rules ORDER BY id
"""
_LOAD_STATE_SQL: Final = """
    SELECT snooze_until, vacation_start, vacation_end, vacation_message FROM dnd_state
"""
_DELETE_RULES_SQL: Final = "DELETE FROM dnd_rules"
_ADD_RULE_SQL: Final = """
    INSERT INTO dnd_rules (weekdays, start, "end", timezone, enabled) VALUES (?, ?, ?, ?, ?)
"""
# The single row (id 1) of the one-off parts.
_SAVE_STATE_SQL: Final = """
    INSERT INTO dnd_state (id, snooze_until, vacation_start, vacation_end, vacation_message)
    VALUES (1, :snooze_until, :vacation_start, :vacation_end, :vacation_message)
    ON CONFLICT (id) DO UPDATE SET
        snooze_until = excluded.snooze_until,
        vacation_start = excluded.vacation_start,
        vacation_end = excluded.vacation_end,
        vacation_message = excluded.vacation_message
"""


def weekdays_to_mask(weekdays: Iterable[int]) -> int:
    """Weekdays (0 = Monday) as a bit mask; ValueError outside 0-6."""
    mask = 0
    for day in weekdays:
        if not 0 <= day <= 6:  # noqa: PLR2004 - Sunday is 6, the last weekday
            msg = f"a weekday is 0 (Monday) to 6 (Sunday), not {day!r}"
            raise ValueError(msg)
        mask |= 1 << day
    return mask


def mask_to_weekdays(mask: int) -> frozenset[int]:
    """The weekdays of a bit mask."""
    return frozenset(day for day in range(7) if mask >> day & 1)


class DndRepository:
    """Reads and saves the :class:`~presence_tray.core.dnd.DndSchedule`."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def get(self) -> DndSchedule:
        """The saved schedule (empty when none); unreadable rules are skipped with a WARNING."""
        with self._db.reading() as connection:
            rule_rows = connection.execute(_LOAD_RULES_SQL).fetchall()
            state = connection.execute(_LOAD_STATE_SQL).fetchone()
        unknown = UnknownValues("do-not-disturb rules")
        rules: list[WeeklyDndRule] = []
        for weekdays, start, end, zone, enabled in rule_rows:
            try:
                rule_start, rule_end = time.fromisoformat(start), time.fromisoformat(end)
            except (TypeError, ValueError):
                unknown.note("time", f"{start}-{end}")
                continue
            if not isinstance(weekdays, int) or weekdays & ~_ALL_WEEKDAYS:
                unknown.note("weekdays", weekdays)
                continue
            if zone_problem(zone) is not None:
                # Kept: the rule is the user's, and a time zone database update may bring
                # the zone back. Until then it does not apply (WeeklyDndRule.covers).
                _log.warning("do-not-disturb rule uses unknown time zone %r; it is off", zone)
            rules.append(
                WeeklyDndRule(mask_to_weekdays(weekdays), rule_start, rule_end, zone, bool(enabled))
            )
        unknown.report("rules skipped")
        if state is None:
            return DndSchedule(tuple(rules))
        snooze_until, vacation_start, vacation_end, message = state
        vacation = (
            None
            if vacation_start is None or vacation_end is None
            else Vacation(vacation_start, vacation_end, message)
        )
        return DndSchedule(tuple(rules), snooze_until, vacation)

    def save(self, schedule: DndSchedule) -> None:
        """Replace the saved schedule.

        Raises ValueError, with a sentence, for a rule without days, a bad weekday, an unknown
        time zone or a vacation that ends before it starts.
        """
        problem = schedule.problem()
        if problem is not None:
            raise ValueError(problem)
        rules = [
            (
                weekdays_to_mask(rule.weekdays),
                rule.start.isoformat(),
                rule.end.isoformat(),
                rule.timezone,
                rule.enabled,
            )
            for rule in schedule.rules
        ]
        vacation = schedule.vacation
        state = {
            "snooze_until": schedule.snooze_until,
            "vacation_start": None if vacation is None else vacation.start,
            "vacation_end": None if vacation is None else vacation.end,
            "vacation_message": None if vacation is None else vacation.message,
        }
        with self._db.writing() as connection:
            connection.execute(_DELETE_RULES_SQL)
            connection.executemany(_ADD_RULE_SQL, rules)
            connection.execute(_SAVE_STATE_SQL, state)
