"""A thin timeline of a person's last 24 hours: one lane per identity, coloured by state.

:func:`lanes` turns stored transitions into spans (pure, tested on its own); the widget
paints them, left = 24 h ago, right = now. A span before the first known transition is left
empty (nothing is known there), never painted as offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from presence_tray.core.describe import state_words
from presence_tray.core.presence import PresenceState
from presence_tray.ui.badges import Badge

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from PySide6.QtGui import QPaintEvent

    from presence_tray.core.history import PresenceTransition
    from presence_tray.core.identity import IdentityKey

TIMELINE_SECONDS = 24 * 3600.0
"""How far back the timeline reaches."""
LANE_HEIGHT = 6
LANE_GAP = 3


@dataclass(frozen=True, slots=True)
class Span:
    """One identity in one state from ``start`` to ``end`` (fractions of the timeline, 0-1)."""

    state: PresenceState
    dnd: bool
    start: float
    end: float


def lanes(
    keys: Sequence[IdentityKey],
    transitions: Iterable[PresenceTransition],
    *,
    now: float,
    seconds: float = TIMELINE_SECONDS,
) -> list[list[Span]]:
    """One list of spans per key (in ``keys`` order) over the ``seconds`` before ``now``.

    A transition before the window sets the state the window starts in; unknown spans are
    left out (nothing is painted where nothing is known). The current state is kept even
    when it began just now (the widget paints it at least a pixel wide).
    """
    begin = now - seconds
    by_key: dict[IdentityKey, list[PresenceTransition]] = {key: [] for key in keys}
    for transition in sorted(transitions, key=lambda item: item.at):
        found = by_key.get(transition.identity)
        if found is not None and transition.at <= now:
            found.append(transition)
    result: list[list[Span]] = []
    for key in keys:
        spans: list[Span] = []
        changes = by_key[key]
        for number, transition in enumerate(changes):
            current = number + 1 == len(changes)
            end = now if current else changes[number + 1].at
            start = max(transition.at, begin)
            empty = end < start if current else end <= start
            if end < begin or empty or transition.state is PresenceState.UNKNOWN:
                continue
            spans.append(
                Span(
                    transition.state,
                    transition.dnd,
                    (start - begin) / seconds,
                    (end - begin) / seconds,
                )
            )
        result.append(spans)
    return result


def span_colour(span: Span) -> QColor:
    """A span's colour: the state's badge colour."""
    return Badge(span.state, dnd=span.dnd).colour


class HistoryTimeline(QWidget):
    """Paints :func:`lanes`: thin bars on a quiet track, one per identity."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty timeline (no lanes until :meth:`set_lanes`)."""
        super().__init__(parent)
        self._lanes: list[list[Span]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("History of the last 24 hours")
        self.setMinimumWidth(60)

    @property
    def shown(self) -> list[list[Span]]:
        """The lanes painted."""
        return self._lanes

    def set_lanes(self, spans: list[list[Span]], description: str) -> None:
        """Paint ``spans``; ``description`` says the same in words (tooltip, screen readers)."""
        self._lanes = spans
        self.setToolTip(description)
        self.setAccessibleDescription(description)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        """As wide as it is given; one thin lane per identity."""
        count = max(1, len(self._lanes))
        return QSize(240, count * LANE_HEIGHT + (count - 1) * LANE_GAP)

    def minimumSizeHint(self) -> QSize:
        """The lanes' height; any width."""
        return QSize(60, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        """A quiet track per lane, with each span's colour over it."""
        del event
        painter = QPainter(self)
        track = self.palette().color(QPalette.ColorRole.Midlight)
        width = float(self.width())
        for number, spans in enumerate(self._lanes):
            top = number * (LANE_HEIGHT + LANE_GAP)
            painter.fillRect(QRectF(0, top, width, LANE_HEIGHT), track)
            for span in spans:
                span_width = max(1.0, (span.end - span.start) * width)
                rect = QRectF(
                    min(span.start * width, width - span_width), top, span_width, LANE_HEIGHT
                )
                painter.fillRect(rect, span_colour(span))
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1.0))
        painter.drawLine(self.width() - 1, 0, self.width() - 1, self.height())
        painter.end()


def describe_lane(spans: Sequence[Span]) -> str:
    """A lane in words: the share of the day in each state, most first ("Available 60 %")."""
    shares: dict[str, float] = {}
    for span in spans:
        words = state_words(span.state, dnd=span.dnd)
        shares[words] = shares.get(words, 0.0) + span.end - span.start
    if not shares:
        return "nothing known"
    ordered = sorted(shares.items(), key=lambda item: -item[1])
    return ", ".join(f"{words} {round(share * 100)} %" for words, share in ordered)
