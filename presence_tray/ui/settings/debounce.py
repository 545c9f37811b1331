"""Run an action once typing or spinning has paused, not at every keystroke."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from collections.abc import Callable

DEBOUNCE_MS: Final = 300
"""How long an edit must rest before it is applied and saved."""


class Debouncer(QObject):
    """Calls ``action`` ``delay_ms`` after the last :meth:`poke`; :meth:`flush` calls it now."""

    def __init__(
        self, action: Callable[[], None], parent: QObject, delay_ms: int = DEBOUNCE_MS
    ) -> None:
        """Prepare; nothing runs until poked."""
        super().__init__(parent)
        self._action = action
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._action)

    @property
    def pending(self) -> bool:
        """An edit waits to be applied."""
        return self._timer.isActive()

    def poke(self, *_args: object) -> None:
        """An edit happened: (re)start the wait."""
        self._timer.start()

    def flush(self) -> None:
        """Apply a waiting edit now (the dialog is closing)."""
        if self._timer.isActive():
            self._timer.stop()
            self._action()
