"""The export: everything about people and settings as JSON, and never a secret."""

from __future__ import annotations

import json
import re
from datetime import time
from typing import TYPE_CHECKING

from presence_tray.core.dnd import DndSchedule, Vacation, WeeklyDndRule
from presence_tray.core.identity import AccountRef, Identity, Platform
from presence_tray.core.preferences import Account, NotificationRule, NotifyOn, Preferences
from presence_tray.core.presence import Activity, ActivityKind, PresenceState
from presence_tray.core.webhooks import Webhook
from presence_tray.storage.export import EXPORT_FORMAT, SECRET_NOT_EXPORTED, export_data
from presence_tray.storage.repositories import (
    AccountsRepository,
    DndRepository,
    HistoryRepository,
    NotificationRulesRepository,
    PeopleRepository,
    PreferencesRepository,
    PresenceCacheRepository,
    WebhooksRepository,
)
from tests.storage.helpers import NOW, identity, key, raw, transition, value

if TYPE_CHECKING:
    import logging
    from collections.abc import Iterator

    from presence_tray.storage.database import Database

SECRET_LOOKING = re.compile(r"token|secret|password", re.IGNORECASE)


def all_items(data: object) -> Iterator[tuple[str, object]]:
    """Every (key, value) of nested dicts and lists."""
    if isinstance(data, dict):
        for name, item in data.items():
            yield name, item
            yield from all_items(item)
    elif isinstance(data, list):
        for item in data:
            yield from all_items(item)


def secret_looking(data: object) -> list[tuple[str, object]]:
    """Keys named like a secret, but for a webhook's note saying its secret is not here."""
    return [
        (name, item)
        for name, item in all_items(data)
        if SECRET_LOOKING.search(name) and (name, item) != ("secret", SECRET_NOT_EXPORTED)
    ]


def fill(db: Database) -> None:
    people = PeopleRepository(db)
    people.save_identities([identity(key("U1"), "Alice Chen", "alice"), Identity(key("U2"), "Bob")])
    people.set_favourite("alice", favourite=True)
    people.never_link(key("U2"), key("U1"))
    PreferencesRepository(db).save(Preferences(history_retention_days=14))
    DndRepository(db).save(
        DndSchedule(
            (WeeklyDndRule(frozenset({0, 4}), time(18), time(8), "Europe/Paris"),),
            vacation=Vacation(NOW, NOW + 86_400, "Away"),
        )
    )
    NotificationRulesRepository(db).save(NotificationRule("alice", NotifyOn.AVAILABLE))
    AccountsRepository(db).save(
        Account(AccountRef(Platform.SLACK, "work"), "Work", settings={"team": "T1"})
    )
    PresenceCacheRepository(db).upsert_many(
        [
            value(
                key("U1"),
                PresenceState.BUSY,
                activity=Activity(ActivityKind.IN_A_CALL, until=NOW + 60),
            )
        ]
    )
    HistoryRepository(db).append_many(
        [transition(key("U1"), at=NOW), transition(key("U2"), at=NOW + 1)]
    )
    WebhooksRepository(db).save(
        Webhook(
            "h1",
            "https://lights.example/hook",
            on_own_status=True,
            person_ids=frozenset({"alice"}),
            templates={"online": '{"colour": "green"}'},
            created_at=NOW,
        )
    )


def test_export_holds_everything_and_is_json(db: Database) -> None:
    fill(db)
    exported = export_data(db, now=lambda: NOW)
    data = json.loads(json.dumps(exported))  # serialisable as it is
    assert data == exported
    assert data["format"] == EXPORT_FORMAT
    assert data["exported_at"] == "2023-11-14T22:13:20.000Z"
    assert data["exported_at_epoch"] == NOW
    people = {p["person_id"]: p for p in data["people"]}
    assert people["alice"]["favourite"] is True
    assert people["alice"]["identities"] == [
        {"platform": "slack", "account_id": "work", "remote_id": "U1"}
    ]
    assert len(data["identities"]) == 2
    assert data["preferences"]["history_retention_days"] == 14
    assert data["do_not_disturb"]["weekly_rules"][0]["weekdays"] == [0, 4]
    assert data["do_not_disturb"]["vacation"]["message"] == "Away"
    assert data["notification_rules"] == [
        {"person_id": "alice", "on": "available", "once": False, "cooldown_seconds": 300.0}
    ]
    assert data["accounts"][0]["settings"] == {"team": "T1"}
    assert data["last_known_presence"][0]["activity"]["kind"] == "in_a_call"
    history = data["history"]
    assert [(h["remote_id"], h["at"], h["at_epoch"]) for h in history] == [
        ("U1", "2023-11-14T22:13:20.000Z", NOW),
        ("U2", "2023-11-14T22:13:21.000Z", NOW + 1),
    ]
    assert len(data["never_link"]) == 1
    assert data["webhooks"] == [
        {
            "id": "h1",
            "url": "https://lights.example/hook",
            "on_own_status": True,
            "person_ids": ["alice"],
            "templates": {"online": '{"colour": "green"}'},
            "created_at": "2023-11-14T22:13:20.000Z",
            "created_at_epoch": NOW,
            "secret": SECRET_NOT_EXPORTED,
        }
    ]


def test_export_has_no_secret_looking_keys(
    db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    fill(db)
    # A setting that should never have been stored (an older version's bug, a hand edit).
    raw(db.path, """UPDATE accounts SET settings_json = '{"team":"T1","access_token":"xoxp-1"}'""")
    data = export_data(db)
    assert secret_looking(data) == []
    assert "xoxp-1" not in json.dumps(data)
    # The dropped setting is reported by name, never by value.
    assert [r.getMessage() for r in expected_warnings if "xoxp" in r.getMessage()] == []
    assert any("access_token" in r.getMessage() for r in expected_warnings)


def test_an_empty_database_exports_too(db: Database) -> None:
    data = export_data(db)
    assert json.loads(json.dumps(data))["people"] == []
    assert data["webhooks"] == []
    assert data["do_not_disturb"] == {
        "weekly_rules": [],
        "snooze_until": None,
        "snooze_until_epoch": None,
        "vacation": None,
    }
