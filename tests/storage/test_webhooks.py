"""The webhooks table: hooks saved and read back, bad stored values survived."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.webhooks import Webhook
from presence_tray.storage.repositories import WebhooksRepository
from tests.storage.helpers import raw

if TYPE_CHECKING:
    import logging

    from presence_tray.storage.database import Database

LIGHT = Webhook(
    "h1",
    "https://home.example/api/webhook/secret-id",
    on_own_status=True,
    person_ids=frozenset({"alice", "bob"}),
    templates={"busy": '{"colour": "red", "who": "$person"}', "dnd": "red"},
    created_at=100.0,
)


def test_hooks_round_trip_oldest_first_and_update_in_place(db: Database) -> None:
    hooks = WebhooksRepository(db)
    assert hooks.list() == []
    later = Webhook("h0", "http://127.0.0.1:8123/x", person_ids=frozenset({"c"}), created_at=200)
    hooks.save(later)
    hooks.save(LIGHT)
    assert hooks.list() == [LIGHT, later]

    changed = Webhook("h1", "https://other.example/", on_own_status=True, created_at=999.0)
    hooks.save(changed)
    (first, _) = hooks.list()
    assert first.url == "https://other.example/"
    assert first.person_ids == frozenset()
    assert first.templates == {}
    assert first.created_at == 100.0  # the creation time stays


def test_removing_a_hook(db: Database) -> None:
    hooks = WebhooksRepository(db)
    hooks.save(LIGHT)
    hooks.delete("h1")
    hooks.delete("never-there")
    assert hooks.list() == []


def test_unreadable_people_and_templates_are_left_out_with_one_warning(
    db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    raw(
        db.path,
        "INSERT INTO webhooks (id, url, on_own_status, person_ids_json, templates_json,"
        " created_at) VALUES ('h', 'https://x.example/', 1, 'not json',"
        ' \'{"busy": "b", "sparkly": "s", "away": 3}\', 1)',
    )
    (hook,) = WebhooksRepository(db).list()
    assert hook.person_ids == frozenset()
    assert hook.templates == {"busy": "b"}
    assert hook.on_own_status
    assert len(expected_warnings) == 1
    assert "webhooks" in expected_warnings[0].getMessage()
