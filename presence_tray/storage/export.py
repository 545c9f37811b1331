"""Everything the database keeps about people and settings, as JSON-ready data.

Secrets are not in the database, so they cannot be in an export; account settings named
like a secret are left out all the same. Each webhook is exported with its URL, what fires it
and its templates; its signing secret stays in the keyring (``"secret"`` says so), and is made
anew when the hook is added again.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

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
from presence_tray.storage.repositories.accounts import public_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.identity import IdentityKey
    from presence_tray.storage.database import Database

EXPORT_FORMAT: Final = 1
"""Raise when the shape of the export changes (a new section added is not a change)."""
SECRET_NOT_EXPORTED: Final = "kept in the keyring, not exported"  # noqa: S105 - a note, not a secret
"""What a webhook's ``secret`` says in the export."""

JsonObject = dict[str, object]


def export_data(db: Database, *, now: Callable[[], float] = time.time) -> JsonObject:
    """People, identities, settings, rules, accounts, webhooks and history as a
    JSON-serialisable dict.

    Times appear twice: ``<name>`` in ISO 8601 UTC for people, ``<name>_epoch`` in seconds
    since the epoch for programs.
    """
    people = PeopleRepository(db)
    favourites = people.favourites()
    preferences = PreferencesRepository(db).get()
    schedule = DndRepository(db).get()
    return {
        "format": EXPORT_FORMAT,
        **_time("exported_at", now()),
        "people": [
            {
                "person_id": person.person_id,
                "display_name": person.display_name,
                "favourite": person.person_id in favourites,
                "identities": [_key(key) for key in person.identities],
            }
            for person in people.load_people()
        ],
        "identities": [
            {
                **_key(identity.key),
                "display_name": identity.display_name,
                "handles": list(identity.handles),
                "chat_url": identity.chat_url,
                "person_id": identity.person_id,
            }
            for identity in people.load_identities()
        ],
        "never_link": [sorted(map(_key, pair), key=_sort_key) for pair in people.never_links()],
        "preferences": {
            "aggregation_policy": preferences.aggregation_policy.value,
            "history_enabled": preferences.history_enabled,
            "history_retention_days": preferences.history_retention_days,
        },
        "do_not_disturb": {
            "weekly_rules": [
                {
                    "weekdays": sorted(rule.weekdays),
                    "start": rule.start.isoformat(),
                    "end": rule.end.isoformat(),
                    "timezone": rule.timezone,
                    "enabled": rule.enabled,
                }
                for rule in schedule.rules
            ],
            **_time("snooze_until", schedule.snooze_until),
            "vacation": None
            if schedule.vacation is None
            else {
                **_time("start", schedule.vacation.start),
                **_time("end", schedule.vacation.end),
                "message": schedule.vacation.message,
            },
        },
        "notification_rules": [
            {
                "person_id": rule.person_id,
                "on": rule.on.value,
                "once": rule.once,
                "cooldown_seconds": rule.cooldown_seconds,
            }
            for rule in NotificationRulesRepository(db).list()
        ],
        "accounts": [
            {
                "platform": account.ref.platform.value,
                "account_id": account.ref.account_id,
                "label": account.label,
                "enabled": account.enabled,
                "settings": public_settings(dict(account.settings)),
            }
            for account in AccountsRepository(db).list()
        ],
        "webhooks": [
            {
                "id": hook.hook_id,
                "url": hook.url,
                "on_own_status": hook.on_own_status,
                "person_ids": sorted(hook.person_ids),
                "templates": dict(hook.templates),
                **_time("created_at", hook.created_at),
                "secret": SECRET_NOT_EXPORTED,
            }
            for hook in WebhooksRepository(db).list()
        ],
        "last_known_presence": [
            {
                **_key(value.identity),
                "state": value.state.value,
                "dnd": value.dnd,
                "activity": None
                if value.activity is None
                else {
                    "kind": value.activity.kind.value,
                    "text": value.activity.text,
                    "emoji": value.activity.emoji,
                    **_time("until", value.activity.until),
                },
                "note": value.note,
                **_time("observed_at", value.observed_at),
                **_time("last_active_at", value.last_active_at),
            }
            for value in PresenceCacheRepository(db).load()
        ],
        "history": [
            {
                **_key(transition.identity),
                "state": transition.state.value,
                "dnd": transition.dnd,
                "activity": None if transition.activity is None else transition.activity.value,
                **_time("at", transition.at),
            }
            for transition in HistoryRepository(db).load_all()
        ],
    }


def _key(key: IdentityKey) -> dict[str, str]:
    return {
        "platform": key.platform.value,
        "account_id": key.account_id,
        "remote_id": key.remote_id,
    }


def _sort_key(key: dict[str, str]) -> tuple[str, ...]:
    return tuple(key.values())


def _time(name: str, epoch: float | None) -> JsonObject:
    if epoch is None:
        return {name: None, f"{name}_epoch": None}
    moment = datetime.fromtimestamp(epoch, UTC)
    return {
        name: moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        f"{name}_epoch": epoch,
    }
