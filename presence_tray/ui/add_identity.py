""" "Add a LinkedIn profile…" and "Add a WhatsApp number…": one field, checked as the user
types, and the sentence that says what is wrong (nothing is added until it is right)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from presence_tray.core.added_identities import (
    LINKEDIN_EXAMPLE,
    WHATSAPP_EXAMPLE,
    added_identity,
    what_is_added,
)
from presence_tray.core.identity import Platform
from presence_tray.core.linking import clip

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QWidget


def _intro(platform: Platform, name: str) -> str:
    limit = f"{platform.display_name} does not share presence"
    if platform is Platform.LINKEDIN:
        return (
            f"Paste the address of {name}'s LinkedIn profile. {limit}: their detail will offer "
            "Open profile."
        )
    return (
        f"Type {name}'s WhatsApp number with its country code. {limit}: their detail will "
        "offer Open chat."
    )


class AddIdentityDialog(QDialog):
    """Asks for a LinkedIn profile address or a WhatsApp number and adds it to a person.

    ``add`` is called with the text; it answers with a sentence (then the dialog closes and
    :attr:`added` carries the sentence) or raises ValueError with a sentence (shown here).
    """

    added = Signal(str)
    """The identity was added; the sentence saying so."""

    def __init__(
        self,
        platform: Platform,
        person_name: str,
        add: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        """Ask for ``platform``'s identity of ``person_name``."""
        super().__init__(parent)
        self._platform = platform
        self._add = add
        what = what_is_added(platform)
        name = clip(person_name) or "this person"
        title = f"Add a {what} to {name}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(420)
        intro = QLabel(_intro(platform, name))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.field = QLineEdit()
        self.field.setAccessibleName(what)
        example = LINKEDIN_EXAMPLE if platform is Platform.LINKEDIN else WHATSAPP_EXAMPLE
        self.field.setPlaceholderText(example)
        self.field.textChanged.connect(self._check)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setAccessibleName("What is wrong")
        self.problem.setVisible(False)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setAccessibleName("What will be added")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton("&Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setAccessibleName(f"Add the {what}")
        self.add_button.setEnabled(False)
        buttons.accepted.connect(self._on_add)
        buttons.rejected.connect(self.reject)
        # Enter in the field adds, never cancels (the box would make Cancel the default).
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.field)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _check(self, text: str) -> None:
        """Say what the text will add; a problem is said once the user presses Add."""
        self.problem.setVisible(False)
        self.add_button.setEnabled(bool(text.strip()))
        try:
            identity = added_identity(self._platform, text)
        except ValueError:
            self.preview.clear()
            return
        self.preview.setText(f"Adds {identity.display_name} ({identity.chat_url})")

    def _on_add(self) -> None:
        try:
            sentence = self._add(self.field.text())
        except ValueError as err:
            self.problem.setText(str(err))
            self.problem.setVisible(True)
            self.field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.added.emit(sentence)
        self.accept()
