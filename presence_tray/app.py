"""The composition root: builds every object, wires them, and runs the GUI or a command.

No presence logic lives here; everything is passed in through constructors.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from presence_tray import cli
from presence_tray.core.clock import Clock, ScaledClock, SystemClock
from presence_tray.core.dnd import DndSchedule
from presence_tray.core.hub import PresenceHub, refresh_staleness_periodically
from presence_tray.core.notifier import Notifier, tick_periodically
from presence_tray.core.preferences import NotificationRule, Preferences
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.simulated.network import build_simulated_network
from presence_tray.platforms.simulated.population import build_population
from presence_tray.preflight import check_gui_environment
from presence_tray.storage.database import StorageError, StorageUnavailableError
from presence_tray.storage.local_store import LastKnown, LocalStore
from presence_tray.storage.paths import database_path, resolve_data_dir
from presence_tray.storage.repositories import DndRepository, NotificationRulesRepository
from presence_tray.storage.secrets import check_backend, describe_backend

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Coroutine, Iterator, Sequence

    from PySide6.QtWidgets import QApplication

    from presence_tray.core.client import PlatformClient
    from presence_tray.core.identity import Person
    from presence_tray.core.own_status import OwnStatusTracker
    from presence_tray.storage.write_behind import WriteBehind
    from presence_tray.ui.notifications import DesktopNotifier
    from presence_tray.ui.shell import TrayShell

_log = logging.getLogger(__name__)

FLUSH_WINDOW_SECONDS = 0.05
"""Updates arriving within this window reach the UI as one batch."""
STALENESS_CHECK_SECONDS = 1.0
COMMAND_SETTLE_TIMEOUT_SECONDS = 5.0
NOTIFICATION_QUIET_SECONDS = 30.0
"""At most this long (real seconds) after start-up, accounts still connecting, nothing is sent."""
NOTIFICATION_TICK_SECONDS = 1.0
"""How often (real seconds) the notifier checks whether do-not-disturb has ended."""
EXIT_NO_DESKTOP = 3
X11_INSTANCE_NAME = "presence-tray"
"""argv[0] for Qt, which makes it the instance part of WM_CLASS on X11 however the app was
started (``presence-tray``, ``python -m presence_tray``): desktops and tests find it by it."""


@dataclass
class Runtime:
    """Everything that runs, whatever the front end."""

    clock: Clock
    hub: PresenceHub
    supervisor: ClientSupervisor
    clients: Sequence[PlatformClient]
    simulated: bool
    preferences: Preferences
    store: LocalStore | None
    notices: list[str]
    """Sentences for the user from start-up (a damaged database set aside, no storage)."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _writer: WriteBehind | None = None

    def start(self, *, persist: bool = True) -> None:
        """Start every client, the staleness check and (if ``persist``) saving to disk."""
        if persist and self.store is not None:
            preferences = self.preferences
            self._writer = self.store.write_behind(
                self.hub, history_enabled=lambda: preferences.history_enabled
            )
            self.spawn(self._writer.run(), "write-behind")
            self.spawn(
                self.store.prune_history_periodically(
                    lambda: preferences.history_retention_days, self.clock
                ),
                "history retention",
            )
        for client in self.clients:
            self.supervisor.start(client)
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
    """Put the last known identities and values in the hub, before any client connects."""
    with paused_garbage_collection():
        hub.add_identities(last_known.identities)
        for value in last_known.values:
            hub.ingest(value)
        hub.flush()


async def open_store(options: argparse.Namespace, notices: list[str]) -> LocalStore | None:
    """The local database, or None (with a notice) when none can be had: the app then runs
    on what it learns, in memory."""
    data_dir = resolve_data_dir(options.data_dir, os.environ)
    try:
        store = await LocalStore.open(database_path(data_dir, simulated=True))
    except StorageUnavailableError as err:
        _log.warning("running without a database: %s", err)
        notices.append(f"{err} Presence Tray runs without saving anything until then.")
        return None
    notices.extend(store.notices)
    return store


async def build_runtime(options: argparse.Namespace) -> Runtime:
    """Build storage, the hub with the last known statuses, the supervisor and the clients.

    The cache is loaded before any client connects, so people show their last known status
    (marked with its age) at once, and the app stays useful without a network.
    """
    loop = asyncio.get_running_loop()
    notices: list[str] = []
    store = await open_store(options, notices)
    preferences = Preferences()
    last_known = LastKnown([], [])
    if store is not None:
        preferences = await store.load_preferences()
        with paused_garbage_collection():
            last_known = await store.load_last_known()
    # With no account connected the whole app lives in the simulated network's time, which
    # runs faster than real time so a day of changes plays out in minutes. It resumes from
    # where the last run left it, so cached values are never "in the future".
    resume_at = max(time.time(), last_known.latest_observation or 0.0)
    clock = ScaledClock(options.speed, start=resume_at)
    hub = PresenceHub(
        clock,
        policy=cli.policy_from_option(options.policy) or preferences.aggregation_policy,
        schedule_flush=lambda flush: loop.call_later(FLUSH_WINDOW_SECONDS, flush),
    )
    show_last_known(hub, last_known)
    supervisor = ClientSupervisor(hub, clock)
    clients = build_simulated_network(seed=options.seed, size=options.people, clock=clock)
    return Runtime(
        clock,
        hub,
        supervisor,
        clients,
        simulated=True,
        preferences=preferences,
        store=store,
        notices=notices,
    )


async def run_command(options: argparse.Namespace) -> cli.Answer:
    """Run one headless command."""
    if options.command in DATA_COMMANDS:
        return await run_data_command(options)
    runtime = await build_runtime(options)
    for notice in runtime.notices:
        print(notice, file=sys.stderr)
    runtime.start(persist=False)  # a command answers; the running app is the one that saves
    try:
        try:
            async with asyncio.timeout(COMMAND_SETTLE_TIMEOUT_SECONDS):
                await runtime.supervisor.wait_until_settled()
        except TimeoutError:
            _log.warning("some accounts had not connected yet; answering with what is known")
        runtime.hub.flush()
        now = runtime.clock.now()
        if options.command == "status":
            return cli.status_command(runtime.hub, options.names, as_json=options.json, now=now)
        if options.command == "available":
            return cli.available_command(runtime.hub, options.names, as_json=options.json)
        return cli.stats_command(
            runtime.hub,
            runtime.supervisor.statuses(),
            keyring_backend=describe_backend(),
            keyring_problem=await asyncio.to_thread(check_backend),
            as_json=options.json,
        )
    finally:
        await runtime.aclose()


DATA_COMMANDS = ("export", "forget", "history", "notify", "favourite")


async def run_data_command(options: argparse.Namespace) -> cli.Answer:
    """``export``, ``forget``, ``history``, ``notify`` and ``favourite``: work on the saved
    data, no network started."""
    notices: list[str] = []
    store = await open_store(options, notices)
    for notice in notices:
        print(notice, file=sys.stderr)
    if store is None:
        return cli.Answer("No saved data could be opened.", cli.EXIT_FAILED)
    try:
        if options.command == "export":
            output = None if options.output is None else Path(options.output)
            return cli.export_command(await store.export(), output)
        if options.command == "history":
            current = await store.load_preferences()
            updated, answer = cli.history_command(current, options.switch, options.keep_days)
            if updated != current:
                await asyncio.to_thread(store.preferences.save, updated)
            return answer
        hub = PresenceHub(SystemClock())
        hub.add_identities((await store.load_last_known()).identities)
        if options.command != "forget":
            # Rules and favourites may name people the app has not saved yet: everyone on the
            # simulated network it runs (same --people and --seed).
            population = build_population(options.seed, options.people)
            hub.add_identities(identity for person in population for identity in person.identities)
        hub.flush()
        person, error = cli.resolve_person(hub, options.name)
        if person is None:
            return cli.Answer(error or "", cli.EXIT_USAGE)
        if options.command in ("notify", "favourite"):
            return await save_notification_choice(store, options, person)
        await store.forget_person(person.person_id)
        return cli.Answer(
            f"Forgot {person.display_name}: their history, cached status, favourite and rules "
            "are deleted."
        )
    finally:
        await store.aclose()


async def save_notification_choice(
    store: LocalStore, options: argparse.Namespace, person: Person
) -> cli.Answer:
    """``notify NAME ...`` saves or removes a rule; ``favourite NAME [--off]`` (un)marks."""
    if options.command == "favourite":
        await asyncio.to_thread(
            partial(store.people.set_favourite, person.person_id, favourite=not options.off)
        )
        return cli.favourite_command(person, off=options.off)
    rule, answer = cli.notify_command(person, options.on, once=options.once, off=options.off)
    rules = NotificationRulesRepository(store.db)
    if options.off:
        await asyncio.to_thread(rules.delete, rule.person_id, rule.on)
    else:
        await asyncio.to_thread(rules.save, rule)
    return answer


async def _gui_main(
    options: argparse.Namespace, _app: QApplication, *, instance: str | None = None
) -> int:
    from presence_tray.ui.shell import TrayShell
    from presence_tray.ui.single_instance import HANDOVER, SingleInstance

    guard = None if instance is None else SingleInstance(instance)
    if guard is not None and (forwarded := guard.acquire()) is not None:
        code, message = HANDOVER[forwarded]  # another launch won the race to listen
        print(message, file=sys.stderr)
        return code
    runtime = await build_runtime(options)
    shell = TrayShell(runtime.hub, runtime.supervisor, runtime.clock, simulated_network=True)
    shell.start()  # the tray icon first; the clients connect behind it
    if guard is not None:
        guard.show_requested.connect(shell.bring_forward)
    for notice in runtime.notices:
        shell.show_notice(notice)
    keyring_problem = await asyncio.to_thread(check_backend)
    if keyring_problem is not None:
        # Nothing needs a secret yet (accounts come later), but the user should know early.
        shell.show_notice(f"Connected accounts will need the system keyring. {keyring_problem}")
    runtime.start()
    notifications = None
    if runtime.store is not None:  # no rules or favourites without storage: nothing to send
        notifications = await start_notifications(runtime, runtime.store, shell)
    try:
        await shell.wait_for_quit()
    finally:
        if notifications is not None:
            await notifications.aclose()
        if guard is not None:
            guard.close()
        shell.close()
        await runtime.aclose()
    return 0


@dataclass
class Notifications:
    """The notifier subscribed to the hub, and the desktop notifications it sends through."""

    desktop: DesktopNotifier
    unsubscribe: Callable[[], None]

    async def aclose(self) -> None:
        """Stop listening to the hub and disconnect from the desktop."""
        self.unsubscribe()
        await self.desktop.aclose()


def in_do_not_disturb(schedule: DndSchedule, own_status: OwnStatusTracker, now: float) -> bool:
    """DND is on by the saved schedule (rules, snooze, vacation) or chosen in the tray."""
    if schedule.active_at(now):
        return True
    mine = own_status.current(now)
    return mine is not None and mine.dnd


async def start_notifications(
    runtime: Runtime, store: LocalStore, shell: TrayShell
) -> Notifications:
    """Desktop notifications by the saved rules, favourites and do-not-disturb schedule.

    They are read once, at start-up (nothing edits them while the app runs yet). Nothing is
    sent until every account has made its first connection, or for
    ``NOTIFICATION_QUIET_SECONDS`` at most.
    """
    from presence_tray.ui.notifications import DesktopNotifier

    rules = NotificationRulesRepository(store.db)

    def load() -> tuple[list[NotificationRule], frozenset[str], DndSchedule]:
        return rules.list(), store.people.favourites(), DndRepository(store.db).get()

    try:
        saved_rules, favourites, dnd = await asyncio.to_thread(load)
    except StorageError as err:
        _log.warning("could not read notification rules and favourites: %s", err)
        saved_rules, favourites, dnd = [], frozenset(), DndSchedule()
    clock = runtime.clock

    def show_in_tray(title: str, body: str) -> None:
        if shell.tray_icon is not None:
            shell.tray_icon.showMessage(title, body)

    async def delete_rule(rule: NotificationRule) -> None:
        try:
            await asyncio.to_thread(rules.delete, rule.person_id, rule.on)
        except StorageError as err:
            _log.warning("could not delete a used one-time notification rule: %s", err)

    desktop = DesktopNotifier(show_in_tray, on_open=lambda _person_id: shell.open_contacts())
    notifier = Notifier(
        clock,
        desktop.send,
        rules=saved_rules,
        favourites=lambda: favourites,
        dnd_active=lambda: in_do_not_disturb(dnd, runtime.supervisor.own_status, clock.now()),
        on_rule_spent=lambda rule: runtime.spawn(delete_rule(rule), "delete a spent rule"),
        quiet_seconds=None,
    )

    async def settle() -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(NOTIFICATION_QUIET_SECONDS):
                await runtime.supervisor.wait_until_settled()
        notifier.mark_settled()

    unsubscribe = runtime.hub.subscribe(notifier.on_changes)
    notifier.start()
    runtime.spawn(desktop.start(), "desktop notifications")
    runtime.spawn(settle(), "notifications settle")
    runtime.spawn(tick_periodically(notifier, NOTIFICATION_TICK_SECONDS), "notifications tick")
    return Notifications(desktop, unsubscribe)


def run_gui(options: argparse.Namespace) -> int:
    """Start the desktop app, or say clearly why it cannot start here."""
    problem = check_gui_environment(os.environ, sys.platform)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_NO_DESKTOP
    from presence_tray.ui.aio import run_with_qt
    from presence_tray.ui.single_instance import HANDOVER, forward_to_running, instance_name

    # Before anything heavy: a second launch only brings the running app forward.
    instance = instance_name(resolve_data_dir(options.data_dir, os.environ))
    if (forwarded := forward_to_running(instance)) in HANDOVER:
        code, message = HANDOVER[forwarded]
        print(message, file=sys.stderr)
        return code
    return run_with_qt([X11_INSTANCE_NAME], partial(_gui_main, options, instance=instance))


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


def configure_logging(verbosity: int) -> None:
    """Log to stderr; ``-v`` for info, ``-vv`` for debug."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the GUI or a command; return the exit code."""
    options = cli.build_parser().parse_args(argv)
    configure_logging(options.verbose)
    tune_garbage_collection()
    if options.command is None:
        return run_gui(options)
    answer = asyncio.run(run_command(options))
    print(answer.text)
    return answer.exit_code
