"""Per-person notification rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert

from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.storage.repositories._common import UnknownValues
from presence_tray.storage.tables import notification_rules

if TYPE_CHECKING:
    import builtins

    from presence_tray.storage.database import Database

_NOTIFY_ON = {on.value: on for on in NotifyOn}

_UPSERT = insert(notification_rules)
_UPSERT = _UPSERT.on_conflict_do_update(
    index_elements=[notification_rules.c.person_id, notification_rules.c.notify_on],
    set_={
        "once": _UPSERT.excluded.once,
        "cooldown_seconds": _UPSERT.excluded.cooldown_seconds,
    },
)


class NotificationRulesRepository:
    """Reads and saves :class:`~presence_tray.core.preferences.NotificationRule` values."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def list(self) -> builtins.list[NotificationRule]:
        """Every rule, by person then kind."""
        query = select(
            notification_rules.c.person_id,
            notification_rules.c.notify_on,
            notification_rules.c.once,
            notification_rules.c.cooldown_seconds,
        ).order_by(notification_rules.c.person_id, notification_rules.c.notify_on)
        with self._db.reading() as connection:
            rows = connection.execute(query).all()
        unknown = UnknownValues("notification rules")
        rules: builtins.list[NotificationRule] = []
        for person_id, on_word, once, cooldown_seconds in rows:
            on = _NOTIFY_ON.get(on_word)
            if on is None:
                unknown.note("on", on_word)
                continue
            rules.append(
                NotificationRule(person_id, on, once=once, cooldown_seconds=cooldown_seconds)
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
            connection.execute(_UPSERT, row)

    def delete(self, person_id: str, on: NotifyOn) -> None:
        """Remove one rule (nothing happens if there is none)."""
        with self._db.writing() as connection:
            connection.execute(
                delete(notification_rules).where(
                    notification_rules.c.person_id == person_id,
                    notification_rules.c.notify_on == on.value,
                )
            )
