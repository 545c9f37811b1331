"""Everything that runs, whatever the front end: storage, the hub with the last known
statuses, the supervisor and the clients, and their lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from presence_tray import cli
from presence_tray.account_clients import reads_with
from presence_tray.accounts.methods import OAUTH
from presence_tray.core.clock import Clock, ScaledClock, SystemClock
from presence_tray.core.hub import PresenceHub, refresh_staleness_periodically
from presence_tray.core.identity import Platform
from presence_tray.core.preferences import Preferences
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.simulated.network import build_simulated_network
from presence_tray.storage.paths import database_path, resolve_data_dir
from presence_tray.storage.probe import saved_account_kinds

if TYPE_CHECKING:
    import argparse
    from collections.abc import Coroutine, Iterator, Sequence

    from presence_tray.core.client import PlatformClient
    from presence_tray.storage.local_store import LastKnown, LocalStore
    from presence_tray.storage.write_behind import WriteBehind

_log = logging.getLogger(__name__)

FLUSH_WINDOW_SECONDS = 0.05
"""Updates arriving within this window reach the UI as one batch."""
STALENESS_CHECK_SECONDS = 1.0
"""The staleness check runs when the earliest value ages out, at most this often (real s)."""


@dataclass
class Runtime:
    """Everything that runs, whatever the front end."""

    clock: Clock
    hub: PresenceHub
    supervisor: ClientSupervisor
    clients: Sequence[PlatformClient]
    """The simulated network's clients (none when the run shows connected accounts, whose
    clients the accounts wiring starts)."""
    simulated: bool
    """Whether this run shows the simulated network (its own database and faster clock)
    rather than the user's connected accounts."""
    preferences: Preferences
    store: LocalStore | None
    notices: list[str]
    """Sentences for the user from start-up (a damaged database set aside, no storage)."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _writer: WriteBehind | None = None

    def start(self, *, persist: bool = True) -> None:
        """Start every client, the staleness check and (if ``persist``) saving to disk."""
        if persist and self.store is not None:
            # Read through self: the settings dialog replaces the preferences while it runs.
            self._writer = self.store.write_behind(
                self.hub, history_enabled=lambda: self.preferences.history_enabled
            )
            self.spawn(self._writer.run(), "write-behind")
            self.spawn(
                self.store.prune_history_periodically(
                    lambda: self.preferences.history_retention_days, self.clock
                ),
                "history retention",
            )
        if self.preferences.simulated_network or not self.simulated:
            for client in self.clients:
                self.supervisor.start(client)
        else:
            _log.info("the simulated network is switched off in the settings")
        self.spawn(
            refresh_staleness_periodically(self.hub, STALENESS_CHECK_SECONDS), "staleness check"
        )

    def spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``coroutine`` as a background task, cancelled by :meth:`aclose`."""
        self._tasks.append(asyncio.create_task(coroutine, name=name))

    async def aclose(self) -> None:
        """Stop the clients and the background tasks; save what is pending; close storage."""
        await self.supervisor.aclose()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self.hub.flush()
        if self._writer is not None:
            await self._writer.aclose()
        if self.store is not None:
            await self.store.aclose()


@contextlib.contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """No collection during a bulk load: it builds tens of thousands of long-lived objects,
    and collecting halfway through would walk them all for nothing (about 50 ms at start-up
    with 10,000 people)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def show_last_known(hub: PresenceHub, last_known: LastKnown) -> None:
    """Put the last known identities and values in the hub, before any client connects.

    Identities no account listed any more are shown as the hub showed them before the
    restart: a favourite left with only those says its accounts no longer list them, and
    anyone else's are set aside until listed again.
    """
    with paused_garbage_collection():
        hub.add_identities(last_known.identities)
        hub.name_people(last_known.given_names)
        for value in last_known.values:
            hub.ingest(value)
        # After the values: a cached one must not replace "no longer listed".
        hub.add_unlisted_identities(last_known.unlisted, keep=last_known.favourites.__contains__)
        hub.flush()


def shows_simulated_network(options: argparse.Namespace) -> bool:
    """Whether this run shows the simulated network: when no saved account is read
    (``account_clients.reads_with``: by a client, or by a receiver on the local API such as
    the WhatsApp webhook), or when asked (``--simulated``). Decided before anything loads,
    from one read-only query."""
    if options.simulated:
        return True
    data_dir = resolve_data_dir(options.data_dir, os.environ)
    platforms = {platform.value: platform for platform in Platform}
    return not any(
        reads_with(platforms[name], method or OAUTH)
        for name, method in saved_account_kinds(database_path(data_dir))
        if name in platforms
    )


async def open_store(
    options: argparse.Namespace, notices: list[str], *, simulated: bool = True
) -> LocalStore | None:
    """The local database (the simulated network's, or the accounts' one), or None (with a
    notice) when none can be had: the app then runs on what it learns, in memory."""
    # Imported here, not at the top: SQLAlchemy and Alembic take about 0.25 s to import, and
    # the GUI shows its tray icon before it needs them.
    from presence_tray.storage.database import StorageUnavailableError
    from presence_tray.storage.local_store import LocalStore

    data_dir = resolve_data_dir(options.data_dir, os.environ)
    try:
        store = await LocalStore.open(database_path(data_dir, simulated=simulated))
    except StorageUnavailableError as err:
        _log.warning("running without a database: %s", err)
        notices.append(f"{err} Presence Tray runs without saving anything until then.")
        return None
    notices.extend(store.notices)
    return store


def new_runtime(options: argparse.Namespace, *, simulated: bool = True) -> Runtime:
    """The hub, the supervisor and (``simulated``) the simulated network's clients, with
    nothing loaded yet (call in the loop). With connected accounts instead, the clock is the
    real one and the accounts wiring starts their clients."""
    loop = asyncio.get_running_loop()
    # The simulated network lives in its own time, which runs faster than real time so a day
    # of changes plays out in minutes.
    clock: Clock = ScaledClock(options.speed, start=options.start) if simulated else SystemClock()
    hub = PresenceHub(
        clock,
        policy=cli.policy_from_option(options.policy) or Preferences().aggregation_policy,
        schedule_flush=lambda flush: loop.call_later(FLUSH_WINDOW_SECONDS, flush),
    )
    supervisor = ClientSupervisor(hub, clock)
    clients = (
        build_simulated_network(seed=options.seed, size=options.people, clock=clock)
        if simulated
        else []
    )
    return Runtime(
        clock,
        hub,
        supervisor,
        clients,
        simulated=simulated,
        preferences=Preferences(),
        store=None,
        notices=[],
    )


async def load_saved(runtime: Runtime, options: argparse.Namespace) -> None:
    """Open storage and show the last known statuses, before any client connects.

    People show their last known status (marked with its age) at once, and the app stays
    useful without a network. The simulated clock resumes from where the last run left it,
    so cached values are never "in the future".
    """
    store = await open_store(options, runtime.notices, simulated=runtime.simulated)
    if store is None:
        return
    runtime.store = store
    runtime.preferences = await store.load_preferences()
    if options.policy is None:
        runtime.hub.set_policy(runtime.preferences.aggregation_policy)
    with paused_garbage_collection():
        last_known = await store.load_last_known()
    latest = last_known.latest_observation
    if latest is not None and isinstance(runtime.clock, ScaledClock):
        runtime.clock.resume_from(latest)
    show_last_known(runtime.hub, last_known)


async def build_runtime(options: argparse.Namespace) -> Runtime:
    """A runtime with the saved data loaded: :func:`new_runtime` then :func:`load_saved`."""
    runtime = new_runtime(options, simulated=shows_simulated_network(options))
    await load_saved(runtime, options)
    return runtime


GC_YOUNG_GENERATION_THRESHOLD = 10_000
"""Allocations between young-generation collections (CPython's default is 700)."""


def tune_garbage_collection() -> None:
    """Collect the young generation less often.

    Every presence update allocates a few short-lived tuples; with the default threshold the
    collector runs every few hundred updates and walks ever larger older generations, which
    costs about a third of the hub's throughput (see bench/hub.py). The older generations
    keep their default thresholds.
    """
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_GENERATION_THRESHOLD, older, oldest)
