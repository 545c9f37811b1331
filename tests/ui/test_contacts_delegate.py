"""The row delegate paints badge, name, summary and marks; rows differ by state."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyleOptionViewItem

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.ui.avatars import badge_spot
from presence_tray.ui.contacts_delegate import H_PADDING, ContactsDelegate, avatar_rect
from presence_tray.ui.contacts_model import ContactsModel, Role
from presence_tray.ui.contacts_proxy import ContactsProxyModel

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook

S = PresenceState


@pytest.fixture
def model(book: AddressBook, hub: PresenceHub, clock: ManualClock) -> Iterator[ContactsModel]:
    book.person("Ann Online", Platform.SLACK, Platform.TEAMS)
    book.person("Bea Busy", Platform.TEAMS)
    book.person("Cid Offline")
    book.person("Dee Stale")
    book.set("Ann Online", S.ONLINE, Platform.SLACK)
    book.set("Ann Online", S.BUSY, Platform.TEAMS)
    book.set("Bea Busy", S.BUSY, Platform.TEAMS)
    book.set("Cid Offline", S.OFFLINE)
    book.set("Dee Stale", S.ONLINE, source=PresenceSource.CACHE, ago=600)
    book.flush()
    contacts = ContactsModel(hub, clock)
    yield contacts
    contacts.close()


@pytest.fixture
def view(model: ContactsModel, qtbot: QtBot) -> QListView:
    proxy = ContactsProxyModel()
    proxy.setSourceModel(model)
    widget = QListView()
    widget.setModel(proxy)
    widget.setItemDelegate(ContactsDelegate(widget))
    widget.setUniformItemSizes(True)
    widget._proxy = proxy  # type: ignore[attr-defined]  # keep the proxy alive with the view
    qtbot.addWidget(widget)
    widget.resize(320, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def person_rows(view: QListView) -> list[int]:
    """The rows of people (section headers left out)."""
    model = view.model()
    return [row for row in range(model.rowCount()) if not model.index(row, 0).data(Role.IS_HEADER)]


def badge_pixel(view: QListView, image: QImage, row: int) -> QColor:
    """A pixel of the badge's fill (inside its upper left quarter, clear of its mark)."""
    spot = badge_spot(avatar_rect(QRectF(view.visualRect(view.model().index(row, 0)))))
    ratio = image.devicePixelRatio()
    x = (spot.left() + spot.width() * 0.28) * ratio
    y = (spot.top() + spot.height() * 0.32) * ratio
    return image.pixelColor(round(x), round(y))


def test_rows_have_one_uniform_height(view: QListView):
    delegate = view.itemDelegate()
    option = QStyleOptionViewItem()
    option.font = QFont(view.font())
    sizes = {delegate.sizeHint(option, view.model().index(row, 0)) for row in range(4)}
    assert len(sizes) == 1
    (size,) = sizes
    assert 30 <= size.height() <= 60


def test_badges_in_rows_follow_each_state(view: QListView):
    rows = person_rows(view)
    names = [view.model().index(row, 0).data(Role.NAME) for row in rows]
    assert names == ["Ann Online", "Dee Stale", "Bea Busy", "Cid Offline"]
    image = view.viewport().grab().toImage()
    online = badge_pixel(view, image, rows[0])
    stale = badge_pixel(view, image, rows[1])
    busy = badge_pixel(view, image, rows[2])
    assert online.green() > online.red() + 60
    assert busy.red() > busy.green() + 100
    # Half opacity: the stale green is closer to the background than the fresh one.
    background = view.palette().color(QPalette.ColorRole.Base)
    assert abs(stale.lightness() - background.lightness()) < abs(
        online.lightness() - background.lightness()
    )
    assert image.pixelColor(0, 0) != online


def test_paints_into_an_image_without_a_view(model: ContactsModel):
    delegate = ContactsDelegate()
    image = QImage(320, 44, QImage.Format.Format_ARGB32)
    images = []
    for row in range(model.rowCount()):
        image.fill(QColor("white"))
        painter = QPainter(image)
        option = QStyleOptionViewItem()
        option.rect = QRect(0, 0, 320, 44)
        option.font = QFont()
        option.palette = QPalette()
        delegate.paint(painter, option, model.index(row, 0))
        painter.end()
        images.append(image.copy())
    # Different people, different pixels (names, badges and marks differ).
    assert all(a != b for a, b in itertools.pairwise(images))
    assert any(images[0].pixelColor(x, y) != QColor("white") for x in range(320) for y in range(44))


def test_size_hint_grows_with_the_font(view: QListView):
    delegate = view.itemDelegate()
    small, large = QStyleOptionViewItem(), QStyleOptionViewItem()
    small.font = QFont(view.font())
    large.font = QFont(view.font())
    large.font.setPointSizeF(small.font.pointSizeF() * 2)
    index = view.model().index(0, 0)
    assert delegate.sizeHint(large, index).height() > delegate.sizeHint(small, index).height()
    assert delegate.sizeHint(small, index).width() == QSize(200, 0).width()


def test_tooltip_is_the_explanation(view: QListView):
    index = view.model().index(1, 0)  # Ann, under the "Available" header
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("Available on Slack; busy on Teams — most available wins")
    assert "Teams: Busy" in tooltip


def paint_row(index: QModelIndex, *, width: int = 320, height: int = 44) -> QImage:
    """One row painted by the delegate on white, with a light palette."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, width, height)
    option.font = QFont()
    option.palette = QPalette(QColor("white"))
    ContactsDelegate().paint(painter, option, index)
    painter.end()
    return image


def inked_columns(image: QImage) -> list[int]:
    """The x of every column with a pixel that is not white."""
    white = QColor("white")
    return [
        x
        for x in range(image.width())
        if any(image.pixelColor(x, y) != white for y in range(image.height()))
    ]


def test_a_header_is_painted_as_a_title_over_a_rule_without_a_badge(view: QListView):
    header = view.model().index(0, 0)
    assert header.data(Role.IS_HEADER)
    assert header.data(Qt.ItemDataRole.DisplayRole) == "Available"
    image = paint_row(header)
    ink = inked_columns(image)
    assert ink, "nothing painted"
    # The rule runs across the row at its bottom; the title sits above it, on the left, and
    # the count on the right. No badge: the badge column of a person's row stays blank above
    # the rule.
    bottom = image.height() - 1
    assert image.pixelColor(image.width() // 2, bottom) != QColor("white")
    badge_x = round(H_PADDING + 6)
    assert all(image.pixelColor(badge_x, y) == QColor("white") for y in range(12))
    person = paint_row(view.model().index(1, 0))
    assert any(person.pixelColor(badge_x, y) != QColor("white") for y in range(12, 32))


def test_a_favourite_gets_a_star_after_the_name(model: ContactsModel):
    index = model.index_of("cid-offline")
    plain = paint_row(index)
    model.set_favourite("cid-offline", favourite=True)
    assert index.data(Role.FAVOURITE)
    assert "favourite" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    starred = paint_row(index)
    assert plain != starred
    # The star is drawn right after the name, so the ink reaches further right (left of the
    # platform marks, which sit at the right end).
    name_band = QRect(0, 0, 240, 22)
    assert max(inked_columns(starred.copy(name_band))) > max(inked_columns(plain.copy(name_band)))
