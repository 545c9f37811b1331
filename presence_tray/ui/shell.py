"""The desktop shell: tray icon, contacts model and window, put together over the core."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from presence_tray.core.client import AccountHealth
from presence_tray.core.identity import Platform
from presence_tray.core.own_status import OwnStatusChoice
from presence_tray.core.supervisor import AccountStatus
from presence_tray.ui import APP_NAME
from presence_tray.ui.aio import wait_for_signal
from presence_tray.ui.contacts_model import ContactsModel
from presence_tray.ui.module_sources import drop_module_sources
from presence_tray.ui.tray import PresenceTrayIcon, held_words

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.client import OwnStatus
    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.own_status import OwnStatusResult
    from presence_tray.core.supervisor import ClientSupervisor
    from presence_tray.ui.contacts_window import ContactsWindow
    from presence_tray.ui.linking import LinkingActions, LinkingBackend
    from presence_tray.ui.person_detail import PeopleActions
    from presence_tray.ui.settings.backend import SettingsBackend
    from presence_tray.ui.settings.dialog import SettingsDialog
    from presence_tray.ui.settings.local_api_group import LocalApiControls

_log = logging.getLogger(__name__)

OWN_STATUS_CHECK_MS = 1000
"""How often, at most, a timed do-not-disturb checks whether it has ended (real time; the
app's clock may run faster than real time, so the end is checked, not scheduled once)."""
SUMMARY_DELAY_MS = 250
"""The tray's tooltip and warning mark follow changes this long after the first one: the
hub's batches arrive up to twenty times a second, and a person cannot read faster."""
HELD_CHECK_MS = 30_000
"""How often (real time) the tooltip checks whether the do-not-disturb schedule has begun or
ended: rarely, as every wake-up of an idle app costs CPU; changes to the contacts refresh it
too."""
NOT_SET_EVERYWHERE = "Your status was not set everywhere"
"""The tray message's title when some account could not take my new status."""


class TrayShell(QObject):
    """Owns the tray icon, the contacts model and (built on first open) the contacts window.

    The window's modules (list, delegate, person detail, linking) are imported on first open,
    not at start-up: an app that stays in the tray never pays their memory (about 2.5 MB).
    """

    quit_requested = Signal()
    """The user chose Quit (from the tray menu, the window, or by closing the only window)."""
    own_status_applied = Signal(list)
    """A status chosen in the menu has been sent: one OwnStatusResult per account."""
    visible_people_changed = Signal(object)
    """The people in sight in the contacts window changed: a ``frozenset`` of person ids
    (empty while the window is hidden; nothing before it first opens)."""

    def __init__(
        self,
        hub: PresenceHub,
        supervisor: ClientSupervisor,
        clock: Clock,
        *,
        simulated_network: bool,
        tray_available: bool | None = None,
        own_status_check_ms: int = OWN_STATUS_CHECK_MS,
        parent: QObject | None = None,
    ) -> None:
        """Prepare the shell; nothing is shown before :meth:`start`.

        ``tray_available`` overrides Qt's answer (for tests); by default Qt is asked.
        """
        super().__init__(parent)
        self._hub = hub
        self._supervisor = supervisor
        self._clock = clock
        self._simulated_network = simulated_network
        self._tray_available = tray_available
        self._model: ContactsModel | None = None
        self._tray: PresenceTrayIcon | None = None
        self._window: ContactsWindow | None = None
        self._quitting = False
        self._unsubscribe_accounts: Callable[[], None] | None = None
        self._unsubscribe_saved_accounts: Callable[[], None] | None = None
        self._notices: list[str] = []
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self._refresh_summary)
        # The do-not-disturb schedule starts and ends by the clock, not by events.
        self._held_timer = QTimer(self)
        self._held_timer.setInterval(HELD_CHECK_MS)
        self._held_timer.timeout.connect(self._refresh_summary)
        self._unsubscribe_own_status: Callable[[], None] | None = None
        self._status_tasks: set[asyncio.Task[None]] = set()
        self._own_status_check_ms = own_status_check_ms
        self._own_status_timer = QTimer(self)
        self._own_status_timer.setSingleShot(True)
        self._own_status_timer.timeout.connect(self._refresh_own_status)
        self._settings_backend: SettingsBackend | None = None
        self._settings: SettingsDialog | None = None
        self._local_api: LocalApiControls | None = None
        self._people: PeopleActions | None = None
        self._linking_backend: LinkingBackend | None = None
        self._linking: LinkingActions | None = None

    # -- public ----------------------------------------------------------------------------

    @property
    def contacts_window(self) -> ContactsWindow | None:
        """The contacts window, once it has been opened."""
        return self._window

    @property
    def tray_icon(self) -> PresenceTrayIcon | None:
        """The tray icon, when there is a system tray."""
        return self._tray

    @property
    def model(self) -> ContactsModel | None:
        """The contacts model, once started."""
        return self._model

    def start(self) -> None:
        """Show the tray icon, or the contacts window as a normal window when there is no tray."""
        if self._model is not None:
            return
        self._model = ContactsModel(self._hub, self._clock, parent=self)
        for signal in (self._model.dataChanged, self._model.rowsInserted, self._model.modelReset):
            signal.connect(self._schedule_summary)
        self._unsubscribe_accounts = self._supervisor.subscribe(self._on_account_status)
        available = self._tray_available
        if available is None:
            available = QSystemTrayIcon.isSystemTrayAvailable()
        if available:
            self._tray = PresenceTrayIcon(self)
            self._tray.toggle_requested.connect(self.toggle_contacts)
            self._tray.open_requested.connect(self.open_contacts)
            self._tray.quit_requested.connect(self.request_quit)
            self._tray.settings_requested.connect(self.open_settings)
            self._tray.status_chosen.connect(self.choose_own_status)
            self._unsubscribe_own_status = self._supervisor.own_status.subscribe(
                self._on_own_status
            )
            self._refresh_summary()
            self._refresh_own_status()
            self._tray.show()
        else:
            _log.info("no system tray found; showing the contacts window instead")
            self.open_contacts()

    def show_notice(self, text: str) -> None:
        """Tell the user something that matters (storage trouble): in the contacts window, and
        as a tray message when there is a tray."""
        self._notices.append(text)
        if self._window is not None:
            self._window.add_notice(text)
        if self._tray is not None:
            self._tray.showMessage(APP_NAME, text, QSystemTrayIcon.MessageIcon.Warning)

    def open_contacts(self) -> None:
        """Show the contacts window (beside the tray icon when its place is known)."""
        window = self._ensure_window()
        anchor = self._tray.geometry() if self._tray is not None else None
        window.show_near(anchor)
        if self._linking is not None:
            # After the window is up: counting suggestions reads every identity.
            QTimer.singleShot(0, self._linking.recount_if_old)

    def use_linking(self, backend: LinkingBackend) -> None:
        """Suggested links, "Link with…" and unlinking for the contacts window (available
        once saved data has loaded)."""
        self._linking_backend = backend
        if self._window is not None:
            self._wire_linking(self._window)

    @property
    def linking(self) -> LinkingActions | None:
        """The contacts window's linking actions, once the window and the backend exist."""
        return self._linking

    def use_people(self, people: PeopleActions) -> None:
        """Favourites, notification requests and history for the contacts window (available
        once saved data has loaded)."""
        self._people = people
        if self._window is not None:
            self._window.set_people(people)

    def open_person(self, person_id: str) -> None:
        """Show the contacts window with a person's detail (a notification was clicked)."""
        self.open_contacts()
        window = self._ensure_window()
        if not window.open_person(person_id):
            from presence_tray.ui.person_detail import gone_text

            window.back_to_list_saying(gone_text(""))

    @property
    def settings_dialog(self) -> SettingsDialog | None:
        """The settings dialog, once it has been opened."""
        return self._settings

    def use_settings(self, backend: SettingsBackend) -> None:
        """Let Settings… open the dialog over ``backend`` (built once saved data has loaded);
        the tooltip says from now on when its do-not-disturb schedule holds notifications."""
        self._settings_backend = backend
        # Saved accounts with no running client report a refused sign-in only here.
        self._unsubscribe_saved_accounts = backend.subscribe_accounts(self._on_account_status)
        self._restore_window_size()
        if self._tray is not None:
            self._refresh_summary()
            self._held_timer.start()

    def use_local_api(self, controls: LocalApiControls) -> None:
        """Show the local API in Settings > General (it starts after the settings load)."""
        self._local_api = controls
        if self._settings is not None:
            self._settings.general.show_local_api(controls)

    def open_settings(self) -> None:
        """Show the settings dialog: one instance, brought to the front if already open."""
        if self._settings_backend is None:
            self.show_notice("Settings open once your saved data has loaded; try again shortly.")
            return
        if self._settings is None:
            # Imported on first open: the dialog's modules are not needed at start-up.
            from presence_tray.ui.settings.dialog import SettingsDialog

            self._settings = SettingsDialog(self._settings_backend)
            if self._local_api is not None:
                self._settings.general.show_local_api(self._local_api)
            drop_module_sources()
        self._settings.show()
        self._settings.raise_()
        self._settings.activateWindow()

    def bring_forward(self) -> None:
        """Show the contacts window on top and focused (another launch asked for it)."""
        window = self._ensure_window()
        if window.isMinimized():
            window.showNormal()
        self.open_contacts()
        window.raise_()
        window.activateWindow()

    def choose_own_status(self, choice: str) -> None:
        """Set my status to ``choice`` (an OwnStatusChoice value) on every account that can.

        Runs in the background; :attr:`own_status_applied` reports the results, and a tray
        message names the accounts that could not take it, and why.
        """
        task = asyncio.get_running_loop().create_task(
            self._apply_own_status(OwnStatusChoice(choice)), name=f"set my status: {choice}"
        )
        self._status_tasks.add(task)
        task.add_done_callback(self._status_tasks.discard)

    def toggle_contacts(self) -> None:
        """Hide the contacts window when it is shown, show it otherwise."""
        window = self._window
        if window is not None and window.isVisible() and not window.isMinimized():
            window.hide()
        else:
            self.open_contacts()

    def request_quit(self) -> None:
        """Ask the application to quit; :meth:`wait_for_quit` returns."""
        if not self._quitting:
            self._quitting = True
            self.quit_requested.emit()

    async def wait_for_quit(self) -> None:
        """Return once the user has chosen Quit."""
        if not self._quitting:
            await wait_for_signal(self.quit_requested)

    def close(self) -> None:
        """Hide everything and stop listening to the hub; the shell cannot start again."""
        for unsubscribe in (self._unsubscribe_accounts, self._unsubscribe_saved_accounts):
            if unsubscribe is not None:
                unsubscribe()
        self._unsubscribe_accounts = self._unsubscribe_saved_accounts = None
        if self._unsubscribe_own_status is not None:
            self._unsubscribe_own_status()
            self._unsubscribe_own_status = None
        for task in self._status_tasks:
            task.cancel()
        self._summary_timer.stop()
        self._held_timer.stop()
        self._own_status_timer.stop()
        if self._model is not None:
            self._model.close()
        if self._tray is not None:
            self._tray.hide()
        if self._window is not None:
            self._window.hide()
        if self._settings is not None:
            self._settings.done(0)  # applies what is still being typed
            self._settings.release()

    # -- internals -------------------------------------------------------------------------

    def _ensure_window(self) -> ContactsWindow:
        if self._window is None:
            if self._model is None:
                msg = "start() the shell before opening windows"
                raise RuntimeError(msg)
            from presence_tray.ui.contacts_window import ContactsWindow

            tray = self._tray is not None
            self._window = ContactsWindow(
                self._model,
                simulated_network=self._simulated_network,
                tray_available=tray,
                people=self._people,
            )
            self._window.quit_requested.connect(self.request_quit)
            self._window.settings_requested.connect(self.open_settings)
            self._window.size_chosen.connect(self._remember_window_size)
            self._window.visible_people_changed.connect(self.visible_people_changed)
            self._restore_window_size()
            for notice in self._notices:
                self._window.add_notice(notice)
            if not tray:
                # Without a tray the window is the app: closing it quits.
                self._window.closed.connect(self.request_quit)
            self._wire_linking(self._window)
            drop_module_sources()
        return self._window

    def _restore_window_size(self) -> None:
        backend = self._settings_backend
        if self._window is None or backend is None:
            return
        size = backend.preferences.contacts_window_size
        if size is not None:
            self._window.restore_size(*size)

    def _remember_window_size(self, width: int, height: int) -> None:
        backend = self._settings_backend
        if backend is None or backend.preferences.contacts_window_size == (width, height):
            return
        try:
            backend.set_preferences(
                replace(backend.preferences, contacts_window_size=(width, height))
            )
        except ValueError as err:  # a size no screen has: keep the old one
            _log.info("window size not remembered: %s", err)

    def _wire_linking(self, window: ContactsWindow) -> None:
        if self._linking_backend is None or self._linking is not None:
            return
        from presence_tray.ui.linking import LinkingActions

        self._linking = LinkingActions(self._linking_backend, window.linking_bar, window)
        window.link_requested.connect(self._linking.link_with)
        window.unlink_requested.connect(self._linking.unlink_identity)
        window.add_identity_requested.connect(self._linking.add_identity)
        window.remove_identity_requested.connect(self._linking.remove_identity)
        if self._model is not None:  # always: windows are built after start()
            # New people may be duplicates: count again once the accounts have listed them.
            self._model.rowsInserted.connect(self._linking.recount_soon)
        self._linking.refresh()

    def _schedule_summary(self, *_args: object) -> None:
        # A method, not the timer's own start(): signals with arguments would pick start(int).
        # Started only when idle, so a steady flow of changes still refreshes every 250 ms.
        if not self._summary_timer.isActive():
            self._summary_timer.start()

    def _on_account_status(self, status: AccountStatus) -> None:
        _log.debug("account %s is %s", status.account, status.health)
        self._schedule_summary()

    def _refresh_summary(self) -> None:
        if self._tray is None or self._model is None:
            return
        held = None
        backend = self._settings_backend
        if backend is not None:
            held = held_words(backend.schedule, backend.now())
        self._tray.set_summary(self._model.state_counts(), self._account_statuses(), held)

    def _account_statuses(self) -> list[AccountStatus]:
        """The running clients' statuses, plus every saved account whose sign-in the platform
        refused and that has no running client to say so (the tray marks both)."""
        statuses = list(self._supervisor.statuses())
        backend = self._settings_backend
        if backend is None:
            return statuses
        reported = {status.account for status in statuses}
        statuses.extend(
            AccountStatus(row.ref, AccountHealth.NEEDS_RECONNECT, row.state)
            for platform in Platform
            for row in backend.account_rows(platform)
            if row.needs_reconnect and row.ref not in reported
        )
        return statuses

    async def _apply_own_status(self, choice: OwnStatusChoice) -> None:
        results = await self._supervisor.choose_own_status(choice)
        problems = [result for result in results if result.problem]
        if problems and self._tray is not None:
            self._tray.showMessage(
                NOT_SET_EVERYWHERE,
                not_set_message(problems),
                QSystemTrayIcon.MessageIcon.Warning,
            )
        self.own_status_applied.emit(results)

    def _on_own_status(self, _status: OwnStatus | None) -> None:
        self._refresh_own_status()

    def _refresh_own_status(self) -> None:
        """Show my current status; while a timed DND runs, check again for its end."""
        if self._tray is None:
            return
        tracker = self._supervisor.own_status
        now = self._clock.now()
        self._tray.show_own_status(tracker.current(now), now=now)
        ends = tracker.expires_at(now)
        if ends is None:
            self._own_status_timer.stop()
            return
        wait_ms = min(self._own_status_check_ms, math.ceil((ends - now) * 1000))
        self._own_status_timer.start(max(wait_ms, 0))


def not_set_message(problems: list[OwnStatusResult]) -> str:
    """The accounts that did not take my status, one line each, saying why."""
    return "\n".join(result.message for result in problems)
