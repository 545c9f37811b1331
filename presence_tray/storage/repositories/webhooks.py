"""The user's outgoing webhooks (their signing secrets are in the keyring, not here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from presence_tray.core.webhooks import STATUS_WORDS, Webhook
from presence_tray.storage.repositories._common import UnknownValues, dumps, loads

if TYPE_CHECKING:
    import builtins

    from presence_tray.storage.database import Database

_LIST_SQL: Final = """
    SELECT id, url, on_own_status, person_ids_json, templates_json, created_at
    FROM webhooks ORDER BY created_at, id
"""
_UPSERT_SQL: Final = """
    INSERT INTO webhooks (id, url, on_own_status, person_ids_json, templates_json, created_at)
    VALUES (:id, :url, :on_own_status, :person_ids_json, :templates_json, :created_at)
    ON CONFLICT (id) DO UPDATE SET
        url = excluded.url,
        on_own_status = excluded.on_own_status,
        person_ids_json = excluded.person_ids_json,
        templates_json = excluded.templates_json
"""
_DELETE_SQL: Final = "DELETE FROM webhooks WHERE id = ?"


class WebhooksRepository:
    """Reads and saves :class:`~presence_tray.core.webhooks.Webhook` values."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def list(self) -> builtins.list[Webhook]:
        """Every hook, oldest first. Unreadable people or templates are left out (logged)."""
        with self._db.reading() as connection:
            rows = connection.execute(_LIST_SQL).fetchall()
        unknown = UnknownValues("webhooks")
        hooks = [_hook(row, unknown) for row in rows]
        unknown.report("left out of their hooks")
        return hooks

    def save(self, hook: Webhook) -> None:
        """Add ``hook``, or replace the one with its id (its creation time is kept)."""
        row = {
            "id": hook.hook_id,
            "url": hook.url,
            "on_own_status": hook.on_own_status,
            "person_ids_json": dumps(sorted(hook.person_ids)),
            "templates_json": dumps(dict(hook.templates)),
            "created_at": hook.created_at,
        }
        with self._db.writing() as connection:
            connection.execute(_UPSERT_SQL, row)

    def delete(self, hook_id: str) -> None:
        """Remove one hook (nothing happens if there is none)."""
        with self._db.writing() as connection:
            connection.execute(_DELETE_SQL, (hook_id,))


def _hook(row: tuple[str, str, int, str, str, float], unknown: UnknownValues) -> Webhook:
    hook_id, url, on_own_status, person_ids_json, templates_json, created_at = row
    person_ids = loads(person_ids_json)
    if not isinstance(person_ids, list) or not all(isinstance(p, str) for p in person_ids):
        unknown.note("person_ids", person_ids_json)
        person_ids = []
    templates = loads(templates_json)
    if not isinstance(templates, dict):
        unknown.note("templates", templates_json)
        templates = {}
    kept: dict[str, str] = {}
    for word, template in templates.items():
        if word in STATUS_WORDS and isinstance(template, str):
            kept[word] = template
        else:
            unknown.note("template", word)
    return Webhook(
        hook_id,
        url,
        on_own_status=bool(on_own_status),
        person_ids=frozenset(person_ids),
        templates=kept,
        created_at=created_at,
    )
