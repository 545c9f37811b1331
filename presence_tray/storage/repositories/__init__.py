"""Repositories: synchronous, one short transaction per call, core values in and out.

The app calls them from a worker thread (``asyncio.to_thread``); each call takes its own
pooled connection, so they are safe to use from several threads.
"""

from presence_tray.storage.repositories.accounts import AccountsRepository
from presence_tray.storage.repositories.dnd import DndRepository
from presence_tray.storage.repositories.notification_rules import NotificationRulesRepository
from presence_tray.storage.repositories.people import PeopleRepository
from presence_tray.storage.repositories.preferences import PreferencesRepository
from presence_tray.storage.repositories.presence import (
    HistoryRepository,
    PresenceCacheRepository,
    write_batch,
)
from presence_tray.storage.repositories.webhooks import WebhooksRepository

__all__ = [
    "AccountsRepository",
    "DndRepository",
    "HistoryRepository",
    "NotificationRulesRepository",
    "PeopleRepository",
    "PreferencesRepository",
    "PresenceCacheRepository",
    "WebhooksRepository",
    "write_batch",
]
