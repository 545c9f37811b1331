"""Accounts: every platform, what it can do, its state, and the simulated network."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from presence_tray.core.client import AccountHealth, PresenceMode
from presence_tray.ui.settings.widgets import MessageLine, apply_or_say, named

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.client import Capabilities
    from presence_tray.core.identity import Platform
    from presence_tray.core.supervisor import AccountStatus
    from presence_tray.ui.settings.backend import PlatformRow, SettingsBackend

SIGN_IN_NOT_BUILT: Final = (
    "Signing in to your own accounts arrives with account support, which is not built yet; "
    "until then Presence Tray shows the simulated network."
)
NETWORK_LIVE: Final = "Switching it applies at once."
NETWORK_NEXT_START: Final = "Takes effect at next start."
HEALTH_WORDS: Final = {
    AccountHealth.CONNECTING: "connecting",
    AccountHealth.LIVE: "connected",
    AccountHealth.DEGRADED: "working with limits",
    AccountHealth.RECONNECTING: "reconnecting",
    AccountHealth.NEEDS_RECONNECT: "needs reconnecting",
    AccountHealth.FAILED: "stopped working",
    AccountHealth.STOPPED: "stopped",
}
_PRESENCE_WORDS: Final = {
    PresenceMode.LIVE: "live",
    PresenceMode.LAST_INTERACTION: "last interaction only",
    PresenceMode.NONE: "no presence",
}


def capability_words(capabilities: Capabilities) -> str:
    """ "live · can set my status", "polled every 60 s", "no presence"."""
    if capabilities.presence is PresenceMode.POLLED:
        every = capabilities.poll_interval_seconds
        presence = "polled" if every is None else f"polled every {every:g} s"
    else:
        presence = _PRESENCE_WORDS[capabilities.presence]
    if capabilities.can_set_own_status:
        return f"{presence} · can set my status"
    return presence


def state_words(status: AccountStatus | None) -> str:
    """ "connected", "reconnecting: connection closed", or "not connected"."""
    if status is None:
        return "not connected"
    words = HEALTH_WORDS[status.health]
    return f"{words}: {status.message}" if status.message else words


def button_words(status: AccountStatus | None, row: PlatformRow) -> str:
    """The account button's label for its state."""
    if row.account is None:
        return "Connect"
    if status is not None and status.health is AccountHealth.NEEDS_RECONNECT:
        return "Reconnect"
    return "Disconnect"


class AccountsTab(QWidget):
    """One row per platform; the simulated network's switch below."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Show every platform from ``backend`` and follow account status changes."""
        super().__init__(parent)
        self._backend = backend
        self._rows = list(backend.platforms())
        layout = QVBoxLayout(self)
        intro = QLabel(SIGN_IN_NOT_BUILT, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for column, title in enumerate(("Platform", "Account", "What it can do", "State")):
            header = QLabel(f"<b>{title}</b>", self)
            grid.addWidget(header, 0, column)
        self.state_labels: dict[Platform, QLabel] = {}
        self.buttons: dict[Platform, QPushButton] = {}
        for index, row in enumerate(self._rows, start=1):
            name = row.platform.display_name
            grid.addWidget(QLabel(name, self), index, 0)
            grid.addWidget(QLabel(row.label, self), index, 1)
            can = QLabel(capability_words(row.capabilities), self)
            can.setToolTip(row.capabilities.limitation or "")
            can.setAccessibleName(f"What {name} can do")
            grid.addWidget(can, index, 2)
            state = named(QLabel(self), f"{name} state")
            state.setTextFormat(Qt.TextFormat.PlainText)  # a platform's message, not markup
            state.setWordWrap(True)
            self.state_labels[row.platform] = state
            grid.addWidget(state, index, 3)
            button = QPushButton(self)
            button.setEnabled(False)  # sign-in flows come with account support
            button.setToolTip(SIGN_IN_NOT_BUILT)
            self.buttons[row.platform] = button
            grid.addWidget(button, index, 4)
        layout.addLayout(grid)

        self.simulated_network = named(
            QCheckBox("Run the simulated network", self), "Run the simulated network"
        )
        self.simulated_network.setChecked(backend.preferences.simulated_network)
        self.simulated_network.toggled.connect(self._on_simulated_network)
        network_note = (
            NETWORK_LIVE if backend.simulated_network_applies_live else NETWORK_NEXT_START
        )
        self.network_note = QLabel(network_note, self)
        self.network_problem = MessageLine("Simulated network problem", self)
        layout.addWidget(self.simulated_network)
        layout.addWidget(self.network_note)
        layout.addWidget(self.network_problem)
        layout.addStretch(1)

        # Status changes can come in bursts (every client at start-up): repaint once.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self._unsubscribe: Callable[[], None] | None = backend.subscribe_accounts(self._on_status)
        self.refresh()

    def refresh(self) -> None:
        """Show every account's current state and button."""
        for row in self._rows:
            status = None if row.account is None else self._backend.account_status(row.account)
            self.state_labels[row.platform].setText(state_words(status))
            button = self.buttons[row.platform]
            words = button_words(status, row)
            button.setText(words)
            button.setAccessibleName(f"{words} {row.platform.display_name} (not available yet)")

    def close_subscriptions(self) -> None:
        """Stop following account status changes (the dialog is going away)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_status(self, _status: AccountStatus) -> None:
        self._refresh_timer.start()

    def _on_simulated_network(self, checked: bool) -> None:
        backend = self._backend
        apply_or_say(
            lambda: backend.set_preferences(
                replace(backend.preferences, simulated_network=checked)
            ),
            self.network_problem,
        )
