"""Where a popup window goes next to the tray icon."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize

MARGIN = 6
"""Logical pixels between the tray icon (or the screen edge) and the window."""


def place_near(size: QSize, anchor: QRect, available: QRect, margin: int = MARGIN) -> QPoint:
    """The top-left corner for a window of ``size`` beside ``anchor``, inside ``available``.

    Above the icon when the icon is in the lower half of the screen (a bottom panel), below it
    otherwise; right-aligned with the icon, then kept on screen.
    """
    if anchor.center().y() >= available.center().y():
        y = anchor.top() - margin - size.height()
    else:
        y = anchor.bottom() + 1 + margin
    if anchor.center().x() >= available.center().x():
        x = anchor.right() + 1 - size.width()
    else:
        x = anchor.left()
    x = max(available.left() + margin, min(x, available.right() + 1 - margin - size.width()))
    y = max(available.top() + margin, min(y, available.bottom() + 1 - margin - size.height()))
    return QPoint(x, y)
