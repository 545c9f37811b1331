"""Initials avatars: the letters, a colour that stays a person's own, the badge on the disc."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPalette

from presence_tray.core.presence import PresenceState
from presence_tray.ui.avatars import avatar_colour, badge_spot, initials, paint_avatar
from presence_tray.ui.badges import Badge


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ann Lee", "AL"),
        ("ann", "A"),
        ("Maria José da Silva", "MS"),
        ("Zoë  van der Berg", "ZB"),
        ("Chen, Alice", "CA"),
        ("Émile Zola", "ÉZ"),
        ("李 小龙", "李小"),
        ("🎉 Party Bot", "PB"),
        ("🎉🎉", "?"),
        ("", "?"),
        ("   ", "?"),
        ("- -", "?"),
        ("R2 D2", "RD"),
        ("x" * 200, "X"),
        ("Ann " + "B" * 200, "AB"),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_colours_are_stable_and_differ_between_people() -> None:
    people = [f"sim-{number:05d}" for number in range(40)]
    first = [avatar_colour(person, dark_palette=False) for person in people]
    again = [avatar_colour(person, dark_palette=False) for person in people]
    assert first == again
    assert len({colour.hue() for colour in first}) >= 8
    # White initials stay readable: no pale discs.
    assert all(colour.value() <= 200 for colour in first)
    # A dark theme gets lighter discs of the same hue.
    dark = avatar_colour(people[0], dark_palette=True)
    assert dark.hue() == first[0].hue()
    assert dark.value() > first[0].value()


def paint(badge: Badge | None, *, selected: bool = False) -> tuple[QImage, QRectF]:
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor("white"))
    palette.setColor(QPalette.ColorRole.Window, QColor("#eeeeee"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#3060c0"))
    image.fill(QColor("white"))
    rect = QRectF(8, 8, 48, 48)
    painter = QPainter(image)
    paint_avatar(
        painter,
        rect,
        name="Ann Lee",
        person_id="ann",
        badge=badge,
        palette=palette,
        selected=selected,
    )
    painter.end()
    return image, rect


def test_the_disc_has_the_persons_colour_and_white_initials() -> None:
    image, rect = paint(None)
    colour = avatar_colour("ann", dark_palette=False)
    edge = image.pixelColor(round(rect.left() + 6), round(rect.center().y()))
    assert abs(edge.hue() - colour.hue()) <= 2
    middle_row = [image.pixelColor(x, round(rect.center().y())) for x in range(16, 48)]
    assert any(pixel.lightness() > 230 for pixel in middle_row), "no initials drawn"
    assert image.pixelColor(1, 1) == QColor("white")  # nothing outside the disc


def test_the_badge_sits_on_the_lower_right_cut_out_in_the_rows_colour() -> None:
    image, rect = paint(Badge(PresenceState.BUSY))
    spot = badge_spot(rect)
    assert spot.right() == pytest.approx(rect.right())
    assert spot.bottom() == pytest.approx(rect.bottom())
    fill = image.pixelColor(round(spot.left() + spot.width() * 0.3), round(spot.center().y()))
    assert fill.red() > fill.green() + 100, "the busy badge is not red"
    # Just outside the badge, between it and the disc: the row's background (white).
    gap = image.pixelColor(round(spot.left() - 1), round(spot.center().y()))
    assert gap.lightness() > 200
    selected, _ = paint(Badge(PresenceState.BUSY), selected=True)
    gap = selected.pixelColor(round(spot.left() - 1), round(spot.center().y()))
    assert gap.blue() > gap.red() + 60, "the cut-out does not follow the selection"


def test_a_stale_persons_disc_is_faded() -> None:
    fresh, rect = paint(Badge(PresenceState.ONLINE))
    stale, _ = paint(Badge(PresenceState.ONLINE, stale=True))
    point = (round(rect.left() + 6), round(rect.center().y()))
    assert stale.pixelColor(*point).lightness() > fresh.pixelColor(*point).lightness()
