"""The tray icon: the app icon with my badge, a tooltip of counts and problems, and a menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from presence_tray.ui import APP_NAME
from presence_tray.ui.badges import Badge, app_icon
from presence_tray.ui.contacts_model import counts_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

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


def tray_tooltip(counts: Mapping[PresenceState, int], statuses: Iterable[AccountStatus]) -> str:
    """ "Presence Tray — 5 available · 3 busy · 12 offline", then one line per account problem."""
    lines = [f"{APP_NAME} — {counts_line(counts)}", *account_problems(statuses)]
    return "\n".join(lines)


class PresenceTrayIcon(QSystemTrayIcon):
    """The tray icon; it only reports what the user asked for, the shell acts on it."""

    toggle_requested = Signal()
    """Left click: show or hide the contacts window."""
    open_requested = Signal()
    """"Open contacts" in the menu."""
    quit_requested = Signal()
    """"Quit" in the menu."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Create the icon with a neutral badge and its context menu (not shown yet)."""
        super().__init__(parent)
        self._badge: Badge = NEUTRAL_BADGE
        self._warning = False
        # A QMenu cannot have a QObject parent; the icon keeps it alive.
        self._menu = QMenu()
        self._menu.setAccessibleName(f"{APP_NAME} menu")
        open_action = self._menu.addAction("Open contacts")
        open_action.triggered.connect(self.open_requested)
        self._menu.addSeparator()
        quit_action = self._menu.addAction("Quit")
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
        self, counts: Mapping[PresenceState, int], statuses: Iterable[AccountStatus]
    ) -> None:
        """Update the tooltip and the warning mark from the counts and account statuses."""
        statuses = list(statuses)
        self.setToolTip(tray_tooltip(counts, statuses))
        warning = needs_attention(statuses)
        if warning != self._warning:
            self._warning = warning
            self._update_icon()

    def _update_icon(self) -> None:
        self.setIcon(app_icon(self._badge, warning=self._warning))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # Double clicks also deliver a Trigger first; reacting to both would toggle twice.
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_requested.emit()
