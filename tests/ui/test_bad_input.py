"""Bad input for the contacts list: absurd searches, absurd names, and 10,000 people.

None of it may crash, and the window must keep a sane layout: rows of the one uniform height,
a window no wider than it was, text elided rather than pushing things off screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QModelIndex, QSize
from PySide6.QtGui import QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.ui.contacts_delegate import ContactsDelegate
from presence_tray.ui.contacts_model import ContactsModel, Role
from presence_tray.ui.contacts_window import ContactsWindow, no_match_text
from tests.ui.helpers import listed, listed_names

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook

S = PresenceState
LONG_NAME = ("Maximiliana Wolfeschlegelsteinhausenbergerdorff-Ödegaard " * 4)[:200]
EMOJI_NAME = "🦄 Zoë 👩🏽\u200d💻 O\u2019Brien 🇳🇴"
RTL_NAME = "مريم العلي"
SEARCHES = [
    "",
    "   ",
    " \t\n ",
    "x" * 10_000,
    ".*",
    "[(",
    "a|b",
    "^$\\d+?{2}",
    "%s %d {0} ${x}",
    "🦄",
    "👩🏽‍💻",
    "مريم",
    "שלום",
    "\u202e\u200f",  # right-to-left override and mark, nothing else
    "\x00",
    "Ödegaard",
]
MakeWindow = Callable[[ContactsModel], ContactsWindow]


@pytest.fixture
def make_window(qtbot: QtBot) -> MakeWindow:
    def make(model: ContactsModel) -> ContactsWindow:
        window = ContactsWindow(model, simulated_network=True, tray_available=True)
        qtbot.addWidget(window)
        window.show_near(None)
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def odd_people(book: AddressBook, hub: PresenceHub, clock: ManualClock) -> Iterator[ContactsModel]:
    book.person(LONG_NAME, Platform.SLACK, Platform.TEAMS, Platform.DISCORD)
    book.person(EMOJI_NAME, Platform.DISCORD, handle="🦄@example.org")
    book.person(RTL_NAME, Platform.TEAMS)
    book.person("Ann Plain")
    book.person("", Platform.MATRIX)  # a platform that sent no display name at all
    book.set(LONG_NAME, S.BUSY, Platform.TEAMS)
    book.set(EMOJI_NAME, S.ONLINE, Platform.DISCORD)
    book.set(RTL_NAME, S.AWAY, Platform.TEAMS)
    book.set("Ann Plain", S.OFFLINE, ago=7200)
    book.flush()
    model = ContactsModel(hub, clock)
    yield model
    model.close()


def row_heights(window: ContactsWindow) -> set[int]:
    view = window.list_view
    proxy = window.proxy
    return {view.visualRect(proxy.index(row, 0)).height() for row in range(proxy.rowCount())}


def uniform_height(window: ContactsWindow) -> int:
    option = QStyleOptionViewItem()
    option.font = QFont(window.list_view.font())
    return ContactsDelegate().sizeHint(option, QModelIndex()).height()


def paint_every_row(window: ContactsWindow) -> QImage:
    """Paint each row into an image through the window's own delegate."""
    view = window.list_view
    proxy = window.proxy
    delegate = view.itemDelegate()
    height = uniform_height(window)
    image = QImage(QSize(view.viewport().width(), height), QImage.Format.Format_ARGB32)
    for row in range(proxy.rowCount()):
        image.fill(0)
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = image.rect()
        painter = QPainter(image)
        delegate.paint(painter, option, proxy.index(row, 0))
        painter.end()
    return image


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: repr(s[:12]) + f"-{len(s)}")
def test_absurd_searches_neither_crash_nor_break_the_layout(
    odd_people: ContactsModel, make_window: MakeWindow, qtbot: QtBot, search: str
):
    window = make_window(odd_people)
    size = window.size()
    window.search_field.setText(search)
    QApplication.processEvents()
    shown = window.proxy.people_count()
    assert 0 <= shown <= odd_people.rowCount()
    if not search.strip():
        assert shown == odd_people.rowCount()  # whitespace is no search at all
        assert window.list_view.isVisible()
    elif shown == 0:
        assert window.empty_label.isVisible()
        assert window.empty_label.text() == no_match_text(search)
        assert window.empty_label.width() <= window.width()
    # The window keeps its size: a 10,000-character search does not widen it.
    assert window.size() == size
    assert row_heights(window) <= {uniform_height(window)}
    window.grab()  # paints the whole window, rows or empty state
    window.search_field.clear()
    assert window.proxy.people_count() == odd_people.rowCount()


def test_searches_match_what_they_should(odd_people: ContactsModel, make_window: MakeWindow):
    window = make_window(odd_people)

    def found(search: str) -> list[str]:
        window.search_field.setText(search)
        return listed_names(window.proxy)

    assert found("🦄") == [EMOJI_NAME]
    assert found("zoë") == [EMOJI_NAME]
    assert found("مريم") == [RTL_NAME]
    assert found("ödegaard") == [LONG_NAME]  # case-insensitive beyond ASCII
    assert found(".*") == []  # a literal search, not a regular expression
    assert found("x" * 10_000) == []


def test_long_emoji_and_rtl_names_keep_the_uniform_row_height(
    odd_people: ContactsModel, make_window: MakeWindow
):
    window = make_window(odd_people)
    height = uniform_height(window)
    assert 20 <= height <= 80
    assert row_heights(window) == {height}
    window.resize(260, 400)  # narrower than the long name by far
    QApplication.processEvents()
    assert row_heights(window) == {height}
    assert window.list_view.horizontalScrollBar().maximum() == 0  # elided, not scrolled
    image = paint_every_row(window)
    assert not image.isNull()
    assert LONG_NAME in listed_names(window.proxy)
    window.grab()


def test_names_order_without_crashing(odd_people: ContactsModel, make_window: MakeWindow):
    window = make_window(odd_people)
    keys = [tuple(key) for key in listed(window.proxy, Role.SORT_KEY)]
    assert keys == sorted(keys)
    assert window.proxy.people_count() == 5


def ten_thousand_people(hub: PresenceHub, clock: ManualClock) -> None:
    states = (S.ONLINE, S.IDLE, S.BUSY, S.AWAY, S.OFFLINE)
    platforms = (Platform.SLACK, Platform.TEAMS, Platform.DISCORD)
    identities = [
        Identity(
            IdentityKey(platform, "acct", f"{platform.value}-{n}"),
            f"Person {n} {'🙂' if n % 7 == 0 else ''}",
            handles=(f"person{n}@example.org",),
            person_id=f"p{n}",
        )
        for n in range(10_000)
        for platform in platforms
    ]
    hub.add_identities(identities)
    for n, identity in enumerate(identities):
        hub.ingest(PlatformPresence(identity.key, states[n % 5], clock.now()))
    hub.flush()


def test_ten_thousand_people(
    hub: PresenceHub, clock: ManualClock, make_window: MakeWindow, qtbot: QtBot
):
    ten_thousand_people(hub, clock)
    started = time.perf_counter()
    model = ContactsModel(hub, clock)
    built = time.perf_counter() - started
    try:
        assert model.rowCount() == 10_000
        started = time.perf_counter()
        window = make_window(model)
        window.grab()
        opened = time.perf_counter() - started
        assert window.proxy.people_count() == 10_000
        started = time.perf_counter()
        qtbot.keyClicks(window.search_field, "person12")
        QApplication.processEvents()
        typed = time.perf_counter() - started
        assert (
            window.proxy.people_count() == 111
        )  # handles person12, person120-129, person1200-1299@
        window.search_field.setText("x" * 10_000)
        assert window.proxy.people_count() == 0
        window.search_field.clear()
        assert window.proxy.people_count() == 10_000
        assert row_heights(window) == {uniform_height(window)}
        window.list_view.scrollToBottom()
        window.grab()
        # Generous bounds (a loaded CI machine); bench/ui.py measures the real figures.
        assert built < 3
        assert opened < 3
        assert typed < 3
    finally:
        model.close()
