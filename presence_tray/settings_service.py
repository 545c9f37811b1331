"""The settings dialog's other side: every change applied at once and saved on a thread.

:class:`SettingsService` holds the preferences and the do-not-disturb schedule as the app
uses them. A change takes effect immediately (the hub's aggregation policy, history, the
notifier's defaults and schedule, the simulated network) and is then written to storage by
one background task that always writes the latest value, so quick edits never land out of
order. A failed write becomes a sentence for the dialog and a WARNING in the log; nothing
raises into Qt. Without storage every change still applies, for this run only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from presence_tray import autostart
from presence_tray.accounts_service import AccountRow, AccountsService
from presence_tray.core.client import AccountHealth
from presence_tray.core.dnd import DndSchedule
from presence_tray.core.listeners import add_listener
from presence_tray.platforms.capabilities import PLATFORM_CAPABILITIES
from presence_tray.whatsapp_account import (
    SetupOutcome,
    remove_webhook,
    save_webhook,
    saved_as_account,
)
from presence_tray.whatsapp_webhook import WebhookSecretsKeeper, check_webhook_secrets

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping, Sequence
    from pathlib import Path

    from presence_tray.accounts.methods import ConnectMethod
    from presence_tray.accounts_service import ConnectAttempt, ConnectOutcome
    from presence_tray.core.client import Capabilities
    from presence_tray.core.identity import AccountRef, Platform
    from presence_tray.core.preferences import Preferences
    from presence_tray.core.supervisor import AccountStatus, StatusListener
    from presence_tray.runtime import Runtime
    from presence_tray.storage.local_store import LocalStore
    from presence_tray.ui.settings.webhooks_tab import WebhookActions

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlatformEntry:
    """One platform as the Accounts tab lists it (plain values; the UI imports no platform)."""

    platform: Platform
    capabilities: Capabilities
    account: AccountRef | None
    """The account running on it (the simulated one today), if any."""
    label: str


@dataclass(frozen=True, slots=True)
class DndNow:
    """Whether do-not-disturb is on now, and until when (None: until turned off)."""

    on: bool
    until: float | None = None


class SettingsService:
    """Applies and saves what the settings dialog changes."""

    def __init__(
        self,
        runtime: Runtime,
        schedule: DndSchedule | None = None,
        *,
        autostart_file: Path | None = None,
        accounts: AccountsService | None = None,
    ) -> None:
        """Serve ``runtime``'s preferences and ``schedule`` (the saved one; see :meth:`load`),
        and Connect / Disconnect through ``accounts`` (none: accounts cannot be connected)."""
        self._runtime = runtime
        self._accounts = accounts or AccountsService(None)
        self._local_api_address: Callable[[], str | None] = lambda: None
        self.whatsapp_secrets = WebhookSecretsKeeper(self._accounts.secret_store)
        """The WhatsApp webhook's secrets, for its routes (``WhatsAppInbox``) and this dialog."""
        self._schedule = schedule or DndSchedule()
        self._autostart_file = autostart_file
        self._problem_listeners: list[Callable[[str], None]] = []
        self._preference_listeners: list[Callable[[Preferences], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending_preferences: Preferences | None = None
        self._pending_schedule: DndSchedule | None = None
        self._writer: asyncio.Task[None] | None = None
        self._network_on = runtime.preferences.simulated_network
        self._network_task: asyncio.Task[None] | None = None
        self._webhooks: WebhookActions | None = None

    @classmethod
    async def load(
        cls,
        runtime: Runtime,
        *,
        autostart_file: Path | None = None,
        accounts_store: LocalStore | None = None,
    ) -> SettingsService:
        """A service over ``runtime`` with the saved schedule (empty when unreadable) and the
        saved accounts read: from ``accounts_store`` while the simulated network shows (the
        accounts' own database), else from the runtime's store."""
        schedule = DndSchedule()
        store = runtime.store
        if store is not None:
            from presence_tray.storage.database import StorageError

            try:
                schedule = await asyncio.to_thread(store.dnd.get)
            except StorageError as err:
                _log.warning("could not read the do-not-disturb schedule: %s", err)
        accounts = await AccountsService.load(
            accounts_store if runtime.simulated else store, reads_now=not runtime.simulated
        )
        return cls(
            runtime,
            schedule,
            autostart_file=autostart_file,
            accounts=accounts,
        )

    @property
    def accounts(self) -> AccountsService:
        """The saved accounts, and connecting them."""
        return self._accounts

    def use_webhooks(self, webhooks: WebhookActions) -> None:
        """Offer ``webhooks`` in the Webhooks tab (without, the tab says they are unavailable)."""
        self._webhooks = webhooks

    def use_local_api_address(self, address: Callable[[], str | None]) -> None:
        """Say where the local API listens (``address()``: None while it is off), for the
        WhatsApp setup's callback address."""
        self._local_api_address = address

    def webhooks(self) -> WebhookActions | None:
        """The outgoing webhooks, if this run has them."""
        return self._webhooks

    def subscribe_preferences(self, listener: Callable[[Preferences], None]) -> Callable[[], None]:
        """Hear the preferences each time they change; returns the unsubscriber."""
        return add_listener(self._preference_listeners, listener)

    # -- what the dialog reads -----------------------------------------------------------

    @property
    def remembers(self) -> bool:
        """Whether changes are saved (False: no database this run)."""
        return self._runtime.store is not None

    @property
    def preferences(self) -> Preferences:
        """The preferences in force."""
        return self._runtime.preferences

    @property
    def schedule(self) -> DndSchedule:
        """The do-not-disturb schedule in force."""
        return self._schedule

    @property
    def simulated_network_applies_live(self) -> bool:
        """Switching the simulated network takes effect at once (its clients stop and start)."""
        return self._runtime.simulated

    def now(self) -> float:
        """The app's clock (the simulated network's time while it runs)."""
        return self._runtime.clock.now()

    def dnd_now(self) -> DndNow:
        """Whether do-not-disturb is on now, by the schedule or the tray, and until when."""
        now = self.now()
        ends: list[float | None] = []
        if self._schedule.active_at(now):
            ends.append(self._schedule.ends_at(now))
        mine = self._runtime.supervisor.own_status.current(now)
        if mine is not None and mine.dnd:
            ends.append(mine.until)
        if not ends:
            return DndNow(on=False)
        return DndNow(on=True, until=None if None in ends else max(e for e in ends if e))

    def platforms(self) -> list[PlatformEntry]:
        """Every platform, with what it can do and the account running on it."""
        running = {client.account.platform: client.account for client in self._runtime.clients}
        suffix = " (simulated)" if self._runtime.simulated else ""
        return [
            PlatformEntry(
                platform,
                capabilities,
                running.get(platform),
                f"{platform.display_name}{suffix}" if platform in running else "Not connected",
            )
            for platform, capabilities in PLATFORM_CAPABILITIES.items()
        ]

    def account_status(self, account: AccountRef) -> AccountStatus | None:
        """An account's last known status."""
        return self._runtime.supervisor.status(account)

    async def keyring_problem(self) -> str | None:
        """Why the saved accounts could not keep their secrets in the keyring, or None."""
        return await self._accounts.keyring_problem()

    def subscribe_accounts(self, listener: StatusListener) -> Callable[[], None]:
        """Hear of every account status change, and of accounts added, removed or needing a
        reconnect; returns a function that unsubscribes."""
        unsubscribers = (
            self._runtime.supervisor.subscribe(listener),
            self._accounts.subscribe(listener),
        )

        def unsubscribe() -> None:
            for each in unsubscribers:
                each()

        return unsubscribe

    # -- connecting accounts (see AccountsService) ------------------------------------------

    def connect_methods(
        self, platform: Platform, *, account: AccountRef | None = None
    ) -> Sequence[ConnectMethod]:
        """The ways to connect ``platform`` (for Reconnect, ``account``'s, prefilled)."""
        return self._accounts.connect_methods(platform, account=account)

    def connect_unavailable_reason(self, platform: Platform) -> str:
        """Why ``platform`` cannot be connected in this version ("" when it can)."""
        return self._accounts.connect_unavailable_reason(platform)

    def account_rows(self, platform: Platform) -> list[AccountRow]:
        """The simulated account on ``platform`` (while the network runs it), then the saved
        ones."""
        rows = [
            AccountRow(
                client.account,
                f"{platform.display_name} (simulated)",
                _simulated_state(self.account_status(client.account)),
                needs_reconnect=False,
                simulated=True,
            )
            for client in self._runtime.clients
            if self._runtime.simulated and client.account.platform is platform
        ]
        return rows + [self._with_health(row) for row in self._accounts.account_rows(platform)]

    def _with_health(self, row: AccountRow) -> AccountRow:
        """A saved account's row with how its client is doing, while one runs for it."""
        status = self.account_status(row.ref)
        if status is None or row.needs_reconnect or status.health is AccountHealth.STOPPED:
            return row
        return replace(row, state=f"{row.state} — {_health_words(status)}")

    def sign_in_server_note(self) -> str:
        """The visible line while sign-ins go to a test server; "" normally."""
        return self._accounts.sign_in_server_note()

    def start_connect(
        self,
        platform: Platform,
        method: str,
        values: Mapping[str, str],
        *,
        replacing: AccountRef | None,
        on_progress: Callable[[str], None],
        on_done: Callable[[ConnectOutcome], None],
    ) -> ConnectAttempt:
        """Start a connect; ValueError (a sentence) at once for bad values."""
        return self._accounts.start_connect(
            platform, method, values, replacing=replacing, on_progress=on_progress, on_done=on_done
        )

    def start_disconnect(self, account: AccountRef, *, on_done: Callable[[str], None]) -> None:
        """Sign ``account`` out and forget it; ``on_done`` gets the sentence."""
        self._accounts.start_disconnect(account, on_done=on_done)

    def subscribe_problems(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Hear a sentence when a change could not be saved; returns the unsubscriber."""
        return add_listener(self._problem_listeners, listener)

    # -- receiving WhatsApp messages (see whatsapp_webhook) ----------------------------------

    def local_api_address(self) -> str | None:
        """Where the local API listens (``http://127.0.0.1:<port>``), or None when it is off."""
        return self._local_api_address()

    def whatsapp_webhook_saved(self) -> bool | None:
        """Whether the webhook's secrets are saved: as read or changed this run, else True
        when its account is saved (saved with them; the keyring is not asked here)."""
        known = self.whatsapp_secrets.known
        if known is None and saved_as_account(self._accounts):
            return True
        return known

    def start_whatsapp_webhook_save(
        self, verify_token: str, app_secret: str, *, on_done: Callable[[bool, str], None]
    ) -> None:
        """Keep both in the keyring and the webhook as an account (see whatsapp_account);
        ValueError (a sentence) at once for a bad value."""
        check_webhook_secrets(verify_token, app_secret)
        self._run_setup(
            save_webhook(self.whatsapp_secrets, self._accounts, verify_token, app_secret), on_done
        )

    def start_whatsapp_webhook_removal(self, *, on_done: Callable[[bool, str], None]) -> None:
        """Delete the webhook's account, then forget both secrets; ``on_done`` hears what
        happened."""
        self._run_setup(remove_webhook(self.whatsapp_secrets, self._accounts), on_done)

    def _run_setup(
        self,
        step: Coroutine[object, object, SetupOutcome],
        on_done: Callable[[bool, str], None],
    ) -> None:
        async def run() -> None:
            outcome = await step
            on_done(outcome.saved, outcome.sentence)

        task = asyncio.get_running_loop().create_task(run(), name="WhatsApp webhook setup")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- changes ------------------------------------------------------------------------

    def set_preferences(self, preferences: Preferences) -> None:
        """Apply ``preferences`` now and save them. Raises ValueError (a sentence) when a value
        is out of bounds; nothing is applied then."""
        problems = preferences.problems()
        if problems:
            raise ValueError(problems[0])
        runtime = self._runtime
        if preferences.aggregation_policy is not runtime.preferences.aggregation_policy:
            runtime.hub.set_policy(preferences.aggregation_policy)
        runtime.preferences = preferences  # history, retention and notifications read it live
        for listener in list(self._preference_listeners):
            listener(preferences)
        if (
            preferences.simulated_network != self._network_on
            and self.simulated_network_applies_live
        ):
            self._network_on = preferences.simulated_network
            self._switch_network()
        if self.remembers:
            self._pending_preferences = preferences
            self._write_soon()

    def set_schedule(self, schedule: DndSchedule) -> None:
        """Apply ``schedule`` now and save it. Raises ValueError (a sentence) for a rule
        without days or with an unknown time zone, or a vacation ending before it starts."""
        problem = schedule.problem()
        if problem is not None:
            raise ValueError(problem)
        self._schedule = schedule
        if self.remembers:
            self._pending_schedule = schedule
            self._write_soon()

    def autostart_enabled(self) -> bool:
        """Whether the desktop starts the app at login (read from the file every time)."""
        return autostart.is_enabled(self._autostart_file)

    def set_autostart(self, *, enabled: bool) -> str | None:
        """Start at login on or off; a sentence when it could not be done, else None."""
        try:
            autostart.set_enabled(enabled=enabled, path=self._autostart_file)
        except autostart.AutostartError as err:
            return str(err)
        return None

    async def flush(self) -> None:
        """Wait until every change so far is written (or has failed) and the network switched."""
        for task in (self._writer, self._network_task, *self._tasks):
            if task is not None:
                await asyncio.shield(task)

    async def aclose(self) -> None:
        """Write what is pending, stop running connects, then stop."""
        await self.flush()
        await self._accounts.aclose()

    # -- internals ----------------------------------------------------------------------

    def _write_soon(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write_pending(), name="save settings"
            )

    async def _write_pending(self) -> None:
        from presence_tray.storage.database import StorageError

        store = self._runtime.store
        while store is not None and (self._pending_preferences or self._pending_schedule):
            preferences, self._pending_preferences = self._pending_preferences, None
            schedule, self._pending_schedule = self._pending_schedule, None
            try:
                if preferences is not None:
                    await asyncio.to_thread(store.preferences.save, preferences)
                if schedule is not None:
                    await asyncio.to_thread(store.dnd.save, schedule)
            except (StorageError, ValueError) as err:
                _log.warning("could not save the settings: %s", err)
                self._tell(
                    f"Your change applies now but could not be saved ({err}); "
                    "it will be lost when Presence Tray quits. Try changing it again later."
                )

    def _tell(self, sentence: str) -> None:
        for listener in list(self._problem_listeners):
            listener(sentence)

    def _switch_network(self) -> None:
        if self._network_task is None or self._network_task.done():
            self._network_task = asyncio.get_running_loop().create_task(
                self._apply_network(), name="switch the simulated network"
            )

    async def _apply_network(self) -> None:
        """Bring the simulated clients to the wanted state, one switch at a time."""
        supervisor = self._runtime.supervisor
        applied: bool | None = None
        while applied != self._network_on:
            applied = self._network_on
            for client in self._runtime.clients:
                if applied:
                    status = supervisor.status(client.account)
                    if status is None or status.health is AccountHealth.STOPPED:
                        supervisor.start(client)
                else:
                    await supervisor.stop(client.account)
            _log.info("simulated network %s", "on" if applied else "off")


def _health_words(status: AccountStatus) -> str:
    """A running account's health in words, with the reason when it has one."""
    words = status.health.value.replace("_", " ")
    if status.message and status.health is not AccountHealth.LIVE:
        return f"{words}: {status.message}"
    return words


def _simulated_state(status: AccountStatus | None) -> str:
    """The simulated account's State column: its connection's health, in words."""
    if status is None:
        return "simulated network, not started"
    return f"simulated network, {status.health.value.replace('_', ' ')}"
