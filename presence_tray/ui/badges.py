"""Status badges and the app icon (colour and shape, per UX.md), from SVG resources.

The drawings are SVG files in ``presence_tray/resources`` (``badges/<shape>.svg``,
``icons/presence-tray.svg``), rendered by ``svg_resources`` once per pixel size, so badges
stay crisp at 12 px in a list, 16-24 px in a tray and at any device pixel ratio. The colours
below are the ones the SVG files use (tests/ui/test_badges.py keeps them in step), for the
places that paint a state's colour without its badge (the history timeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPainter, QPixmap

from presence_tray.core.presence import ActivityKind, PresenceState
from presence_tray.ui.svg_resources import resource_pixmap

if TYPE_CHECKING:
    from presence_tray.core.aggregation import AggregatedPresence

STALE_OPACITY = 0.5
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


def _square(rect: QRectF) -> QRectF:
    side = min(rect.width(), rect.height())
    return QRectF(
        rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side
    )


def _device_ratio(painter: QPainter) -> float:
    device = painter.device()
    return device.devicePixelRatioF() if device is not None else 1.0


def _draw_resource(painter: QPainter, square: QRectF, name: str) -> None:
    """Draw the cached rendering of SVG resource ``name`` at the device's pixel size."""
    pixels = max(1, round(square.width() * _device_ratio(painter)))
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, on=True)
    painter.drawPixmap(square, resource_pixmap(name, pixels), QRectF(0, 0, pixels, pixels))
    painter.restore()


def badge_resource(shape: BadgeShape) -> str:
    """The SVG resource a badge shape is drawn from."""
    return f"badges/{shape.value}.svg"


WARNING_RESOURCE = "badges/warning.svg"
APP_ICON_RESOURCE = "icons/presence-tray.svg"
"""The app glyph; also the source of the hicolor icons (packaging/linux/render_icons.py)."""


def paint_badge(painter: QPainter, rect: QRectF, badge: Badge) -> None:
    """Paint ``badge`` centred in ``rect`` (a square of the smaller side), faded when stale."""
    square = _square(rect)
    if square.width() <= 0:
        return
    painter.save()
    if badge.stale:
        painter.setOpacity(painter.opacity() * STALE_OPACITY)
    _draw_resource(painter, square, badge_resource(badge.shape))
    painter.restore()


def paint_warning(painter: QPainter, rect: QRectF) -> None:
    """Paint the "an account needs attention" mark: an amber triangle with an exclamation."""
    _draw_resource(painter, _square(rect), WARNING_RESOURCE)


def paint_app_glyph(painter: QPainter, rect: QRectF) -> None:
    """Paint the app glyph: two overlapping people on a rounded blue square."""
    _draw_resource(painter, _square(rect), APP_ICON_RESOURCE)


BADGE_FRACTION = 0.5
"""The share of the app icon's side taken by the status badge in its lower-right corner."""


def paint_app_icon(
    painter: QPainter, rect: QRectF, badge: Badge | None, *, warning: bool = False
) -> None:
    """Paint the app icon with ``badge`` (or the warning mark) cut into its lower right."""
    square = _square(rect)
    side = square.width()
    ratio = _device_ratio(painter)
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
