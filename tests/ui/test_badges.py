"""Badges read by colour and by shape, at list and tray sizes, at 100 % and 200 %."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage

from presence_tray.core.aggregation import AggregationPolicy, aggregate
from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import Activity, ActivityKind, PlatformPresence, PresenceState
from presence_tray.ui.badges import (
    _COLOURS,
    APP_ICON_RESOURCE,
    ICON_SIZES,
    Badge,
    BadgeShape,
    app_icon,
    app_icon_image,
    badge_icon,
    badge_image,
    badge_resource,
)
from presence_tray.ui.svg_resources import MissingResourceError, resource_bytes, resource_pixmap

S = PresenceState
ALL_BADGES = [
    Badge(S.ONLINE),
    Badge(S.IDLE),
    Badge(S.BUSY),
    Badge(S.BUSY, dnd=True),
    Badge(S.AWAY),
    Badge(S.OFFLINE),
    Badge(S.UNKNOWN),
    Badge(S.AWAY, out_of_office=True),
]


def grey(image: QImage) -> QImage:
    """The image as a person without colour vision would see it (alpha kept)."""
    out = image.convertToFormat(QImage.Format.Format_ARGB32)
    for y in range(out.height()):
        for x in range(out.width()):
            pixel = out.pixelColor(x, y)
            value = round(0.299 * pixel.red() + 0.587 * pixel.green() + 0.114 * pixel.blue())
            out.setPixelColor(x, y, QColor(value, value, value, pixel.alpha()))
    return out


def difference(a: QImage, b: QImage) -> int:
    """How many pixels differ noticeably (any channel by more than 40)."""
    assert a.size() == b.size()
    count = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixelColor(x, y), b.pixelColor(x, y)
            channels = zip(pa.getRgb(), pb.getRgb(), strict=True)
            if any(abs(ca - cb) > 40 for ca, cb in channels):
                count += 1
    return count


@pytest.mark.parametrize(("size", "ratio"), [(12, 1.0), (16, 1.0), (24, 1.0), (12, 2.0)])
def test_every_state_has_its_own_shape_even_in_greyscale(size: int, ratio: float):
    images = {badge: grey(badge_image(badge, size, ratio)) for badge in ALL_BADGES}
    for first, second in itertools.combinations(ALL_BADGES, 2):
        assert difference(images[first], images[second]) >= 3, (first, second)


def test_shapes_follow_the_ux_table():
    assert [badge.shape for badge in ALL_BADGES] == [
        BadgeShape.CHECK,
        BadgeShape.CLOCK,
        BadgeShape.FILLED,
        BadgeShape.BAR,
        BadgeShape.HOLLOW_CLOCK,
        BadgeShape.RING,
        BadgeShape.DASHED_RING,
        BadgeShape.ARROW,
    ]


@pytest.mark.parametrize(
    ("badge", "hues"),
    [
        (Badge(S.ONLINE), range(90, 150)),  # green
        (Badge(S.IDLE), range(30, 55)),  # amber
        (Badge(S.BUSY), range(345, 360)),  # red
        (Badge(S.AWAY, out_of_office=True), range(290, 330)),  # purple
    ],
)
def test_filled_badges_have_their_colour_at_the_rim(badge: Badge, hues: range):
    pixel = badge_image(badge, 24).pixelColor(12, 2)  # top of the disc, clear of the mark
    assert pixel.alpha() == 255
    assert pixel.hsvHue() in hues
    assert pixel.hsvSaturation() > 150


def test_hollow_badges_are_hollow():
    for badge in (Badge(S.OFFLINE), Badge(S.UNKNOWN)):
        image = badge_image(badge, 24)
        assert image.pixelColor(12, 12).alpha() == 0
        assert image.pixelColor(12, 22).alpha() > 0 or badge.state is S.UNKNOWN
    assert badge_image(Badge(S.BUSY), 24).pixelColor(12, 12).alpha() == 255


def test_stale_is_half_opacity():
    fresh = badge_image(Badge(S.BUSY), 16).pixelColor(8, 8)
    stale = badge_image(Badge(S.BUSY, stale=True), 16).pixelColor(8, 8)
    assert fresh.alpha() == 255
    assert 115 <= stale.alpha() <= 140


def test_double_resolution_images_have_twice_the_pixels():
    image = badge_image(Badge(S.ONLINE), 12, 2.0)
    assert (image.width(), image.height()) == (24, 24)
    assert image.devicePixelRatio() == 2.0
    assert image.pixelColor(12, 1).alpha() > 0  # drawn to the edge, not in a 12 px corner


def test_badge_of_an_aggregate():
    key = IdentityKey(Platform.TEAMS, "acct", "u1")
    ooo = Activity(ActivityKind.OUT_OF_OFFICE, until=1.0)
    value = PlatformPresence(key, S.AWAY, 0.0, activity=ooo)
    agg = aggregate("p", [value], policy=AggregationPolicy.MOST_AVAILABLE)
    assert Badge.of(agg) == Badge(S.AWAY, out_of_office=True)
    stale = aggregate("p", [value], policy=AggregationPolicy.MOST_AVAILABLE, stale=frozenset({key}))
    assert Badge.of(stale).stale
    dnd = PlatformPresence(key, S.BUSY, 0.0, dnd=True)
    assert Badge.of(aggregate("p", [dnd], policy=AggregationPolicy.MOST_AVAILABLE)).dnd
    assert Badge.of(None) == Badge(S.UNKNOWN)
    # Out of office never hides that nothing is known.
    assert Badge(S.UNKNOWN, out_of_office=True).shape is BadgeShape.DASHED_RING


def test_app_icon_has_exact_sizes_and_shows_the_badge():
    icon = app_icon(Badge(S.ONLINE))
    assert {size.width() for size in icon.availableSizes()} == set(ICON_SIZES)
    plain = app_icon_image(22, None)
    online = app_icon_image(22, Badge(S.ONLINE))
    busy = app_icon_image(22, Badge(S.BUSY))
    warning = app_icon_image(22, Badge(S.ONLINE), warning=True)
    assert difference(plain, online) > 10
    assert difference(online, busy) > 10
    assert difference(online, warning) > 10
    # The glyph (app blue) fills the top-left; the badge sits in the lower right.
    assert online.pixelColor(1, 11).hsvHue() in range(200, 230)  # the app's blue
    assert online.pixelColor(16, 13).hsvHue() in range(90, 150)  # the badge's green


def test_app_icon_cuts_a_gap_around_the_badge():
    image = app_icon_image(64, Badge(S.BUSY))
    # Just outside the badge's circle, on the diagonal towards the glyph: transparent.
    assert image.pixelColor(35, 35).alpha() < 60
    assert image.pixelColor(48, 48).alpha() == 255


def test_app_icon_at_double_resolution():
    image = app_icon_image(22, Badge(S.ONLINE), device_pixel_ratio=2.0)
    assert image.size() == QSize(44, 44)


def test_badge_icon_has_pixmaps():
    assert not badge_icon(Badge(S.AWAY)).pixmap(16, 16).isNull()


@pytest.mark.parametrize("shape", list(BadgeShape))
def test_each_shape_has_an_svg_in_its_colour(shape: BadgeShape):
    svg = resource_bytes(badge_resource(shape)).decode()
    assert svg.startswith("<svg")
    assert _COLOURS[shape] in svg


def test_resources_are_rendered_once_per_size():
    first = resource_pixmap(badge_resource(BadgeShape.CHECK), 17)
    assert resource_pixmap(badge_resource(BadgeShape.CHECK), 17) is first
    assert resource_pixmap(badge_resource(BadgeShape.CHECK), 18) is not first
    assert resource_pixmap(APP_ICON_RESOURCE, 17).width() == 17


def test_a_missing_resource_is_a_sentence():
    with pytest.raises(MissingResourceError, match="reinstall the app"):
        resource_bytes("badges/no-such-badge.svg")
