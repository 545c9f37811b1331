"""One platform in the Accounts tab: what it can do, its Connect button, and its accounts.

Accounts are kept as widgets per account and updated in place when something changes, so a
status change does not take the keyboard focus away from the button the user is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from presence_tray.core.client import PresenceMode
from presence_tray.ui.settings.widgets import named

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from presence_tray.core.client import Capabilities
    from presence_tray.core.identity import AccountRef, Platform
    from presence_tray.ui.settings.backend import AccountRow

NO_ACCOUNT: Final = "No account connected."
SIGNING_OUT: Final = "signing out…"
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


class AccountLine(QWidget):
    """One saved account: who, its state, and Reconnect / Disconnect (none when simulated, or
    when the account is set up in its platform's own panel)."""

    def __init__(
        self,
        row: AccountRow,
        on_reconnect: Callable[[AccountRow], None],
        on_disconnect: Callable[[AccountRow], None],
        parent: QWidget | None = None,
        *,
        set_up_in_panel: bool = False,
    ) -> None:
        """Show ``row``; the buttons call back with the row shown at the time."""
        super().__init__(parent)
        self.row = row
        self.set_up_in_panel = set_up_in_panel
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # who signed in, not markup
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.PlainText)  # a platform's message, not markup
        self.state.setWordWrap(True)
        self.reconnect_button = QPushButton("Reconnect…", self)
        self.disconnect_button = QPushButton("Disconnect…", self)
        self.reconnect_button.clicked.connect(lambda: on_reconnect(self.row))
        self.disconnect_button.clicked.connect(lambda: on_disconnect(self.row))
        layout.addWidget(self.label)
        layout.addWidget(self.state, 1)
        layout.addWidget(self.reconnect_button)
        layout.addWidget(self.disconnect_button)
        self.signing_out = False
        self.show_row(row)

    def show_row(self, row: AccountRow) -> None:
        """Show ``row``'s current label, state and buttons."""
        self.row = row
        platform = row.ref.platform.display_name
        state = SIGNING_OUT if self.signing_out else row.state
        self.label.setText(row.label)
        self.label.setAccessibleName(f"{platform} account: {row.label}")
        self.state.setText(state)
        self.state.setAccessibleName(f"State of {row.label}: {state}")
        own_buttons = not (row.simulated or self.set_up_in_panel)
        self.reconnect_button.setVisible(row.needs_reconnect and own_buttons)
        self.reconnect_button.setAccessibleName(f"Reconnect {platform} account {row.label}")
        self.disconnect_button.setVisible(own_buttons)
        self.disconnect_button.setAccessibleName(f"Disconnect {platform} account {row.label}")
        self.reconnect_button.setEnabled(not self.signing_out)
        self.disconnect_button.setEnabled(not self.signing_out)

    def mark_signing_out(self, *, signing_out: bool) -> None:
        """Say the account is being signed out, its buttons off (or back, when it is done)."""
        self.signing_out = signing_out
        self.show_row(self.row)


class PlatformSection(QGroupBox):
    """A platform's capabilities, Connect… / Add account… button and its accounts."""

    def __init__(
        self,
        platform: Platform,
        capabilities: Capabilities,
        *,
        on_connect: Callable[[Platform], None],
        on_reconnect: Callable[[AccountRow], None],
        on_disconnect: Callable[[AccountRow], None],
        parent: QWidget | None = None,
    ) -> None:
        """An empty section; :meth:`show_accounts` fills it."""
        super().__init__(platform.display_name, parent)
        self.platform = platform
        self._on_reconnect = on_reconnect
        self._on_disconnect = on_disconnect
        name = platform.display_name
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.capabilities = named(
            QLabel(capability_words(capabilities), self), f"What {name} can do"
        )
        self.capabilities.setToolTip(capabilities.limitation or "")
        self.connect_button = QPushButton("Connect…", self)
        self.connect_button.clicked.connect(lambda: on_connect(platform))
        top.addWidget(self.capabilities, 1)
        top.addWidget(self.connect_button)
        layout.addLayout(top)
        self.no_account = named(QLabel(NO_ACCOUNT, self), f"{name}: no account")
        layout.addWidget(self.no_account)
        self._accounts_layout = QVBoxLayout()
        layout.addLayout(self._accounts_layout)
        self.lines: dict[AccountRef, AccountLine] = {}
        self._set_up_in_panel = False

    def replace_connect(self, panel: QWidget, *, not_set_up: str) -> None:
        """Show ``panel`` in place of Connect… (a platform set up otherwise: WhatsApp). Its
        account is added and removed there, so its line has no buttons, and ``not_set_up``
        says what shows while there is none."""
        self.connect_button.hide()
        self._set_up_in_panel = True
        self.no_account.setText(not_set_up)
        self.no_account.setAccessibleName(f"{self.platform.display_name}: {not_set_up}")
        layout = self.layout()
        if layout is not None:
            layout.addWidget(panel)

    def offer_connect(self, unavailable_reason: str | None) -> None:
        """Enable Connect…, or disable it with ``unavailable_reason`` as its explanation."""
        button = self.connect_button
        button.setEnabled(unavailable_reason is None)
        button.setToolTip(unavailable_reason or "")
        button.setAccessibleDescription(unavailable_reason or "")

    def show_accounts(self, rows: Sequence[AccountRow]) -> None:
        """Show exactly ``rows``, in order: new lines added, gone ones removed, others updated."""
        wanted = {row.ref for row in rows}
        for ref in [ref for ref in self.lines if ref not in wanted]:
            line = self.lines.pop(ref)
            self._accounts_layout.removeWidget(line)
            line.deleteLater()
        for row in rows:
            shown = self.lines.get(row.ref)
            if shown is None:
                shown = AccountLine(
                    row,
                    self._on_reconnect,
                    self._on_disconnect,
                    self,
                    set_up_in_panel=self._set_up_in_panel,
                )
                self.lines[row.ref] = shown
            else:
                shown.show_row(row)
                self._accounts_layout.removeWidget(shown)
            self._accounts_layout.addWidget(shown)  # in the backend's order
        self.no_account.setVisible(not rows)
        name = self.platform.display_name
        adds = any(not row.simulated for row in rows)
        self.connect_button.setText("Add account…" if adds else "Connect…")
        self.connect_button.setAccessibleName(
            f"Add another {name} account" if adds else f"Connect a {name} account"
        )
