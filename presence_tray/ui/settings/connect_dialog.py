"""Connect (or reconnect) one account: pick a way, follow its guide, fill in, wait, done.

The dialog never decides whether values are good: ``start_connect`` raises a ValueError
sentence at once for bad ones (shown inline), or runs and reports progress and one outcome.
Success closes the dialog (``connected`` carries the sentence); failure keeps it open with the
sentence and the typed values, secrets cleared.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from presence_tray.ui.settings.widgets import MessageLine, named

if TYPE_CHECKING:
    from collections.abc import Sequence

    from presence_tray.core.identity import AccountRef, Platform
    from presence_tray.ui.settings.backend import (
        ConnectAttempt,
        ConnectField,
        ConnectMethod,
        ConnectOutcome,
        SettingsBackend,
    )

WAITING_FOR_BROWSER: Final = "Waiting for you in the browser…"
CONNECTING: Final = "Connecting…"
GUIDE_WIDTH_CHARACTERS: Final = 90
"""The dialog is at least this many average characters wide, so a guide's steps read well."""
_URL: Final = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def guide_html(guide: str) -> str:
    """``guide`` (plain text) as rich text: escaped, line breaks kept, web addresses as links."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(guide):
        parts.append(html.escape(guide[position : match.start()]))
        url = html.escape(match.group(0))
        parts.append(f'<a href="{url}">{url}</a>')
        position = match.end()
    parts.append(html.escape(guide[position:]))
    return "".join(parts).replace("\n", "<br>")


def field_words(field: ConnectField) -> str:
    """A field's label on screen: "Tenant (optional)" when it may be left empty."""
    return field.label if field.required else f"{field.label} (optional)"


class MethodForm(QWidget):
    """One way of connecting: its guide and its fields."""

    def __init__(self, method: ConnectMethod, parent: QWidget | None = None) -> None:
        """Show ``method``'s guide and one line edit per field, prefilled with its default."""
        super().__init__(parent)
        self.method = method
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.guide = named(QLabel(guide_html(method.guide), self), f"How to: {method.title}")
        self.guide.setTextFormat(Qt.TextFormat.RichText)
        self.guide.setWordWrap(True)
        self.guide.setOpenExternalLinks(True)
        self.guide.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(self.guide)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        self._secret_names: list[str] = []
        self._required_names: list[str] = []
        for field in method.fields:
            edit = named(QLineEdit(field.default, self), field.label)
            edit.setPlaceholderText(field.placeholder)
            if field.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                self._secret_names.append(field.name)
            if field.required:
                edit.setAccessibleDescription("Required")
                self._required_names.append(field.name)
            label = QLabel(f"{field_words(field)}:")
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.fields[field.name] = edit
        layout.addLayout(form)

    def values(self) -> dict[str, str]:
        """What is typed in each field, without surrounding spaces (pasted tokens have them)."""
        return {name: edit.text().strip() for name, edit in self.fields.items()}

    def clear_secrets(self) -> None:
        """Empty every secret field (after a failed attempt; the others keep their values)."""
        for name in self._secret_names:
            self.fields[name].clear()

    def focus_first_empty(self) -> None:
        """Put the cursor in the first required field still empty (else the first field)."""
        empty = [name for name in self._required_names if not self.fields[name].text()]
        first = empty[:1] or list(self.fields)[:1]
        if first:
            self.fields[first[0]].setFocus()


class ConnectDialog(QDialog):
    """Connect ``platform`` by one of ``methods``; ``replacing`` when reconnecting an account."""

    connected = Signal(str)
    """The outcome's sentence, once the account is connected (the dialog then closes)."""

    def __init__(
        self,
        backend: SettingsBackend,
        platform: Platform,
        methods: Sequence[ConnectMethod],
        *,
        replacing: AccountRef | None = None,
        replacing_label: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """Offer every one of ``methods`` (at least one; a choice when more than one)."""
        super().__init__(parent)
        self._backend = backend
        self._platform = platform
        self._replacing = replacing
        self._attempt: ConnectAttempt | None = None
        self._running = False
        self._closed = False  # an outcome arriving after closing touches no widget
        name = platform.display_name
        title = f"Reconnect {name} ({replacing_label})" if replacing else f"Connect {name}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * GUIDE_WIDTH_CHARACTERS)
        layout = QVBoxLayout(self)

        self.choices = QButtonGroup(self)
        self.pages = named(QStackedWidget(self), "How to connect")
        self.forms: list[MethodForm] = []
        for index, method in enumerate(methods):
            form = MethodForm(method, self.pages)
            self.forms.append(form)
            self.pages.addWidget(form)
            if len(methods) > 1:
                choice = named(QRadioButton(method.title, self), method.title)
                choice.setChecked(index == 0)
                self.choices.addButton(choice, index)
                layout.addWidget(choice)
        self.choices.idToggled.connect(self._on_choice)
        if len(methods) == 1:
            only = QLabel(f"<b>{html.escape(methods[0].title)}</b>", self)
            layout.addWidget(only)
        layout.addWidget(self.pages)

        self.progress = MessageLine("Connect progress", self)
        self.problem = MessageLine("Connect problem", self)
        layout.addWidget(self.progress)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(self)
        self.connect_button = named(QPushButton("&Connect", self), f"Connect {name}")
        self.connect_button.setDefault(True)
        self.cancel_button = named(QPushButton("Cancel", self), "Cancel")
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.connect_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.form.focus_first_empty()

    @property
    def form(self) -> MethodForm:
        """The chosen method's form."""
        return self.forms[self.pages.currentIndex()]

    @property
    def running(self) -> bool:
        """An attempt is under way."""
        return self._running

    def start(self) -> None:
        """Start connecting with the chosen method and the typed values (Connect, or Enter)."""
        if self._running:
            return
        form = self.form
        self.problem.say(None)
        self._set_running(running=True)
        self.progress.say(WAITING_FOR_BROWSER if form.method.opens_browser else CONNECTING)
        try:
            attempt = self._backend.start_connect(
                self._platform,
                form.method.key,
                form.values(),
                replacing=self._replacing,
                on_progress=self._on_progress,
                on_done=self._on_done,
            )
        except ValueError as err:
            self._set_running(running=False)
            self.progress.say(None)
            self.problem.say(str(err))
            form.focus_first_empty()
            return
        if self._running:  # on_done may already have come
            self._attempt = attempt

    def reject(self) -> None:
        """Cancel: stop a running attempt (the dialog stays, saying so), else close."""
        if self._attempt is not None:
            self._attempt.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        """Close; an attempt still running is cancelled first (never left behind)."""
        if self._attempt is not None:
            self._closed = True
            self._attempt.cancel()
        super().done(result)

    def _on_choice(self, index: int, checked: bool) -> None:
        if checked:
            self.pages.setCurrentIndex(index)
            self.problem.say(None)

    def _on_progress(self, sentence: str) -> None:
        if self._running and not self._closed:
            self.progress.say(sentence)

    def _on_done(self, outcome: ConnectOutcome) -> None:
        self._attempt = None
        if self._closed:  # too late to show (a saved account still reaches the tab)
            return
        self._set_running(running=False)
        self.progress.say(None)
        if outcome.ok:
            self.connected.emit(outcome.message)
            self.accept()
            return
        self.problem.say(outcome.message)
        self.form.clear_secrets()
        self.form.focus_first_empty()

    def _set_running(self, *, running: bool) -> None:
        self._running = running
        self.connect_button.setEnabled(not running)
        self.pages.setEnabled(not running)
        for choice in self.choices.buttons():
            choice.setEnabled(not running)
