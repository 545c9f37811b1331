"""The app's local store as one object: the database, its repositories, the write-behind and
history retention, every call made off the event loop."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from presence_tray.storage.database import StorageError, open_database
from presence_tray.storage.export import export_data
from presence_tray.storage.repositories import (
    DndRepository,
    HistoryRepository,
    NotificationRulesRepository,
    PeopleRepository,
    PreferencesRepository,
    PresenceCacheRepository,
    WebhooksRepository,
    write_batch,
)
from presence_tray.storage.write_behind import Batch, ProblemListener, WriteBehind

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import Identity
    from presence_tray.core.preferences import Preferences
    from presence_tray.core.presence import PlatformPresence
    from presence_tray.storage.database import Database

_log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0
"""How often (real seconds) history older than the retention period is deleted."""
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class LastKnown:
    """What the app knew when it last ran: identities, their cached values, and the names the
    user gave people."""

    identities: list[Identity]
    """The contacts: identities an account listed."""
    values: list[PlatformPresence]
    given_names: dict[str, str] = field(default_factory=dict)
    unlisted: list[Identity] = field(default_factory=list)
    """Identities the user linked that no account lists any more: not contacts, but their
    person keeps them (see ``PresenceHub.add_unlisted_identities``)."""
    favourites: frozenset[str] = frozenset()
    """The person ids the user keeps in view when no account lists them (favourites)."""

    @property
    def latest_observation(self) -> float | None:
        """The most recent time any cached value was observed."""
        return max((value.observed_at for value in self.values), default=None)


@dataclass
class LocalStore:
    """The database and everything that reads or writes it."""

    db: Database
    preferences: PreferencesRepository = field(init=False)
    people: PeopleRepository = field(init=False)
    cache: PresenceCacheRepository = field(init=False)
    history: HistoryRepository = field(init=False)
    rules: NotificationRulesRepository = field(init=False)
    dnd: DndRepository = field(init=False)
    webhooks: WebhooksRepository = field(init=False)

    def __post_init__(self) -> None:
        self.preferences = PreferencesRepository(self.db)
        self.people = PeopleRepository(self.db)
        self.cache = PresenceCacheRepository(self.db)
        self.history = HistoryRepository(self.db)
        self.rules = NotificationRulesRepository(self.db)
        self.dnd = DndRepository(self.db)
        self.webhooks = WebhooksRepository(self.db)

    @classmethod
    async def open(cls, path: Path) -> LocalStore:
        """Open (creating, checking and migrating as needed) the database at ``path``.

        Raises :class:`~presence_tray.storage.database.StorageUnavailableError` with a sentence
        for the user when no database can be had at all.
        """
        return cls(await asyncio.to_thread(open_database, path))

    @property
    def notices(self) -> list[str]:
        """Sentences for the user from opening the database (a file set aside, an upgrade)."""
        return list(self.db.notices)

    async def load_preferences(self) -> Preferences:
        """The saved preferences (defaults where unset)."""
        return await asyncio.to_thread(self.preferences.get)

    async def load_last_known(self) -> LastKnown:
        """Identities and cached values, for showing last known statuses at start-up."""

        def load() -> LastKnown:
            people = self.people
            stored = people.load_by_listing()
            return LastKnown(
                stored.listed,
                self.cache.load(),
                people.given_names(),
                stored.unlisted,
                people.favourites(),
            )

        return await asyncio.to_thread(load)

    def write_behind(
        self,
        hub: PresenceHub,
        *,
        history_enabled: Callable[[], bool],
        on_problem: ProblemListener | None = None,
    ) -> WriteBehind:
        """A write-behind subscribed to ``hub``'s changes, writing to this database."""

        def write(batch: Batch) -> None:
            write_batch(
                self.db, batch.cache, batch.history, batch.identities, batch.forgotten_contacts
            )

        writer = WriteBehind(
            write,
            hub.identity,
            history_enabled=history_enabled,
            on_problem=on_problem,
            removed_identities=lambda: hub.removed_identities,
            is_unlisted=hub.is_unlisted,
        )
        hub.subscribe(writer.on_changes)
        hub.subscribe_forgotten_contacts(writer.on_forgotten_contacts)
        return writer

    async def prune_history_periodically(
        self, retention_days: Callable[[], int], clock: Clock
    ) -> None:
        """Delete history older than the retention period now and every hour, until cancelled."""
        while True:
            cutoff = clock.now() - retention_days() * SECONDS_PER_DAY
            try:
                deleted = await asyncio.to_thread(self.history.prune, cutoff)
            except StorageError as err:
                _log.warning("could not prune old history: %s", err)
            else:
                if deleted:
                    _log.info("pruned %s history entries older than the retention period", deleted)
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def export(self) -> dict[str, object]:
        """Everything the user's data holds, as JSON-ready values (never secrets)."""
        return await asyncio.to_thread(export_data, self.db)

    async def forget_person(self, person_id: str) -> None:
        """Delete what is kept about one person (history, cache, favourite, rules)."""
        await asyncio.to_thread(self.people.forget_person, person_id)

    async def aclose(self) -> None:
        """Close the database."""
        await asyncio.to_thread(self.db.close)
