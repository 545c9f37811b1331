"""Accounts: every platform, what it can do, its accounts, Connect / Reconnect / Disconnect,
and the simulated network's switch."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.identity import Platform
from presence_tray.ui.settings.connect_dialog import ConnectDialog
from presence_tray.ui.settings.platform_section import PlatformSection
from presence_tray.ui.settings.whatsapp_setup import NOT_RECEIVING, WhatsAppSetup
from presence_tray.ui.settings.widgets import MessageLine, apply_or_say, named

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.identity import AccountRef
    from presence_tray.core.supervisor import AccountStatus
    from presence_tray.ui.settings.backend import AccountRow, SettingsBackend

NETWORK_LIVE: Final = "Switching it applies at once."
NETWORK_NOT_SHOWN: Final = (
    "Your connected accounts show instead; to try the simulated network, start Presence Tray "
    "with --simulated."
)


def sign_out_question(row: AccountRow) -> str:
    """The confirmation Disconnect asks for."""
    return (
        f"Sign out of {row.label} on {row.ref.platform.display_name}? "
        "Presence Tray will forget its tokens."
    )


class AccountsTab(QWidget):
    """One section per platform with its accounts; the simulated network's switch below."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Show every platform from ``backend`` and follow account changes."""
        super().__init__(parent)
        self._backend = backend
        layout = QVBoxLayout(self)
        self.sign_in_note = MessageLine("Sign-in server", self)
        self.sign_in_note.say(backend.sign_in_server_note())
        layout.addWidget(self.sign_in_note)
        self.message = MessageLine("Accounts message", self)
        layout.addWidget(self.message)

        sections = QWidget(self)
        sections_layout = QVBoxLayout(sections)
        self.sections: dict[Platform, PlatformSection] = {}
        for row in backend.platforms():
            section = PlatformSection(
                row.platform,
                row.capabilities,
                on_connect=self._connect,
                on_reconnect=self._reconnect,
                on_disconnect=self._confirm_disconnect,
                parent=sections,
            )
            self.sections[row.platform] = section
            sections_layout.addWidget(section)
        self.whatsapp_setup: WhatsAppSetup | None = None
        if Platform.WHATSAPP in self.sections:
            self.whatsapp_setup = WhatsAppSetup(backend)
            self.sections[Platform.WHATSAPP].replace_connect(
                self.whatsapp_setup, not_set_up=NOT_RECEIVING
            )
        sections_layout.addStretch(1)
        scroll = named(QScrollArea(self), "Platforms and accounts")
        scroll.setWidgetResizable(True)
        scroll.setWidget(sections)
        layout.addWidget(scroll, 1)

        self.simulated_network = named(
            QCheckBox("Run the simulated network", self), "Run the simulated network"
        )
        self.simulated_network.setChecked(backend.preferences.simulated_network)
        self.simulated_network.toggled.connect(self._on_simulated_network)
        # Switchable while it shows; with connected accounts it does not run at all.
        applies = backend.simulated_network_applies_live
        self.simulated_network.setEnabled(applies)
        self.network_note = QLabel(NETWORK_LIVE if applies else NETWORK_NOT_SHOWN, self)
        self.network_note.setWordWrap(True)
        self.network_problem = MessageLine("Simulated network problem", self)
        layout.addWidget(self.simulated_network)
        layout.addWidget(self.network_note)
        layout.addWidget(self.network_problem)

        self._closed = False  # a sign-out ending after the dialog went away touches nothing
        self.connect_dialog: ConnectDialog | None = None
        self.confirmation: QMessageBox | None = None
        # Changes can come in bursts (every client at start-up): repaint once.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self._unsubscribe: Callable[[], None] | None = backend.subscribe_accounts(self._on_status)
        self.refresh()

    def refresh(self) -> None:
        """Show every platform's accounts and whether it can be connected, as they are now."""
        backend = self._backend
        for platform, section in self.sections.items():
            connectable = bool(backend.connect_methods(platform))
            section.offer_connect(
                None if connectable else backend.connect_unavailable_reason(platform)
            )
            section.show_accounts(backend.account_rows(platform))

    def close_subscriptions(self) -> None:
        """Stop following account changes, and stop a connect still running (going away)."""
        self._closed = True
        if self.whatsapp_setup is not None:
            self.whatsapp_setup.release()
        if self.connect_dialog is not None:
            self.connect_dialog.done(0)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_status(self, _status: AccountStatus) -> None:
        self._refresh_timer.start()

    def _connect(self, platform: Platform) -> None:
        self._open_connect(platform, None)

    def _reconnect(self, row: AccountRow) -> None:
        self._open_connect(row.ref.platform, row)

    def _open_connect(self, platform: Platform, replacing: AccountRow | None) -> None:
        account = None if replacing is None else replacing.ref
        methods = self._backend.connect_methods(platform, account=account)
        if not methods:
            self.message.say(self._backend.connect_unavailable_reason(platform))
            return
        dialog = ConnectDialog(
            self._backend,
            platform,
            methods,
            replacing=account,
            replacing_label="" if replacing is None else replacing.label,
            parent=self,
        )
        dialog.connected.connect(self._on_connected)
        dialog.finished.connect(lambda _result: self._forget_connect_dialog(dialog))
        self.connect_dialog = dialog
        self.message.say(None)
        dialog.open()

    def _forget_connect_dialog(self, dialog: ConnectDialog) -> None:
        if self.connect_dialog is dialog:
            self.connect_dialog = None
        dialog.deleteLater()

    def _on_connected(self, sentence: str) -> None:
        self.message.say(sentence)
        self.refresh()

    def _confirm_disconnect(self, row: AccountRow) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Disconnect",
            sign_out_question(row),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setAccessibleName("Confirm disconnect")
        sign_out: QPushButton = box.addButton("&Disconnect", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.finished.connect(
            lambda _result: self._on_confirmation(
                box, row, signed_out=box.clickedButton() is sign_out
            )
        )
        self.confirmation = box
        box.open()

    def _on_confirmation(self, box: QMessageBox, row: AccountRow, *, signed_out: bool) -> None:
        if self.confirmation is box:
            self.confirmation = None
        box.deleteLater()
        if not signed_out:
            return
        self._mark_signing_out(row.ref, signing_out=True)
        self._backend.start_disconnect(
            row.ref, on_done=lambda sentence: self._on_disconnected(row.ref, sentence)
        )

    def _mark_signing_out(self, account: AccountRef, *, signing_out: bool) -> None:
        line = self.sections[account.platform].lines.get(account)
        if line is not None:
            line.mark_signing_out(signing_out=signing_out)

    def _on_disconnected(self, account: AccountRef, sentence: str) -> None:
        if self._closed:
            return
        self._mark_signing_out(account, signing_out=False)  # if it could not be forgotten
        self.message.say(sentence)
        self.refresh()

    def _on_simulated_network(self, checked: bool) -> None:
        backend = self._backend
        apply_or_say(
            lambda: backend.set_preferences(
                replace(backend.preferences, simulated_network=checked)
            ),
            self.network_problem,
        )
