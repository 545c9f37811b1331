"""Small platform marks: a letter chip per platform, in the platform's colour when it decides.

Letters, not logos: no vendor artwork in the app, and letters stay legible at 10 px. A later
issue may swap these for SVG icons; only this module changes then.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen

from presence_tray.core.identity import Platform


@dataclass(frozen=True, slots=True)
class MarkStyle:
    """How one platform's mark looks."""

    letters: str
    colour: str


MARK_STYLES: dict[Platform, MarkStyle] = {
    Platform.DISCORD: MarkStyle("D", "#5865f2"),
    Platform.SLACK: MarkStyle("S", "#611f69"),
    Platform.TEAMS: MarkStyle("T", "#5b5fc7"),
    Platform.ZOOM: MarkStyle("Z", "#0b5cff"),
    Platform.WHATSAPP: MarkStyle("W", "#128c4a"),
    Platform.LINKEDIN: MarkStyle("in", "#0a66c2"),
    Platform.MATRIX: MarkStyle("M", "#0a7f5f"),
    Platform.XMPP: MarkStyle("X", "#b45309"),
}

MARK_SPACING = 3.0
"""Logical pixels between two marks."""


def mark_font(base: QFont) -> QFont:
    """The small bold font the marks are lettered in."""
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.78))
    else:
        font.setPixelSize(max(8, round(font.pixelSize() * 0.78)))
    font.setBold(True)
    return font


def mark_width(platform: Platform, metrics: QFontMetricsF) -> float:
    """The width of a platform's chip: square for one letter, wider for two."""
    height = metrics.height()
    return max(height, metrics.horizontalAdvance(MARK_STYLES[platform].letters) + height * 0.5)


def paint_mark(
    painter: QPainter,
    rect: QRectF,
    platform: Platform,
    *,
    emphasised: bool,
    palette: QPalette,
    font: QFont,
) -> None:
    """Paint one mark: filled in the platform colour when ``emphasised``, else a quiet outline."""
    style = MARK_STYLES[platform]
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    radius = rect.height() * 0.28
    if emphasised:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(style.colour))
        painter.drawRoundedRect(rect, radius, radius)
        text = QColor("#ffffff")
    else:
        quiet = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(QPen(quiet, 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        text = quiet
    painter.setPen(text)
    painter.setFont(font)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, style.letters)
    painter.restore()
