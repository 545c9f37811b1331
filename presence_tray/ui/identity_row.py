"""One identity in a person's detail: its platform's own value, whether it decided the
badge, the platform's limitation, and its actions (open chat or profile, unlink, remove)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

from presence_tray.core.describe import open_action_words

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent
    from PySide6.QtWidgets import QWidget

    from presence_tray.core.identity import IdentityKey

DECIDES = "✓ Decides the badge (why: above)"


class ElidedLabel(QLabel):
    """A one-line label that elides its text to its width, never widening the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        """A label showing ``text``, elided at the right."""
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    @property
    def full_text(self) -> str:
        """The text before eliding."""
        return self._full

    def set_full_text(self, text: str) -> None:
        """Show ``text`` (elided to fit; the tooltip holds it whole)."""
        self._full = text
        self.setToolTip(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        """Any width: the text is elided."""
        return QSize(10, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


def wrapped_label(text: str = "", *, quiet: bool = False) -> QLabel:
    """A plain-text label that wraps; ``quiet`` ones are in the palette's placeholder colour."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setMinimumWidth(1)
    if quiet:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class IdentityRow(QFrame):
    """One identity: its platform's own value, whether it decided, its limitation, actions."""

    def __init__(
        self,
        key: IdentityKey,
        *,
        account_name: str,
        limitation: str | None,
        chat_url: str | None,
        can_unlink: bool,
        can_remove: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Build the row; :meth:`show_value` fills in the value.

        ``chat_url`` is opened by a button named for the platform ("Open profile on
        LinkedIn"); ``can_remove`` offers Remove (an identity added by hand).
        """
        super().__init__(parent)
        self.key = key
        platform = key.platform.display_name
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"{platform}: {account_name}")
        self.value_label = wrapped_label()  # the main line: wrapped, never cut short
        self.value_label.setAccessibleName(f"{platform} value")
        self.decides_label = wrapped_label(DECIDES, quiet=True)
        self.decides_label.setAccessibleName(f"{platform} decides the badge")
        self.account_label = ElidedLabel(f"{platform} · {account_name}")
        self.account_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.account_label.setAccessibleName(f"{platform} account")
        self.limitation_label = wrapped_label(limitation or "", quiet=True)
        self.limitation_label.setAccessibleName(f"{platform} limitation")
        self.chat_button: QPushButton | None = None
        self.unlink_button: QPushButton | None = None
        self.remove_button: QPushButton | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        bold = QFont(self.value_label.font())
        bold.setBold(True)
        self.value_label.setFont(bold)
        layout.addWidget(self.value_label)
        layout.addWidget(self.decides_label)
        layout.addWidget(self.account_label)
        layout.addWidget(self.limitation_label)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 2, 0, 0)
        if chat_url:
            self.chat_button = QPushButton(open_action_words(key.platform))
            self.chat_button.setAccessibleName(self.chat_button.text())
            self.chat_button.setToolTip(chat_url)
            self.chat_button.setProperty("chat_url", chat_url)
            buttons.addWidget(self.chat_button)
        if can_unlink:
            self.unlink_button = QPushButton("Unlink")
            self.unlink_button.setAccessibleName(f"Unlink the {platform} account")
            self.unlink_button.setToolTip(
                f"Show {platform} · {account_name} as a person of its own"
            )
            buttons.addWidget(self.unlink_button)
        if can_remove:
            self.remove_button = QPushButton("Remove")
            self.remove_button.setAccessibleName(f"Remove {platform} · {account_name}")
            self.remove_button.setToolTip(f"Remove {account_name}, added by hand, from this person")
            buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        if buttons.count() > 1:
            layout.addLayout(buttons)

    def show_value(self, words: str, *, deciding: bool) -> None:
        """Show the platform's own value, and whether it decided the badge (the limitation
        only when the value does not say it already)."""
        self.value_label.setText(words)
        self.decides_label.setVisible(deciding)
        limitation = self.limitation_label.text()
        # "WhatsApp does not share presence · messaged you 5 min ago" and "Slack: Away (Slack
        # shows only active/away for other people)" say it already.
        self.limitation_label.setVisible(bool(limitation) and limitation not in words)
