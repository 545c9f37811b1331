""" "Receive WhatsApp messages": WhatsApp's place in the Accounts tab.

WhatsApp has nothing to sign in to for presence: it shares none. What the app can do is note
when someone last messaged the user's WhatsApp Business number, from the webhooks Meta sends
to the local API through a tunnel the user runs. This panel says so, shows the callback path,
and keeps the verify token and app secret in the keyring (never shown back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from presence_tray.ui.settings.widgets import MessageLine, named

if TYPE_CHECKING:
    from presence_tray.ui.settings.backend import SettingsBackend

TITLE: Final = "Receive WhatsApp messages"
CALLBACK_PATH: Final = "/webhooks/whatsapp"
EXPLANATION: Final = (
    "WhatsApp does not share presence with apps, so no one shows as online here. Presence "
    "Tray can instead note when someone last messaged your WhatsApp Business number "
    "(“messaged you 5 min ago”). Meta sends each message to a webhook: forward the local "
    "API's address with a tunnel of your choice, then in your Meta app (WhatsApp, "
    "Configuration) enter the tunnel's https address followed by the callback path as the "
    "Callback URL, the verify token you choose below, and subscribe to the messages field. "
    "The App Secret (App settings, Basic) lets Presence Tray check that each message comes "
    "from Meta."
)
LOCAL_API_OFF: Final = (
    "The local API is off, so Meta's messages cannot reach Presence Tray yet. Turn the local "
    "API on, then forward its address with your tunnel."
)
NOT_RECEIVING: Final = "Not receiving WhatsApp messages: not set up."
"""What the section's list of accounts says while no webhook is saved."""
SAVED: Final = "A verify token and an App Secret are saved in the keyring."
NOT_SAVED: Final = "Not set up: enter a verify token and your Meta app's App Secret, then Save."
NEVER_SHOWN: Final = (
    "Once saved, the verify token and App Secret are kept in the keyring and never shown here; "
    "Save replaces them, Remove forgets them."
)
SAVING: Final = "Saving in the keyring…"
REMOVING: Final = "Removing from the keyring…"
SAVED_PLACEHOLDER: Final = "saved — type a new one to replace it"


def callback_words(address: str | None) -> str:
    """Where Meta's messages go, or why they cannot arrive yet."""
    if address is None:
        return LOCAL_API_OFF
    return (
        f"Callback path: {CALLBACK_PATH} on the local API at {address.rstrip('/')}; forward "
        "that address with your tunnel."
    )


class WhatsAppSetup(QWidget):
    """The webhook's explanation, callback path, verify token and app secret, Save and Remove."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Build the panel and ask the keyring whether the secrets are saved."""
        super().__init__(parent)
        self._backend = backend
        self._closed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.title = named(QLabel(TITLE, self), TITLE)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        layout.addWidget(self.title)
        self.explanation = named(_wrapped(EXPLANATION, self), "About receiving WhatsApp messages")
        layout.addWidget(self.explanation)
        self.callback = named(
            _wrapped(callback_words(backend.local_api_address()), self), "WhatsApp callback"
        )
        self.callback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.callback)

        form = QFormLayout()
        self.verify_token = _secret_field("Verify token", self)
        self.app_secret = _secret_field("App Secret", self)
        form.addRow("&Verify token", self.verify_token)
        form.addRow("App &Secret", self.app_secret)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.save_button = named(QPushButton("Save", self), "Save the WhatsApp webhook secrets")
        self.remove_button = named(
            QPushButton("Remove", self), "Remove the WhatsApp webhook secrets"
        )
        self.save_button.clicked.connect(self._save)
        self.remove_button.clicked.connect(self._remove)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.state = MessageLine("WhatsApp webhook state", self)
        layout.addWidget(self.state)
        self.message = MessageLine("WhatsApp webhook message", self)
        layout.addWidget(self.message)

        # Not read from the keyring here: opening the settings must not prompt to unlock it.
        self._show_state(backend.whatsapp_webhook_saved())

    def release(self) -> None:
        """Ignore answers that arrive after the dialog went away."""
        self._closed = True

    def _save(self) -> None:
        try:
            self._backend.start_whatsapp_webhook_save(
                self.verify_token.text(), self.app_secret.text(), on_done=self._on_saved
            )
        except ValueError as err:
            self.message.say(str(err))
            return
        self._busy(SAVING)

    def _remove(self) -> None:
        self._busy(REMOVING)
        self._backend.start_whatsapp_webhook_removal(on_done=self._on_saved)

    def _on_saved(self, saved: bool, sentence: str) -> None:
        if self._closed:
            return
        self.message.say(sentence)
        self._show_state(saved)
        if saved:
            self.verify_token.clear()
            self.app_secret.clear()

    def _show_state(self, saved: bool | None) -> None:
        if self._closed:
            return
        self.state.say(NEVER_SHOWN if saved is None else SAVED if saved else NOT_SAVED)
        placeholder = SAVED_PLACEHOLDER if saved else ""
        self.verify_token.setPlaceholderText(placeholder)
        self.app_secret.setPlaceholderText(placeholder)
        for control in (self.verify_token, self.app_secret, self.save_button):
            control.setEnabled(True)
        self.remove_button.setEnabled(saved is not False)

    def _busy(self, sentence: str) -> None:
        self.state.say(sentence)
        self.message.say(None)
        for control in (self.verify_token, self.app_secret, self.save_button, self.remove_button):
            control.setEnabled(False)


def _wrapped(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _secret_field(name: str, parent: QWidget) -> QLineEdit:
    """A field that shows dots and lets nothing be copied out of it."""
    field = named(QLineEdit(parent), name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field
