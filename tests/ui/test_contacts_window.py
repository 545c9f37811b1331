"""The contacts window: search, keyboard, empty states, notices and the counts line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QApplication

from presence_tray.core.presence import PresenceState
from presence_tray.ui.contacts_model import TIME_DEPENDENT_ROLES, ContactsModel, Role
from presence_tray.ui.contacts_window import (
    NO_TRAY_NOTICE,
    SIMULATED_NETWORK_NOTICE,
    WINDOW_TITLE,
    ContactsWindow,
)
from presence_tray.ui.placement import place_near
from tests.ui.helpers import listed_names

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook

S = PresenceState
MakeWindow = Callable[..., ContactsWindow]


@pytest.fixture
def model(book: AddressBook, hub: PresenceHub, clock: ManualClock) -> Iterator[ContactsModel]:
    for name, state in [
        ("Alice Chen", S.ONLINE),
        ("Bob Stone", S.BUSY),
        ("Carol Diaz", S.OFFLINE),
        ("Dan Wu", S.ONLINE),
    ]:
        book.person(name)
        book.set(name, state)
    book.flush()
    contacts = ContactsModel(hub, clock)
    yield contacts
    contacts.close()


@pytest.fixture
def make_window(model: ContactsModel, qtbot: QtBot) -> MakeWindow:
    def make(*, simulated_network: bool = True, tray_available: bool = True) -> ContactsWindow:
        window = ContactsWindow(
            model, simulated_network=simulated_network, tray_available=tray_available
        )
        qtbot.addWidget(window)
        window.show_near(None)
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.search_field.hasFocus)
        return window

    return make


def status_text(window: ContactsWindow) -> str:
    """The status line as read aloud (its no-break spaces as spaces)."""
    return window.status_label.text().replace("\u00a0", " ")


def visible_names(window: ContactsWindow) -> list[str]:
    return listed_names(window.proxy)


def test_title_focus_and_accessible_names(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    assert window.windowTitle() == WINDOW_TITLE == "Presence Tray — Contacts"
    assert QApplication.focusWidget() is window.search_field
    assert window.search_field.accessibleName() == "Search contacts"
    assert window.list_view.accessibleName() == "Contacts"
    assert window.status_label.accessibleName() == "Status summary"
    assert window.list_view.uniformItemSizes()


def test_typing_filters_at_once(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClicks(window.search_field, "ali")
    assert visible_names(window) == ["Alice Chen"]
    assert window.list_view.isVisible()


def test_no_match_shows_the_empty_state(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClicks(window.search_field, "zz")
    assert visible_names(window) == []
    assert window.empty_label.isVisible()
    assert not window.list_view.isVisible()
    assert window.empty_label.text() == "No one matches 'zz'."
    qtbot.keyClick(window.search_field, Qt.Key.Key_Backspace)
    qtbot.keyClick(window.search_field, Qt.Key.Key_Backspace)
    assert window.list_view.isVisible()


def test_escape_clears_the_search_then_hides(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClicks(window.search_field, "bob")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Escape)
    assert window.search_field.text() == ""
    assert len(visible_names(window)) == 4
    assert window.isVisible()
    qtbot.keyClick(window.search_field, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_escape_does_not_hide_the_only_window(make_window: MakeWindow, qtbot: QtBot):
    window = make_window(tray_available=False)
    qtbot.keyClick(window.search_field, Qt.Key.Key_Escape)
    assert window.isVisible()


def test_down_moves_into_the_list_and_up_comes_back(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClick(window.search_field, Qt.Key.Key_Down)
    assert window.list_view.hasFocus()
    assert window.list_view.currentIndex().row() == 1  # under the "Available" header
    assert window.list_view.currentIndex().data(Role.NAME) == "Alice Chen"
    qtbot.keyClick(window.list_view, Qt.Key.Key_Down)
    assert window.list_view.currentIndex().data(Role.NAME) == "Dan Wu"
    qtbot.keyClick(window.list_view, Qt.Key.Key_Up)
    qtbot.keyClick(window.list_view, Qt.Key.Key_Up)
    assert window.search_field.hasFocus()


def test_typing_in_the_list_goes_to_the_search(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClick(window.search_field, Qt.Key.Key_Down)
    qtbot.keyClicks(window.list_view, "car")
    assert window.search_field.text() == "car"
    assert window.search_field.hasFocus()
    assert visible_names(window) == ["Carol Diaz"]


def test_down_with_nothing_listed_stays_in_the_search(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClicks(window.search_field, "zz")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Down)
    assert window.search_field.hasFocus()


def test_notices(make_window: MakeWindow):
    simulated = make_window(simulated_network=True, tray_available=True)
    assert simulated.banner.isVisible()
    assert simulated.banner.text() == SIMULATED_NETWORK_NOTICE
    assert "Connect yours in Settings" in SIMULATED_NETWORK_NOTICE
    assert not simulated.no_tray_notice.isVisible()
    real = make_window(simulated_network=False, tray_available=False)
    assert not real.banner.isVisible()
    assert real.no_tray_notice.isVisible()
    assert real.no_tray_notice.text() == NO_TRAY_NOTICE


def test_status_line_counts_and_follows_changes(
    make_window: MakeWindow, book: AddressBook, qtbot: QtBot
):
    window = make_window()
    assert status_text(window) == "2 available · 1 busy · 1 offline"
    book.set("Carol Diaz", S.BUSY)
    book.flush()
    qtbot.waitUntil(lambda: status_text(window) == "2 available · 2 busy")


def test_empty_hub_says_so(hub: PresenceHub, clock: ManualClock, qtbot: QtBot):
    model = ContactsModel(hub, clock)
    window = ContactsWindow(model, simulated_network=True, tray_available=True)
    qtbot.addWidget(window)
    window.show()
    assert window.empty_label.text() == "No contacts yet."
    assert window.status_label.text() == "No contacts yet"
    model.close()


def test_close_emits_closed(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    with qtbot.waitSignal(window.closed, timeout=1000):
        window.close()
    assert not window.isVisible()


def test_ctrl_q_asks_to_quit(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        qtbot.keyClick(window.search_field, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def test_show_near_an_anchor_keeps_the_window_on_screen(make_window: MakeWindow):
    window = make_window()
    screen = window.screen().availableGeometry()
    anchor = QRect(screen.right() - 30, screen.bottom() - 25, 22, 22)
    window.show_near(anchor)
    assert screen.contains(window.frameGeometry())
    assert window.geometry().bottom() < anchor.top()


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        (QRect(1250, 770, 22, 30), (1272 - 300, 770 - 6 - 400)),  # bottom-right panel
        (QRect(1250, 0, 22, 22), (1272 - 300, 22 + 6)),  # top-right panel
        (QRect(10, 0, 22, 22), (10, 28)),  # top-left
        (QRect(-50, 780, 22, 20), (6, 780 - 6 - 400)),  # partly off-screen: clamped
    ],
)
def test_place_near(anchor: QRect, expected: tuple[int, int]):
    point = place_near(QSize(300, 400), anchor, QRect(0, 0, 1280, 800))
    assert (point.x(), point.y()) == expected


# -- sections and the keyboard -----------------------------------------------------------------


def test_headers_are_listed_but_never_selected(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    proxy = window.proxy
    headers = [
        proxy.index(row, 0).data(Qt.ItemDataRole.DisplayRole)
        for row in range(proxy.rowCount())
        if proxy.index(row, 0).data(Role.IS_HEADER)
    ]
    assert headers == ["Available", "Busy", "Offline"]
    view = window.list_view
    busy_header = proxy.index(3, 0)
    assert busy_header.data(Role.IS_HEADER)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(busy_header).center()
    )
    assert not view.selectionModel().isSelected(busy_header)
    assert view.selectionModel().selectedIndexes() == []


def test_arrow_keys_skip_headers_both_ways(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    view = window.list_view
    qtbot.keyClick(window.search_field, Qt.Key.Key_Down)
    walked = [view.currentIndex().data(Role.NAME)]
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        walked.append(view.currentIndex().data(Role.NAME))
    # Alice and Dan (available), Bob (busy), Carol (offline); the last Down stays on Carol.
    assert walked == ["Alice Chen", "Dan Wu", "Bob Stone", "Carol Diaz", "Carol Diaz"]
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.currentIndex().data(Role.NAME) == "Alice Chen"
    assert view.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().data(Role.NAME) == "Carol Diaz"
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().data(Role.NAME) == "Alice Chen"
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert view.currentIndex().data(Role.NAME) == "Carol Diaz"
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert view.currentIndex().data(Role.NAME) == "Alice Chen"


def test_a_remembered_size_is_fitted_to_the_screen_and_minimum(make_window: MakeWindow):
    window = make_window()
    screen = window.screen().availableGeometry()
    window.restore_size(400, 620)
    assert (window.width(), window.height()) == (400, 620)
    window.restore_size(screen.width() * 3, screen.height() * 3)  # from a bigger monitor
    assert window.width() <= screen.width()
    assert window.height() <= screen.height()
    window.restore_size(10, 10)
    assert window.width() >= window.minimumWidth()
    assert window.height() >= window.minimumHeight()


def test_ages_refresh_when_the_window_shows_them(
    make_window: MakeWindow,
    model: ContactsModel,
    book: AddressBook,
    clock: ManualClock,
    qtbot: QtBot,
):
    book.set("Alice Chen", S.OFFLINE)  # she was online: now "last seen", with an age
    book.flush()
    window = make_window()
    window.hide()  # while hidden, no timer refreshes the ages
    alice = model.index_of("alice-chen").row()
    refreshed: list[tuple[int, list[int]]] = []
    model.dataChanged.connect(lambda top, _bottom, roles: refreshed.append((top.row(), roles)))
    clock.advance(2 * 3600)
    window.show_near(None)
    qtbot.waitExposed(window)
    assert (alice, list(TIME_DEPENDENT_ROLES)) in refreshed  # shown again: refreshed at once
    assert "last seen 2 h ago" in model.index(alice, 0).data(Role.SUMMARY)
