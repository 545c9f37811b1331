"""Which people the contacts window shows right now, so the polled platforms ask about them
first.

The rows in view change with every pixel of a scroll, so the count waits until changes have
rested a little (:data:`VISIBLE_PEOPLE_DELAY_MS`) and is reported only when the set differs.
Nothing is counted or timed while the window is hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from presence_tray.ui.contacts_model import Role

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QAbstractItemView

VISIBLE_PEOPLE_DELAY_MS = 200
"""How long the rows in view must rest before they are counted: a scroll or a burst of
changes is counted once, not per pixel or per batch."""


def people_in_view(view: QAbstractItemView) -> frozenset[str]:
    """The person ids of the rows between the view's top and bottom edges (a row partly
    shown counts; section headers have none); nothing when the view is hidden."""
    if not view.isVisible():
        return frozenset()
    area = view.viewport().rect()
    first = view.indexAt(area.topLeft())
    if not first.isValid():
        return frozenset()
    model = view.model()
    last = view.indexAt(area.bottomLeft())
    end = last.row() if last.isValid() else model.rowCount() - 1
    rows = (model.index(row, 0).data(Role.PERSON_ID) for row in range(first.row(), end + 1))
    return frozenset(str(person_id) for person_id in rows if person_id)


class VisiblePeople(QObject):
    """Counts the people in sight once changes rest, and says when they differ.

    ``count`` returns the people in sight now; ``is_shown`` says whether the window is on
    screen (a hidden window schedules nothing). Call :meth:`schedule` on anything that may
    change what is in sight and :meth:`clear` when the window hides.
    """

    changed = Signal(object)
    """The people in sight changed: a ``frozenset`` of person ids (empty when hidden)."""

    def __init__(
        self,
        count: Callable[[], frozenset[str]],
        *,
        is_shown: Callable[[], bool],
        delay_ms: int = VISIBLE_PEOPLE_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        """Count with ``count`` ``delay_ms`` after the first change while ``is_shown``."""
        super().__init__(parent)
        self._count = count
        self._is_shown = is_shown
        self._current: frozenset[str] = frozenset()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._recount)

    @property
    def current(self) -> frozenset[str]:
        """The people last reported in sight."""
        return self._current

    @property
    def pending(self) -> bool:
        """Whether a count is scheduled."""
        return self._timer.isActive()

    def watch(self, view: QAbstractItemView) -> None:
        """Count again when ``view`` scrolls, its height or rows change, or its model
        filters, sorts or resets."""
        scroll_bar = view.verticalScrollBar()
        # The range follows the viewport's height and the rows' total height.
        for signal in (scroll_bar.valueChanged, scroll_bar.rangeChanged):
            signal.connect(self.schedule)
        model = view.model()
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.rowsMoved,
            model.layoutChanged,
            model.modelReset,
        ):
            signal.connect(self.schedule)

    def schedule(self, *_args: object) -> None:
        """Count soon, unless the window is hidden or a count is already due.

        A count already due is not pushed back, so a long scroll is still counted every
        :data:`VISIBLE_PEOPLE_DELAY_MS`.
        """
        if not self._timer.isActive() and self._is_shown():
            self._timer.start()

    def clear(self) -> None:
        """The window is hidden: nobody is in sight, and nothing is left scheduled."""
        self._timer.stop()
        self._report(frozenset())

    def _recount(self) -> None:
        self._report(self._count() if self._is_shown() else frozenset())

    def _report(self, people: frozenset[str]) -> None:
        if people != self._current:
            self._current = people
            self.changed.emit(people)
