"""The composition root: builds every object, wires them, and runs the GUI or a command.

No presence logic lives here; everything is passed in through constructors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from presence_tray import cli
from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub
from presence_tray.platforms.simulated.population import build_population
from presence_tray.preflight import check_gui_environment
from presence_tray.runtime import (
    build_runtime,
    load_saved,
    new_runtime,
    open_store,
    shows_simulated_network,
    tune_garbage_collection,
)
from presence_tray.storage.paths import resolve_data_dir

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

    from PySide6.QtWidgets import QApplication

    from presence_tray.core.attention import Attention
    from presence_tray.core.identity import Person
    from presence_tray.runtime import Runtime
    from presence_tray.settings_service import SettingsService
    from presence_tray.storage.local_store import LocalStore

_log = logging.getLogger(__name__)

COMMAND_SETTLE_TIMEOUT_SECONDS = 5.0
EXIT_NO_DESKTOP = 3
X11_INSTANCE_NAME = "presence-tray"
"""argv[0] for Qt, which makes it the instance part of WM_CLASS on X11 however the app was
started (``presence-tray``, ``python -m presence_tray``): desktops and tests find it by it."""


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
        from presence_tray.storage.secrets import check_backend, describe_backend

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
    simulated = shows_simulated_network(options)
    store = await open_store(options, notices, simulated=simulated)
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
        if simulated and options.command != "forget":
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
    rules = store.rules
    if options.off:
        await asyncio.to_thread(rules.delete, rule.person_id, rule.on)
    else:
        await asyncio.to_thread(rules.save, rule)
    return answer


async def _gui_main(
    options: argparse.Namespace, _app: QApplication, *, instance: str | None = None
) -> int:
    from presence_tray.ui.module_sources import drop_module_sources
    from presence_tray.ui.shell import TrayShell
    from presence_tray.ui.single_instance import HANDOVER, SingleInstance

    # After each batch of imports: PySide6 has read every module's source into linecache.
    drop_module_sources()
    guard = None if instance is None else SingleInstance(instance)
    if guard is not None and (forwarded := guard.acquire()) is not None:
        code, message = HANDOVER[forwarded]  # another launch won the race to listen
        print(message, file=sys.stderr)
        return code
    runtime = new_runtime(options, simulated=shows_simulated_network(options))
    shell = TrayShell(
        runtime.hub, runtime.supervisor, runtime.clock, simulated_network=runtime.simulated
    )
    shell.start()  # the tray icon first; saved data and the clients load behind it
    if guard is not None:
        guard.show_requested.connect(shell.bring_forward)
    await load_saved(runtime, options)
    for notice in runtime.notices:
        shell.show_notice(notice)
    # Imported now, after the icon is up: jeepney and the storage repositories.
    from presence_tray.core.attention import Attention
    from presence_tray.linking_service import LinkingService
    from presence_tray.notification_service import start_notifications
    from presence_tray.people_service import PeopleService
    from presence_tray.settings_service import SettingsService

    drop_module_sources()
    async with contextlib.AsyncExitStack() as cleanup:
        cleanup.push_async_callback(runtime.aclose)
        # While the simulated network shows, accounts are still saved in the accounts' own
        # database, and shown instead of the simulated network from the next start.
        accounts_store = await _accounts_store(runtime, options, shell.show_notice)
        if accounts_store is not None:
            cleanup.push_async_callback(accounts_store.aclose)
        settings = await SettingsService.load(runtime, accounts_store=accounts_store)
        cleanup.push_async_callback(settings.aclose)
        shell.use_settings(settings)
        people = PeopleService(
            runtime.store,
            history_enabled=lambda: runtime.preferences.history_enabled,
            on_problem=shell.show_notice,
        )
        cleanup.push_async_callback(people.aclose)
        await people.load()
        shell.use_people(people)
        # The pollers ask first about favourites and the people in view in the window.
        attention = Attention(runtime.hub, people.favourites)
        shell.visible_people_changed.connect(attention.show)
        # After load_saved: the hub holds the saved links before any client lists contacts.
        linking = LinkingService(
            runtime.hub,
            None if runtime.store is None else runtime.store.people,
            clock=runtime.clock,
            on_problem=shell.show_notice,
        )
        cleanup.push_async_callback(linking.aclose)
        await linking.load()
        shell.use_linking(linking)

        await _say_keyring_problem(settings, shell.show_notice)
        runtime.start()
        await _start_account_clients(runtime, settings, attention, cleanup)
        # Without storage too: favourites and requests made in the window live in memory.
        notifications = await start_notifications(
            runtime, runtime.store, shell, people, dnd_schedule=lambda: settings.schedule
        )
        # Closed first on the way out (last in, first out): the tray goes at once.
        cleanup.callback(shell.close)
        if guard is not None:
            cleanup.callback(guard.close)
        cleanup.push_async_callback(notifications.aclose)
        drop_module_sources()
        await shell.wait_for_quit()
    return 0


async def _say_keyring_problem(
    settings: SettingsService, show_notice: Callable[[str], None]
) -> None:
    """Say at start-up, before any account asks for its secret, when the keyring will fail."""
    keyring_problem = await settings.keyring_problem()
    if keyring_problem is not None:
        show_notice(f"Connected accounts will need the system keyring. {keyring_problem}")


async def _start_account_clients(
    runtime: Runtime,
    settings: SettingsService,
    attention: Attention,
    cleanup: contextlib.AsyncExitStack,
) -> None:
    """Read presence from the connected accounts (when they show, not the simulated network)."""
    if runtime.simulated:
        return
    from presence_tray.account_clients import AccountClients, api_bases_from

    account_clients = AccountClients(
        runtime,
        settings.accounts,
        is_priority=attention.is_priority,
        api_bases=api_bases_from(os.environ),
    )
    cleanup.push_async_callback(account_clients.aclose)
    settings.subscribe_preferences(account_clients.apply_preferences)
    await account_clients.start_saved()


async def _accounts_store(
    runtime: Runtime, options: argparse.Namespace, show_notice: Callable[[str], None]
) -> LocalStore | None:
    """The accounts' own database while the simulated network shows (None otherwise, or when
    it cannot be opened: a notice says why)."""
    if not runtime.simulated:
        return None
    notices: list[str] = []
    store = await open_store(options, notices, simulated=False)
    for notice in notices:
        show_notice(notice)
    return store


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
