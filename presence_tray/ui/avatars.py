"""A person's avatar: their initials on a disc whose colour is always the same for them.

No platform hands us pictures yet (avatars come with the real clients), so the list shows
initials, as Teams and Slack do for people without a photo. The status badge sits on the
avatar's lower-right edge, cut out of it by a ring in the row's background colour.
"""

from __future__ import annotations

import unicodedata
import zlib
from typing import Final

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette

from presence_tray.ui.badges import STALE_OPACITY, Badge, paint_badge

BADGE_SHARE: Final = 0.42
"""The badge's side as a share of the avatar's."""
RING_SHARE: Final = 0.12
"""The width of the ring that cuts the badge out of the avatar, as a share of the badge."""
_HUES: Final = 12
"""Avatar colours are this many evenly spaced hues: distinct, and never two near-identical."""
_SATURATION: Final = 110
_LIGHT_PALETTE_VALUE: Final = 165
_DARK_PALETTE_VALUE: Final = 200
_INITIALS_COLOUR: Final = QColor("white")
DARK_LIGHTNESS: Final = 128
"""A palette whose window colour is darker than this is a dark theme."""


def initials(name: str) -> str:
    """Up to two letters for ``name``: first and last word's first letters ("Ann Lee" → "AL").

    Words that do not start with a letter or digit (emoji, punctuation) are skipped; a name
    with none gives "?".
    """
    letters = [
        word[0]
        for word in name.split()
        if unicodedata.category(word[0])[0] in ("L", "N")  # letters and digits only
    ]
    if not letters:
        return "?"
    chosen = letters[0] if len(letters) == 1 else letters[0] + letters[-1]
    return chosen.upper()


def avatar_colour(person_id: str, *, dark_palette: bool) -> QColor:
    """The disc colour of ``person_id``'s avatar: stable across runs, readable under white."""
    hue = (zlib.crc32(person_id.encode()) % _HUES) * (360 // _HUES)
    value = _DARK_PALETTE_VALUE if dark_palette else _LIGHT_PALETTE_VALUE
    return QColor.fromHsv(hue, _SATURATION, value)


def badge_spot(avatar: QRectF) -> QRectF:
    """Where the status badge sits on an avatar painted in ``avatar`` (a square)."""
    side = min(avatar.width(), avatar.height()) * BADGE_SHARE
    right = avatar.left() + min(avatar.width(), avatar.height())
    bottom = avatar.top() + min(avatar.width(), avatar.height())
    return QRectF(right - side, bottom - side, side, side)


def paint_avatar(
    painter: QPainter,
    rect: QRectF,
    *,
    name: str,
    person_id: str,
    badge: Badge | None,
    palette: QPalette,
    selected: bool = False,
) -> None:
    """Paint the initials disc in ``rect`` (a square), with ``badge`` on its lower right.

    ``selected`` rows have the palette's highlight behind them (the badge's ring takes that
    colour). A stale person's disc is painted faded, like their badge.
    """
    roles = QPalette.ColorRole
    cut_out = palette.color(roles.Highlight if selected else roles.Base)
    dark_palette = palette.color(roles.Window).lightness() < DARK_LIGHTNESS
    side = min(rect.width(), rect.height())
    if side <= 0:
        return
    disc = QRectF(rect.left(), rect.top(), side, side)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    if badge is not None and badge.stale:
        painter.setOpacity(painter.opacity() * STALE_OPACITY)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(avatar_colour(person_id, dark_palette=dark_palette))
    painter.drawEllipse(disc)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(max(6, round(side * 0.36)))
    painter.setFont(font)
    painter.setPen(_INITIALS_COLOUR)
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, initials(name))
    painter.restore()
    if badge is None:
        return
    spot = badge_spot(disc)
    ring = max(1.0, spot.width() * RING_SHARE)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(cut_out)
    painter.drawEllipse(spot.adjusted(-ring, -ring, ring, ring))
    painter.restore()
    paint_badge(painter, spot, badge)
