"""Status badges and the app icon, painted with QPainter (colour and shape, per UX.md).

Everything is drawn from geometry in fractions of the badge's side, so badges stay crisp at
12 px in a list, 16-24 px in a tray and at any device pixel ratio. Swapping the drawing for
SVG resources later only touches this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)

from presence_tray.core.presence import ActivityKind, PresenceState

if TYPE_CHECKING:
    from presence_tray.core.aggregation import AggregatedPresence

STALE_OPACITY = 0.5
_SMALL_BADGE = 16.0
_TINY_BADGE = 12.0
"""Below these sides a dashed ring gets fewer, longer dashes: pixels are few."""
ICON_SIZES = (12, 16, 20, 22, 24, 32, 40, 44, 48, 64, 96, 128, 256)
"""Pixel sizes put into the app icon, so 16-24 px trays at 100 % and 200 % get exact images."""


class BadgeShape(Enum):
    """The drawing a badge uses; it carries the meaning without colour."""

    CHECK = "check"
    CLOCK = "clock"
    FILLED = "filled"
    BAR = "bar"
    HOLLOW_CLOCK = "hollow_clock"
    RING = "ring"
    DASHED_RING = "dashed_ring"
    ARROW = "arrow"


@dataclass(frozen=True, slots=True)
class Badge:
    """What a badge shows: a state, do-not-disturb, out of office, and whether it is stale."""

    state: PresenceState
    dnd: bool = False
    out_of_office: bool = False
    stale: bool = False

    @classmethod
    def of(cls, aggregate: AggregatedPresence | None) -> Badge:
        """The badge for a person's aggregate (unknown when there is none yet)."""
        if aggregate is None:
            return cls(PresenceState.UNKNOWN)
        activity = aggregate.activity
        return cls(
            aggregate.state,
            dnd=aggregate.dnd,
            out_of_office=activity is not None and activity.kind is ActivityKind.OUT_OF_OFFICE,
            stale=aggregate.stale,
        )

    @property
    def shape(self) -> BadgeShape:
        """The shape this badge is drawn with."""
        if self.out_of_office and self.state is not PresenceState.UNKNOWN:
            return BadgeShape.ARROW
        if self.dnd:
            return BadgeShape.BAR
        return _SHAPES[self.state]

    @property
    def colour(self) -> QColor:
        """The badge's main colour."""
        return QColor(_COLOURS[self.shape])


_SHAPES = {
    PresenceState.ONLINE: BadgeShape.CHECK,
    PresenceState.IDLE: BadgeShape.CLOCK,
    PresenceState.BUSY: BadgeShape.FILLED,
    PresenceState.AWAY: BadgeShape.HOLLOW_CLOCK,
    PresenceState.OFFLINE: BadgeShape.RING,
    PresenceState.UNKNOWN: BadgeShape.DASHED_RING,
}

_COLOURS = {
    BadgeShape.CHECK: "#13a10e",
    BadgeShape.CLOCK: "#e8a317",
    BadgeShape.FILLED: "#d13438",
    BadgeShape.BAR: "#d13438",
    BadgeShape.HOLLOW_CLOCK: "#e8710a",
    BadgeShape.RING: "#8a8886",
    BadgeShape.DASHED_RING: "#8a8886",
    BadgeShape.ARROW: "#a4278f",
}
_FILLED_SHAPES = frozenset(
    {BadgeShape.CHECK, BadgeShape.CLOCK, BadgeShape.FILLED, BadgeShape.BAR, BadgeShape.ARROW}
)
_MARK = QColor("#ffffff")
APP_COLOUR = QColor("#2f6fde")
_APP_BACK_PERSON = QColor("#bcd2f8")
_WARNING_COLOUR = QColor("#f0b400")
_WARNING_MARK = QColor("#1f1f1f")


def _square(rect: QRectF) -> QRectF:
    side = min(rect.width(), rect.height())
    return QRectF(
        rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side
    )


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _polyline(square: QRectF, points: tuple[tuple[float, float], ...]) -> list[QPointF]:
    x, y, side = square.x(), square.y(), square.width()
    return [QPointF(x + px * side, y + py * side) for px, py in points]


_CHECK = ((0.28, 0.53), (0.44, 0.68), (0.73, 0.37))
_CLOCK = ((0.5, 0.27), (0.5, 0.52), (0.68, 0.64))
_ARROW_SHAFT = ((0.73, 0.5), (0.29, 0.5))
_ARROW_HEAD = ((0.46, 0.32), (0.29, 0.5), (0.46, 0.68))


def paint_badge(painter: QPainter, rect: QRectF, badge: Badge) -> None:
    """Paint ``badge`` centred in ``rect`` (a square of the smaller side)."""
    square = _square(rect)
    side = square.width()
    if side <= 0:
        return
    shape = badge.shape
    colour = badge.colour
    stroke = max(1.0, side * 0.13)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    if badge.stale:
        painter.setOpacity(painter.opacity() * STALE_OPACITY)
    if shape in _FILLED_SHAPES:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(square)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_pen(_MARK, stroke))
        _paint_mark(painter, square, shape)
    else:
        ring = max(1.0, side * 0.14)
        inner = square.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if shape is BadgeShape.DASHED_RING:
            pen = _pen(colour, ring)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            # Explicit arcs, not a dash pattern: the same dashes at every size.
            segments = 4 if side < _TINY_BADGE else 6 if side < _SMALL_BADGE else 8
            step = 5760 // segments
            for index in range(segments):
                painter.drawArc(inner, index * step + 90 * 16 // segments, step * 3 // 5)
        else:
            painter.setPen(_pen(colour, ring))
            painter.drawEllipse(inner)
        if shape is BadgeShape.HOLLOW_CLOCK:
            painter.setPen(_pen(colour, max(1.0, side * 0.11)))
            painter.drawPolyline(_polyline(square, _CLOCK))
    painter.restore()


def _paint_mark(painter: QPainter, square: QRectF, shape: BadgeShape) -> None:
    if shape is BadgeShape.CHECK:
        painter.drawPolyline(_polyline(square, _CHECK))
    elif shape is BadgeShape.CLOCK:
        painter.drawPolyline(_polyline(square, _CLOCK))
    elif shape is BadgeShape.BAR:
        side = square.width()
        bar = QRectF(0, 0, side * 0.56, max(1.5, side * 0.17))
        bar.moveCenter(square.center())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_MARK)
        painter.drawRoundedRect(bar, bar.height() / 3, bar.height() / 3)
    elif shape is BadgeShape.ARROW:
        painter.drawPolyline(_polyline(square, _ARROW_SHAFT))
        painter.drawPolyline(_polyline(square, _ARROW_HEAD))


def paint_warning(painter: QPainter, rect: QRectF) -> None:
    """Paint the "an account needs attention" mark: an amber triangle with an exclamation."""
    square = _square(rect)
    side = square.width()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    path = QPainterPath()
    path.moveTo(square.x() + side / 2, square.y() + side * 0.04)
    path.lineTo(square.right() - side * 0.02, square.bottom() - side * 0.08)
    path.lineTo(square.x() + side * 0.02, square.bottom() - side * 0.08)
    path.closeSubpath()
    painter.setPen(_pen(_WARNING_COLOUR, max(1.0, side * 0.08)))
    painter.setBrush(_WARNING_COLOUR)
    painter.drawPath(path)
    stroke = max(1.0, side * 0.12)
    painter.setPen(_pen(_WARNING_MARK, stroke))
    x = square.x() + side / 2
    painter.drawLine(QPointF(x, square.y() + side * 0.36), QPointF(x, square.y() + side * 0.6))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_WARNING_MARK)
    painter.drawEllipse(QPointF(x, square.y() + side * 0.76), stroke * 0.6, stroke * 0.6)
    painter.restore()


def _person(
    painter: QPainter,
    square: QRectF,
    head: tuple[float, float, float],
    body: tuple[float, float, float, float],
    colour: QColor,
) -> None:
    """Paint a head (cx, cy, r) and the dome of shoulders (x, y, w, bottom), in 0..1 units."""
    x0, y0, side = square.x(), square.y(), square.width()
    cx, cy, radius = head
    painter.setBrush(colour)
    painter.drawEllipse(QPointF(x0 + cx * side, y0 + cy * side), radius * side, radius * side)
    bx, by, width, bottom = body
    path = QPainterPath()
    dome = QRectF(x0 + bx * side, y0 + by * side, width * side, width * side)
    path.moveTo(dome.left(), y0 + bottom * side)
    path.lineTo(dome.left(), dome.center().y())
    path.arcTo(dome, 180, -180)
    path.lineTo(dome.right(), y0 + bottom * side)
    path.closeSubpath()
    painter.drawPath(path)


def paint_app_glyph(painter: QPainter, rect: QRectF) -> None:
    """Paint the app glyph: two overlapping people on a rounded blue square."""
    square = _square(rect)
    side = square.width()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    painter.setPen(Qt.PenStyle.NoPen)
    tile = square.adjusted(side * 0.03, side * 0.03, -side * 0.03, -side * 0.03)
    painter.setBrush(APP_COLOUR)
    painter.drawRoundedRect(tile, side * 0.22, side * 0.22)
    painter.setClipRect(tile)
    _person(painter, square, (0.64, 0.28, 0.12), (0.42, 0.45, 0.44, 0.80), _APP_BACK_PERSON)
    # A gap in the tile's colour separates the front person from the one behind.
    painter.setPen(QPen(APP_COLOUR, side * 0.05))
    _person(painter, square, (0.37, 0.38, 0.14), (0.13, 0.58, 0.48, 0.97), _MARK)
    painter.restore()


BADGE_FRACTION = 0.5
"""The share of the app icon's side taken by the status badge in its lower-right corner."""


def paint_app_icon(
    painter: QPainter, rect: QRectF, badge: Badge | None, *, warning: bool = False
) -> None:
    """Paint the app icon with ``badge`` (or the warning mark) cut into its lower right."""
    square = _square(rect)
    side = square.width()
    device = painter.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    # Draw into a layer of our own: the cut-out around the badge must clear the glyph only.
    layer = QImage(
        max(1, round(side * ratio)),
        max(1, round(side * ratio)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    layer.setDevicePixelRatio(ratio)
    layer.fill(Qt.GlobalColor.transparent)
    local = QRectF(0, 0, side, side)
    inner = QPainter(layer)
    paint_app_glyph(inner, local)
    if badge is not None or warning:
        mark = QRectF(
            side * (1 - BADGE_FRACTION),
            side * (1 - BADGE_FRACTION),
            side * BADGE_FRACTION,
            side * BADGE_FRACTION,
        )
        gap = max(1.0, side * 0.06)
        inner.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
        inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        inner.setPen(Qt.PenStyle.NoPen)
        inner.setBrush(QBrush(Qt.GlobalColor.black))
        inner.drawEllipse(mark.adjusted(-gap, -gap, gap, gap))
        inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        if warning:
            paint_warning(inner, mark)
        elif badge is not None:
            paint_badge(inner, mark, badge)
    inner.end()
    painter.drawImage(square, layer)


def badge_image(badge: Badge, size: int, device_pixel_ratio: float = 1.0) -> QImage:
    """``badge`` alone on a transparent image of ``size`` logical pixels."""
    image = _blank(size, device_pixel_ratio)
    painter = QPainter(image)
    paint_badge(painter, QRectF(0, 0, size, size), badge)
    painter.end()
    return image


def app_icon_image(
    size: int, badge: Badge | None, *, warning: bool = False, device_pixel_ratio: float = 1.0
) -> QImage:
    """The app icon with ``badge`` on a transparent image of ``size`` logical pixels."""
    image = _blank(size, device_pixel_ratio)
    painter = QPainter(image)
    paint_app_icon(painter, QRectF(0, 0, size, size), badge, warning=warning)
    painter.end()
    return image


def app_icon(badge: Badge | None = None, *, warning: bool = False) -> QIcon:
    """The app icon as a QIcon with exact images from 12 to 256 px."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(QPixmap.fromImage(app_icon_image(size, badge, warning=warning)))
    return icon


def badge_icon(badge: Badge) -> QIcon:
    """A badge as a QIcon (for menus and buttons)."""
    icon = QIcon()
    for size in (12, 16, 24, 32, 48):
        icon.addPixmap(QPixmap.fromImage(badge_image(badge, size)))
    return icon


def _blank(size: int, device_pixel_ratio: float) -> QImage:
    pixels = max(1, round(size * device_pixel_ratio))
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(device_pixel_ratio)
    image.fill(Qt.GlobalColor.transparent)
    return image
