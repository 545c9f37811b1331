"""Small pieces the settings tabs share: an inline message line and named controls."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:
    from collections.abc import Callable

_W = TypeVar("_W", bound=QWidget)


class MessageLine(QLabel):
    """A wrapped sentence under a control (an inline error or a note); hidden when empty."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        """An empty, hidden line named ``accessible_name`` for screen readers."""
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # sentences may quote what was typed
        self.setWordWrap(True)
        self.setAccessibleName(accessible_name)
        self.setVisible(False)

    def say(self, sentence: str | None) -> None:
        """Show ``sentence``, or hide the line when None or empty."""
        self.setText(sentence or "")
        self.setVisible(bool(sentence))

    @property
    def sentence(self) -> str | None:
        """The sentence on the line, if any."""
        return self.text() or None


def named(widget: _W, name: str) -> _W:
    """``widget`` with its accessible name set (every control has one)."""
    widget.setAccessibleName(name)
    return widget


def apply_or_say(change: Callable[[], None], line: MessageLine) -> bool:
    """Run ``change``; a ValueError's sentence goes to ``line`` (nothing saved). True if done."""
    try:
        change()
    except ValueError as err:
        line.say(str(err))
        return False
    line.say(None)
    return True
