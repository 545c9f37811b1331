"""Write-behind: the hub's changes reach the database in batches, off the event loop.

The hub publishes change batches on the event loop; :meth:`WriteBehind.on_changes` only
notes them in memory (latest value per identity for the cache, transitions for history,
identities not saved yet). A background task writes what has gathered every
``flush_interval`` seconds, or sooner when ``max_batch`` items wait, in one transaction in a
worker thread, so neither the UI nor the platform clients ever wait on the disk. A clean
shutdown writes everything.

When a write fails (disk full, read-only folder, a locked file) nothing is lost: the batch
goes back in front of what arrived since, the user is told once, and writing is retried
with a growing delay. History waiting for a dead disk is capped, oldest dropped first, so
memory stays bounded; the cache never grows beyond one value per identity.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import PresenceError
from presence_tray.core.history import PresenceTransition, transitions
from presence_tray.core.identity import Identity, IdentityKey
from presence_tray.core.presence import PlatformPresence, PresenceSource

if TYPE_CHECKING:
    from presence_tray.core.hub import PresenceChanged

_log = logging.getLogger(__name__)

DEFAULT_FLUSH_INTERVAL_SECONDS = 2.0
DEFAULT_MAX_BATCH = 5_000
MAX_HISTORY_BACKLOG = 200_000
"""History kept in memory while the disk refuses writes; beyond it the oldest is dropped."""
RETRY_DELAYS_SECONDS = (2.0, 5.0, 15.0, 30.0, 60.0)


@dataclass(frozen=True, slots=True)
class Batch:
    """What one write puts in the database, in one transaction."""

    identities: Sequence[Identity]
    cache: Sequence[PlatformPresence]
    history: Sequence[PresenceTransition]
    forgotten_contacts: Sequence[IdentityKey] = ()
    """Identities no account lists any more: forgotten before the rest is written."""

    def __len__(self) -> int:
        return (
            len(self.identities)
            + len(self.cache)
            + len(self.history)
            + len(self.forgotten_contacts)
        )


WriteBatch = Callable[[Batch], None]
"""Writes a batch; runs in a worker thread; raises a PresenceError kind when it cannot."""
LookupIdentity = Callable[[IdentityKey], Identity | None]
ProblemListener = Callable[[str | None], None]
"""Told a sentence for the user when writing fails, and None when it works again."""


@dataclass(frozen=True, slots=True)
class FlushReport:
    """What one flush did, for logs and the benchmark."""

    written: int
    loop_seconds: float
    """Time spent on the event loop preparing the batch (the rest runs in a thread)."""


class WriteBehind:
    """Collects hub changes and writes them to storage in batches."""

    def __init__(
        self,
        write_batch: WriteBatch,
        lookup_identity: LookupIdentity,
        *,
        history_enabled: Callable[[], bool] = lambda: True,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL_SECONDS,
        max_batch: int = DEFAULT_MAX_BATCH,
        on_problem: ProblemListener | None = None,
        removed_identities: Callable[[], int] = lambda: 0,
        is_unlisted: Callable[[IdentityKey], bool] = lambda _key: False,
    ) -> None:
        """Write through ``write_batch``; ``lookup_identity`` describes new identities.

        ``removed_identities`` counts the identities the hub has forgotten: when it grows,
        what is held of them is dropped before the next write. ``is_unlisted`` tells the
        identities the hub keeps though no account lists them: they are not saved as
        listed (saving one clears its "no longer listed" mark) until listed again.
        """
        self._write_batch = write_batch
        self._lookup_identity = lookup_identity
        self._is_unlisted = is_unlisted
        self._removed_identities = removed_identities
        self._removed_seen = 0
        self._history_enabled = history_enabled
        self._flush_interval = flush_interval
        self._max_batch = max_batch
        self._on_problem = on_problem
        self._saved_identities: set[IdentityKey] = set()
        self._identities: dict[IdentityKey, Identity] = {}
        self._cache: dict[IdentityKey, PlatformPresence] = {}
        self._history: list[PresenceTransition] = []
        self._forgotten_contacts: set[IdentityKey] = set()
        self._wake = asyncio.Event()
        self._noted = asyncio.Event()
        """Set when a change is noted: with nothing pending, :meth:`run` waits for it."""
        self._flush_lock = asyncio.Lock()
        self._failures = 0
        self._problem: str | None = None
        self._dropped_history = 0
        self.batches_written = 0
        self.transitions_written = 0

    # -- on the event loop, cheap ------------------------------------------------------------

    def on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        """Hub listener: note the changes in memory."""
        saved = self._saved_identities
        cache = self._cache
        for change in changes:
            for key in change.person.identities:
                if key not in saved and key not in self._identities and not self._is_unlisted(key):
                    identity = self._lookup_identity(key)
                    if identity is not None:
                        self._identities[key] = identity
            last_seen = change.new.last_seen_at
            for value in change.new.values:
                if value.source is PresenceSource.CACHE:
                    continue
                if value.last_active_at is None and last_seen is not None:
                    # Keep the person's "last seen" across restarts: an offline value
                    # alone would not say when they were last around.
                    value = value._replace(last_active_at=last_seen)  # noqa: PLW2901
                cache[value.identity] = value
        if self._history_enabled():
            self._history.extend(transitions(changes))
        self._noted.set()
        if self.pending() >= self._max_batch:
            self._wake.set()

    def on_forgotten_contacts(self, keys: Sequence[IdentityKey]) -> None:
        """Hub listener: these identities are no account's contacts any more; forget them
        in storage, and save them again if they are listed again."""
        self._forgotten_contacts.update(keys)
        self._saved_identities.difference_update(keys)
        self._noted.set()

    def pending(self) -> int:
        """How many items wait to be written."""
        return (
            len(self._identities)
            + len(self._cache)
            + len(self._history)
            + len(self._forgotten_contacts)
        )

    @property
    def problem(self) -> str | None:
        """The sentence for the user while writing fails, else None."""
        return self._problem

    # -- writing -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Write ``flush_interval`` seconds after a change, or when a batch is full, until
        cancelled."""
        while True:
            if not self.pending():
                # Nothing to write: sleep until the hub reports a change rather than wake
                # every interval for nothing (each wake-up costs the idle app CPU time).
                self._noted.clear()
                await self._noted.wait()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.next_delay()):
                    await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> FlushReport:
        """Write everything pending now; on failure keep it for the next try."""
        async with self._flush_lock:
            started = time.perf_counter()
            batch = self._take()
            loop_seconds = time.perf_counter() - started
            if not len(batch):
                return FlushReport(0, loop_seconds)
            try:
                await asyncio.to_thread(self._write_batch, batch)
            except PresenceError as err:
                self._put_back(batch)
                self._failed(err)
                return FlushReport(0, loop_seconds)
            self._saved_identities.update(identity.key for identity in batch.identities)
            self.batches_written += 1
            self.transitions_written += len(batch.history)
            _log.debug(
                "wrote batch %s: %s identities, %s cached values, %s transitions "
                "(%s transitions in all)",
                self.batches_written,
                len(batch.identities),
                len(batch.cache),
                len(batch.history),
                self.transitions_written,
            )
            self._recovered()
            return FlushReport(len(batch), loop_seconds)

    async def aclose(self, run_task: asyncio.Task[None] | None = None) -> None:
        """Stop the background task (if given) and write what is left."""
        if run_task is not None:
            run_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run_task
        await self.flush()
        if self.pending():
            _log.warning("%s changes could not be saved before quitting", self.pending())

    # -- internals ---------------------------------------------------------------------------

    def _drop_forgotten(self) -> None:
        """Drop what is held of identities the hub forgot (one added by hand and removed
        before it was written): written, they would come back at the next start."""
        known = self._lookup_identity
        self._identities = {
            key: identity for key, identity in self._identities.items() if known(key) is not None
        }
        self._cache = {key: value for key, value in self._cache.items() if known(key) is not None}
        self._history = [item for item in self._history if known(item.identity) is not None]

    def _take(self) -> Batch:
        removed = self._removed_identities()
        if removed != self._removed_seen:
            self._removed_seen = removed
            self._drop_forgotten()
        batch = Batch(
            list(self._identities.values()),
            list(self._cache.values()),
            self._history,
            list(self._forgotten_contacts),
        )
        self._identities = {}
        self._cache = {}
        self._history = []
        self._forgotten_contacts = set()
        return batch

    def _put_back(self, batch: Batch) -> None:
        self._forgotten_contacts.update(batch.forgotten_contacts)
        for identity in batch.identities:
            self._identities.setdefault(identity.key, identity)
        for value in batch.cache:
            self._cache.setdefault(value.identity, value)  # a newer value wins
        history = [*batch.history, *self._history]
        overflow = len(history) - MAX_HISTORY_BACKLOG
        if overflow > 0:
            self._dropped_history += overflow
            history = history[overflow:]
        self._history = history

    def next_delay(self) -> float:
        """Seconds until the next write: the interval, or a growing delay while failing."""
        if not self._failures:
            return self._flush_interval
        return RETRY_DELAYS_SECONDS[min(self._failures, len(RETRY_DELAYS_SECONDS)) - 1]

    def _failed(self, err: PresenceError) -> None:
        self._failures += 1
        if self._failures == 1:
            # Once per outage, not once per retry.
            _log.warning("saving to the database failed; will retry: %s", err)
            self._problem = (
                f"Presence Tray cannot save to its database ({err}). It keeps running and "
                "keeps what it learns in memory; it will save again as soon as it can."
            )
            if self._on_problem is not None:
                self._on_problem(self._problem)

    def _recovered(self) -> None:
        if not self._failures:
            return
        _log.info(
            "saving to the database works again after %s failed attempts%s",
            self._failures,
            f"; {self._dropped_history} old history entries were dropped"
            if self._dropped_history
            else "",
        )
        self._failures = 0
        self._dropped_history = 0
        self._problem = None
        if self._on_problem is not None:
            self._on_problem(None)
