"""The composition root: builds every object, wires them, and runs the GUI or a command.

No presence logic lives here; everything is passed in through constructors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from presence_tray import cli
from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.reports import Keyring
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

    from aiohttp import web
    from PySide6.QtWidgets import QApplication

    from presence_tray.account_clients import AccountClients
    from presence_tray.core.attention import Attention
    from presence_tray.core.identity import Person
    from presence_tray.local_api.token import TokenKeeper
    from presence_tray.runtime import Runtime
    from presence_tray.settings_service import SettingsService
    from presence_tray.storage.local_store import LocalStore
    from presence_tray.ui.shell import TrayShell
    from presence_tray.webhook_service import WebhookService

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
    answer = await answer_from_running_app(options)
    if answer is not None:
        return answer
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
            now=now,
        )
    finally:
        await runtime.aclose()


async def answer_from_running_app(
    options: argparse.Namespace, *, token_keeper: TokenKeeper | None = None
) -> cli.Answer | None:
    """``status``, ``available`` or ``stats`` as the running app sees it, through its local
    API; None when no app runs here (or it cannot be asked: the reason goes to stderr)."""
    from presence_tray.running_app import ask_running_app

    data_dir = resolve_data_dir(options.data_dir, os.environ)
    if options.command == "status":
        asked = await ask_running_app(
            data_dir, "GET", "/v1/people", params={"name": options.names}, token_keeper=token_keeper
        )
    elif options.command == "available":
        asked = await ask_running_app(
            data_dir,
            "POST",
            "/v1/availability",
            body={"people": options.names},
            token_keeper=token_keeper,
        )
    else:
        asked = await ask_running_app(data_dir, "GET", "/v1/stats", token_keeper=token_keeper)
    if asked.report is None:
        _say_why_not_the_running_app(asked.reason, simulated=shows_simulated_network(options))
        return None
    if options.command == "status":
        return cli.status_answer(asked.report, as_json=options.json)
    if options.command == "available":
        return cli.available_answer(asked.report, as_json=options.json)
    return cli.stats_answer(asked.report, as_json=options.json)


def _say_why_not_the_running_app(reason: str | None, *, simulated: bool) -> None:
    """Tell stderr where the answer comes from when the running app cannot give it; silent
    for the simulated network with no app running (its short run is the documented answer)."""
    if simulated:
        if reason is not None:
            print(f"{reason} Answering from a short run of the simulated network.", file=sys.stderr)
        return
    reason = reason or "Presence Tray is not running."
    print(f"{reason} Answering from the statuses saved when it last ran.", file=sys.stderr)


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
        last = await store.load_last_known()
        # People no account lists any more can still be forgotten or made favourites.
        hub.add_identities([*last.identities, *last.unlisted])
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
        account_clients = await _start_account_clients(runtime, settings, attention, cleanup)
        # Without storage too: favourites and requests made in the window live in memory.
        notifications = await start_notifications(
            runtime, runtime.store, shell, people, dnd_schedule=lambda: settings.schedule
        )
        # Closed first on the way out (last in, first out): the tray goes at once.
        cleanup.callback(shell.close)
        if guard is not None:
            cleanup.callback(guard.close)
        cleanup.push_async_callback(notifications.aclose)
        await _start_outward_services(runtime, settings, shell, account_clients, options, cleanup)
        drop_module_sources()
        await shell.wait_for_quit()
    return 0


async def _start_outward_services(
    runtime: Runtime,
    settings: SettingsService,
    shell: TrayShell,
    account_clients: AccountClients | None,
    options: argparse.Namespace,
    cleanup: contextlib.AsyncExitStack,
) -> None:
    """What other tools see of the app: the webhooks it sends and the local API it serves
    (whose statistics include the webhooks' deliveries)."""
    webhooks = await _start_webhooks(runtime, settings, cleanup)
    await _start_local_api(runtime, settings, shell, account_clients, webhooks, options, cleanup)


async def _start_webhooks(
    runtime: Runtime, settings: SettingsService, cleanup: contextlib.AsyncExitStack
) -> WebhookService:
    """The saved webhooks, fired by the hub and my own status, offered in the settings.

    On the real clock even on the simulated network: a receiver checks the signature's
    timestamp against its own clock, and retries wait real seconds.
    """
    from presence_tray.webhook_service import KeyringWebhookSecretsOnDemand, WebhookService
    from presence_tray.webhook_settings import WebhookSettings

    store = runtime.store
    service = WebhookService(
        SystemClock(),
        KeyringWebhookSecretsOnDemand(),
        None if store is None else store.webhooks,
    )
    cleanup.push_async_callback(service.aclose)
    await service.load()
    service.attach(runtime.hub, runtime.supervisor.own_status)
    settings.use_webhooks(WebhookSettings(service, runtime.hub))
    return service


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
) -> AccountClients | None:
    """Read presence from the connected accounts (when they show, not the simulated network)."""
    if runtime.simulated:
        return None
    from presence_tray.account_clients import AccountClients, api_bases_from

    # A favourite whose accounts stop listing them stays in view, saying so.
    runtime.hub.set_kept_people(attention.is_favourite)

    account_clients = AccountClients(
        runtime,
        settings.accounts,
        is_priority=attention.is_priority,
        api_bases=api_bases_from(os.environ),
    )
    cleanup.push_async_callback(account_clients.aclose)
    settings.subscribe_preferences(account_clients.apply_preferences)
    await account_clients.start_saved()
    return account_clients


async def _start_local_api(
    runtime: Runtime,
    settings: SettingsService,
    shell: TrayShell,
    account_clients: AccountClients | None,
    webhooks: WebhookService,
    options: argparse.Namespace,
    cleanup: contextlib.AsyncExitStack,
) -> None:
    """Serve the local HTTP API while the preferences want it (its port bound now, aiohttp
    and the keyring client loaded when a first program connects); the settings dialog shows
    it, and it stops on the way out. Its statistics include the webhooks' deliveries."""
    from presence_tray.local_api.service import LocalApiService
    from presence_tray.local_api.sources import ApiSources
    from presence_tray.running_app import KeyringToken

    async def keyring() -> Keyring:
        from presence_tray.storage.secrets import describe_backend

        return Keyring(describe_backend(), await settings.keyring_problem())

    sources = ApiSources(
        runtime.hub,
        runtime.supervisor,
        runtime.clock,
        keyring=keyring,
        extra_statistics=lambda: {"webhooks": webhooks.statistics()},
    )
    if account_clients is not None:
        sources = replace(sources, call_budgets=account_clients.call_budgets)
    api = LocalApiService(
        sources,
        token_keeper=KeyringToken(),
        data_dir=resolve_data_dir(options.data_dir, os.environ),
        environ=os.environ,
        on_notice=shell.show_notice,
        public_routes=lambda: _whatsapp_routes(runtime, settings),
    )
    cleanup.push_async_callback(api.aclose)
    settings.use_local_api_address(lambda: api.url)
    settings.subscribe_preferences(api.apply_preferences)
    await api.apply(runtime.preferences)
    shell.use_local_api(api)


def _whatsapp_routes(runtime: Runtime, settings: SettingsService) -> list[web.RouteDef]:
    """The WhatsApp webhook's routes on the local API: messages become last interactions in
    the hub of a connected run; the simulated network's run records none."""
    from presence_tray.whatsapp_routes import simulated_network_routes, whatsapp_routes
    from presence_tray.whatsapp_webhook import WhatsAppInbox

    if runtime.simulated:
        return simulated_network_routes()
    inbox = WhatsAppInbox(runtime.hub, settings.whatsapp_secrets.current, clock=runtime.clock)
    return whatsapp_routes(inbox)


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
