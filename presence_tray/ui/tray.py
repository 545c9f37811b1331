"""The tray icon: the app icon with my badge, a tooltip of counts and problems, and a menu."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QDate, QLocale, QObject, QTime, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from presence_tray.core.client import AccountHealth
from presence_tray.core.own_status import CHOICE_WORDS, OwnStatusChoice
from presence_tray.core.presence import PresenceState
from presence_tray.ui import APP_NAME
from presence_tray.ui.badges import Badge, app_icon
from presence_tray.ui.contacts_model import counts_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from presence_tray.core.client import OwnStatus
    from presence_tray.core.dnd import DndSchedule
    from presence_tray.core.supervisor import AccountStatus

NEUTRAL_BADGE = Badge(PresenceState.UNKNOWN)
"""My badge while my own status is not known."""

_PROBLEM_WORDS = {
    AccountHealth.RECONNECTING: "reconnecting",
    AccountHealth.DEGRADED: "working with limits",
    AccountHealth.NEEDS_RECONNECT: "needs reconnecting",
    AccountHealth.FAILED: "stopped working",
}
_WARNING_HEALTH = frozenset({AccountHealth.NEEDS_RECONNECT, AccountHealth.FAILED})

SET_STATUS_MENU: Final = "Set my status"
DND_MENU: Final = "Do not disturb"
DND_SWITCH: Final = "Do not disturb"
OPEN_CONTACTS: Final = "Open contacts"
SETTINGS: Final = "Settings…"
QUIT: Final = "Quit"
_PLAIN_CHOICES: Final = {
    OwnStatusChoice.AVAILABLE: PresenceState.ONLINE,
    OwnStatusChoice.BUSY: PresenceState.BUSY,
    OwnStatusChoice.AWAY: PresenceState.AWAY,
    OwnStatusChoice.APPEAR_OFFLINE: PresenceState.OFFLINE,
}
_TIMED_DND: Final = (
    OwnStatusChoice.DND_30_MIN,
    OwnStatusChoice.DND_1_HOUR,
    OwnStatusChoice.DND_UNTIL_TOMORROW,
)


def account_problems(statuses: Iterable[AccountStatus]) -> list[str]:
    """Short sentences for accounts that are not working normally: "Zoom reconnecting"."""
    return [
        f"{status.account.platform.display_name} {_PROBLEM_WORDS[status.health]}"
        for status in statuses
        if status.health in _PROBLEM_WORDS
    ]


def needs_attention(statuses: Iterable[AccountStatus]) -> bool:
    """Whether some account needs the user (reconnect) or has stopped for good."""
    return any(status.health in _WARNING_HEALTH for status in statuses)


def tray_tooltip(
    counts: Mapping[PresenceState, int],
    statuses: Iterable[AccountStatus],
    own: str | None = None,
    held: str | None = None,
) -> str:
    """ "Presence Tray — 5 available · 3 busy · DND until 15:00", then one line per account
    problem (``own``: my own status's words, when worth saying; ``held``: that the
    do-not-disturb schedule is holding notifications)."""
    head = " · ".join(part for part in (f"{APP_NAME} — {counts_line(counts)}", own, held) if part)
    return "\n".join([head, *account_problems(statuses)])


def until_words(until: float, now: float, locale: QLocale | None = None) -> str:
    """When something ends, in the local time zone and the locale's clock: "15:00" or
    "3:00 PM"; "tomorrow 08:00"; a short date before the time when further away."""
    locale = locale or QLocale()
    end = datetime.fromtimestamp(until)  # noqa: DTZ006 - the user's local time is the point
    today = datetime.fromtimestamp(now).date()  # noqa: DTZ006 - as above
    clock = locale.toString(QTime(end.hour, end.minute), QLocale.FormatType.ShortFormat)
    if end.date() == today:
        return clock
    if end.date() == today + timedelta(days=1):
        return f"tomorrow {clock}"
    day = QDate(end.year, end.month, end.day)
    return f"{locale.toString(day, QLocale.FormatType.ShortFormat)} {clock}"


def own_status_words(
    status: OwnStatus | None, now: float, locale: QLocale | None = None
) -> str | None:
    """ "DND until 15:00" or "Do not disturb" while DND is on; None otherwise."""
    if status is None or not status.dnd:
        return None
    if status.until is None:
        return "Do not disturb"
    return f"DND until {until_words(status.until, now, locale)}"


def held_words(schedule: DndSchedule, now: float, locale: QLocale | None = None) -> str | None:
    """ "notifications held until 08:00" while the do-not-disturb schedule (a weekly rule, a
    snooze or vacation) is on; None when it is off."""
    if not schedule.active_at(now):
        return None
    ends = schedule.ends_at(now)
    if ends is None:
        return "notifications held (do not disturb)"
    return f"notifications held until {until_words(ends, now, locale)}"


class PresenceTrayIcon(QSystemTrayIcon):
    """The tray icon; it only reports what the user asked for, the shell acts on it."""

    toggle_requested = Signal()
    """Left click: show or hide the contacts window."""
    open_requested = Signal()
    """"Open contacts" in the menu."""
    settings_requested = Signal()
    """"Settings…" in the menu."""
    quit_requested = Signal()
    """"Quit" in the menu."""
    status_chosen = Signal(str)
    """An :class:`~presence_tray.core.own_status.OwnStatusChoice` value from the menu."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Create the icon with a neutral badge and its context menu (not shown yet)."""
        super().__init__(parent)
        self._badge: Badge = NEUTRAL_BADGE
        self._warning = False
        self._tooltip_parts: tuple[Mapping[PresenceState, int], list[AccountStatus]] | None = None
        self._own_words: str | None = None
        self._held_words: str | None = None
        self._choice_actions: dict[OwnStatusChoice, QAction] = {}
        # A QMenu cannot have a QObject parent; the icon keeps it alive.
        self._menu = QMenu()
        self._menu.setAccessibleName(f"{APP_NAME} menu")
        self._status_menu = self._build_status_menu()
        self._dnd_switch = self._menu.addAction(DND_SWITCH)
        self._dnd_switch.setCheckable(True)
        self._dnd_switch.triggered.connect(self._on_dnd_switch)
        self._menu.addSeparator()
        open_action = self._menu.addAction(OPEN_CONTACTS)
        open_action.triggered.connect(self.open_requested)
        settings_action = self._menu.addAction(SETTINGS)
        settings_action.triggered.connect(self.settings_requested)
        self._menu.addSeparator()
        quit_action = self._menu.addAction(QUIT)
        quit_action.triggered.connect(self.quit_requested)
        self.setContextMenu(self._menu)
        self.activated.connect(self._on_activated)
        self.setToolTip(APP_NAME)
        self._update_icon()

    @property
    def menu(self) -> QMenu:
        """The context menu."""
        return self._menu

    @property
    def status_menu(self) -> QMenu:
        """The "Set my status" submenu."""
        return self._status_menu

    @property
    def dnd_switch(self) -> QAction:
        """The checkable "Do not disturb" item."""
        return self._dnd_switch

    def choice_action(self, choice: OwnStatusChoice) -> QAction:
        """The menu item for ``choice`` (the DND switch for :attr:`OwnStatusChoice.DND`)."""
        if choice is OwnStatusChoice.DND:
            return self._dnd_switch
        return self._choice_actions[choice]

    def show_own_status(self, status: OwnStatus | None, *, now: float) -> None:
        """Show my status: the badge, the menu's check marks, "DND until 15:00" in the tooltip."""
        if status is None:
            self.set_own_state(None)
        else:
            self.set_own_state(status.state, dnd=status.dnd)
        dnd = status is not None and status.dnd
        self._dnd_switch.setChecked(dnd)
        for choice, state in _PLAIN_CHOICES.items():
            checked = status is not None and not dnd and status.state is state
            self._choice_actions[choice].setChecked(checked)
        words = own_status_words(status, now)
        if words != self._own_words:
            self._own_words = words
            self._update_tooltip()

    @property
    def badge(self) -> Badge:
        """My badge as shown (the warning mark may cover it)."""
        return self._badge

    @property
    def warning(self) -> bool:
        """Whether the warning mark replaces my badge."""
        return self._warning

    def set_own_state(
        self, state: PresenceState | None, *, dnd: bool = False, out_of_office: bool = False
    ) -> None:
        """Show my own status in the icon's badge (None: not known, a neutral badge)."""
        badge = (
            NEUTRAL_BADGE if state is None else Badge(state, dnd=dnd, out_of_office=out_of_office)
        )
        if badge != self._badge:
            self._badge = badge
            self._update_icon()

    def set_summary(
        self,
        counts: Mapping[PresenceState, int],
        statuses: Iterable[AccountStatus],
        held: str | None = None,
    ) -> None:
        """Update the tooltip and the warning mark from the counts and account statuses
        (``held``: that the do-not-disturb schedule holds notifications, see
        :func:`held_words`)."""
        statuses = list(statuses)
        self._tooltip_parts = (counts, statuses)
        self._held_words = held
        self._update_tooltip()
        warning = needs_attention(statuses)
        if warning != self._warning:
            self._warning = warning
            self._update_icon()

    def _build_status_menu(self) -> QMenu:
        menu = self._menu.addMenu(SET_STATUS_MENU)
        # Radio marks for the plain states; none is checked while DND is on (its switch is).
        group = QActionGroup(menu)
        group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for choice in (OwnStatusChoice.AVAILABLE, OwnStatusChoice.BUSY):
            self._add_choice(menu, choice, group)
        dnd_menu = menu.addMenu(DND_MENU)
        for choice in _TIMED_DND:
            self._add_choice(dnd_menu, choice, None)
        for choice in (OwnStatusChoice.AWAY, OwnStatusChoice.APPEAR_OFFLINE):
            self._add_choice(menu, choice, group)
        return menu

    def _add_choice(self, menu: QMenu, choice: OwnStatusChoice, group: QActionGroup | None) -> None:
        action = menu.addAction(CHOICE_WORDS[choice])
        if group is not None:
            action.setCheckable(True)
            group.addAction(action)
        action.triggered.connect(lambda: self.status_chosen.emit(choice.value))
        self._choice_actions[choice] = action

    def _on_dnd_switch(self, checked: bool) -> None:
        choice = OwnStatusChoice.DND if checked else OwnStatusChoice.AVAILABLE
        self.status_chosen.emit(choice.value)

    def _update_tooltip(self) -> None:
        if self._tooltip_parts is None:
            self.setToolTip(f"{APP_NAME} · {self._own_words}" if self._own_words else APP_NAME)
            return
        counts, statuses = self._tooltip_parts
        self.setToolTip(tray_tooltip(counts, statuses, self._own_words, self._held_words))

    def _update_icon(self) -> None:
        self.setIcon(app_icon(self._badge, warning=self._warning))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # Double clicks also deliver a Trigger first; reacting to both would toggle twice.
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_requested.emit()
