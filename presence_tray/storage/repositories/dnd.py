"""The do-not-disturb schedule: weekly rules, a snooze and a vacation."""

from __future__ import annotations

import logging
from datetime import time
from typing import TYPE_CHECKING, Final

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert

from presence_tray.core.dnd import DndSchedule, Vacation, WeeklyDndRule, zone_problem
from presence_tray.storage.repositories._common import UnknownValues
from presence_tray.storage.tables import dnd_rules, dnd_state

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.storage.database import Database

_log = logging.getLogger(__name__)

_STATE_ROW_ID: Final = 1
_ALL_WEEKDAYS: Final = 0b111_1111


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
            rule_rows = connection.execute(
                select(
                    dnd_rules.c.weekdays,
                    dnd_rules.c.start,
                    dnd_rules.c.end,
                    dnd_rules.c.timezone,
                    dnd_rules.c.enabled,
                ).order_by(dnd_rules.c.id)
            ).all()
            state = connection.execute(
                select(
                    dnd_state.c.snooze_until,
                    dnd_state.c.vacation_start,
                    dnd_state.c.vacation_end,
                    dnd_state.c.vacation_message,
                )
            ).first()
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
                WeeklyDndRule(mask_to_weekdays(weekdays), rule_start, rule_end, zone, enabled)
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
            {
                "weekdays": weekdays_to_mask(rule.weekdays),
                "start": rule.start.isoformat(),
                "end": rule.end.isoformat(),
                "timezone": rule.timezone,
                "enabled": rule.enabled,
            }
            for rule in schedule.rules
        ]
        vacation = schedule.vacation
        state = {
            "id": _STATE_ROW_ID,
            "snooze_until": schedule.snooze_until,
            "vacation_start": None if vacation is None else vacation.start,
            "vacation_end": None if vacation is None else vacation.end,
            "vacation_message": None if vacation is None else vacation.message,
        }
        upsert_state = insert(dnd_state).on_conflict_do_update(
            index_elements=[dnd_state.c.id],
            set_={name: value for name, value in state.items() if name != "id"},
        )
        with self._db.writing() as connection:
            connection.execute(delete(dnd_rules))
            if rules:
                connection.execute(insert(dnd_rules), rules)
            connection.execute(upsert_state, state)
