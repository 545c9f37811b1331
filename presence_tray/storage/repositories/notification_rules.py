"""Per-person notification rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.storage.repositories._common import UnknownValues

if TYPE_CHECKING:
    import builtins

    from presence_tray.storage.database import Database

_NOTIFY_ON: Final = {on.value: on for on in NotifyOn}

_LIST_SQL: Final = """
    SELECT person_id, notify_on, once, cooldown_seconds
    FROM notification_rules ORDER BY person_id, notify_on
"""
_UPSERT_SQL: Final = """
    INSERT INTO notification_rules (person_id, notify_on, once, cooldown_seconds)
    VALUES (:person_id, :notify_on, :once, :cooldown_seconds)
    ON CONFLICT (person_id, notify_on) DO UPDATE SET
        once = excluded.once,
        cooldown_seconds = excluded.cooldown_seconds
"""
_DELETE_SQL: Final = "DELETE FROM notification_rules WHERE person_id = ? AND notify_on = ?"


class NotificationRulesRepository:
    """Reads and saves :class:`~presence_tray.core.preferences.NotificationRule` values."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def list(self) -> builtins.list[NotificationRule]:
        """Every rule, by person then kind."""
        with self._db.reading() as connection:
            rows = connection.execute(_LIST_SQL).fetchall()
        unknown = UnknownValues("notification rules")
        rules: builtins.list[NotificationRule] = []
        for person_id, on_word, once, cooldown_seconds in rows:
            on = _NOTIFY_ON.get(on_word)
            if on is None:
                unknown.note("on", on_word)
                continue
            rules.append(
                NotificationRule(person_id, on, once=bool(once), cooldown_seconds=cooldown_seconds)
            )
        unknown.report("rules skipped")
        return rules

    def save(self, rule: NotificationRule) -> None:
        """Add or replace the rule for ``(rule.person_id, rule.on)``."""
        row = {
            "person_id": rule.person_id,
            "notify_on": rule.on.value,
            "once": rule.once,
            "cooldown_seconds": rule.cooldown_seconds,
        }
        with self._db.writing() as connection:
            connection.execute(_UPSERT_SQL, row)

    def delete(self, person_id: str, on: NotifyOn) -> None:
        """Remove one rule (nothing happens if there is none)."""
        with self._db.writing() as connection:
            connection.execute(_DELETE_SQL, (person_id, on.value))
