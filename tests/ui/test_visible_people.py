"""The people in sight in the contacts window, reported for the pollers to ask about first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.ui.contacts_model import ContactsModel, Role
from presence_tray.ui.contacts_window import ContactsWindow
from presence_tray.ui.shell import TrayShell
from presence_tray.ui.visible_people import VISIBLE_PEOPLE_DELAY_MS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook

PEOPLE = 60
"""More than the window's default height shows at once."""
FIRST = "person-00"
LAST = f"person-{PEOPLE - 1:02d}"
REPORT_TIMEOUT_MS = 2000


@pytest.fixture
def model(book: AddressBook, hub: PresenceHub, clock: ManualClock) -> Iterator[ContactsModel]:
    for number in range(PEOPLE):
        name = f"Person {number:02d}"
        book.person(name)
        book.set(name, PresenceState.ONLINE)
    book.flush()
    contacts = ContactsModel(hub, clock)
    yield contacts
    contacts.close()


@pytest.fixture
def window(model: ContactsModel, qtbot: QtBot) -> ContactsWindow:
    """The window, not shown yet."""
    contacts = ContactsWindow(model, simulated_network=False, tray_available=True)
    qtbot.addWidget(contacts)
    return contacts


def rows_on_screen(window: ContactsWindow) -> frozenset[str]:
    """The person ids of the rows whose rectangles reach into the list's viewport."""
    view = window.list_view
    area = view.viewport().rect()
    indexes = (window.proxy.index(row, 0) for row in range(window.proxy.rowCount()))
    return frozenset(
        str(index.data(Role.PERSON_ID))
        for index in indexes
        if not index.data(Role.IS_HEADER) and view.visualRect(index).intersects(area)
    )


def show(window: ContactsWindow, qtbot: QtBot) -> frozenset[str]:
    """Show the window; returns the first report."""
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        window.show_near(None)
    qtbot.waitExposed(window)
    people: frozenset[str] = report.args[0]
    return people


def test_showing_reports_the_rows_in_view_not_those_scrolled_out(
    window: ContactsWindow, qtbot: QtBot
):
    people = show(window, qtbot)
    assert people == rows_on_screen(window)
    assert FIRST in people
    assert LAST not in people
    assert 0 < len(people) < PEOPLE
    assert window.visible_people.current == people


def test_scrolling_changes_them(window: ContactsWindow, qtbot: QtBot):
    top = show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        window.list_view.scrollToBottom()
    bottom: frozenset[str] = report.args[0]
    assert bottom == rows_on_screen(window)
    assert LAST in bottom
    assert FIRST not in bottom
    assert bottom.isdisjoint(top)


def test_a_scroll_is_counted_once_it_rests_not_per_pixel(window: ContactsWindow, qtbot: QtBot):
    show(window, qtbot)
    reports: list[frozenset[str]] = []
    window.visible_people_changed.connect(reports.append)
    scroll_bar = window.list_view.verticalScrollBar()
    for pixel in range(0, scroll_bar.maximum() + 1, 4):
        scroll_bar.setValue(pixel)
    assert reports == []  # nothing yet: the scroll has not rested
    qtbot.waitUntil(lambda: bool(reports), timeout=REPORT_TIMEOUT_MS)
    qtbot.wait(VISIBLE_PEOPLE_DELAY_MS * 2)
    assert reports == [rows_on_screen(window)]


def test_hiding_reports_nobody_at_once_and_schedules_nothing(
    window: ContactsWindow, qtbot: QtBot, book: AddressBook
):
    show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=0) as report:
        window.hide()
    assert report.args == [frozenset()]
    with qtbot.assertNotEmitted(window.visible_people_changed, wait=VISIBLE_PEOPLE_DELAY_MS * 2):
        book.person("Aaron Early")  # sorts first: the list changes under the hidden window
        book.set("Aaron Early", PresenceState.ONLINE)
        book.flush()
        window.list_view.scrollToBottom()
        assert not window.visible_people.pending
    assert window.visible_people.current == frozenset()


def test_showing_again_reports_the_rows_again(window: ContactsWindow, qtbot: QtBot):
    first = show(window, qtbot)
    window.hide()
    assert show(window, qtbot) == first


def test_searching_changes_them(window: ContactsWindow, qtbot: QtBot):
    show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        qtbot.keyClicks(window.search_field, f"Person {PEOPLE - 1}")
    assert report.args == [frozenset({LAST})]
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        qtbot.keyClicks(window.search_field, "zz")  # no one matches
    assert report.args == [frozenset()]


def test_a_shorter_window_shows_fewer(window: ContactsWindow, qtbot: QtBot):
    tall = show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        window.resize(window.width(), window.minimumHeight())
    short: frozenset[str] = report.args[0]
    assert short == rows_on_screen(window)
    assert FIRST in short
    assert short < tall


def test_new_people_at_the_top_push_others_out_of_view(
    window: ContactsWindow, qtbot: QtBot, book: AddressBook
):
    before = show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        for name in ("Aaron Early", "Abby Early"):
            book.person(name)
            book.set(name, PresenceState.ONLINE)
        book.flush()
    after: frozenset[str] = report.args[0]
    assert after == rows_on_screen(window)
    assert {"aaron-early", "abby-early"} <= after
    assert after - {"aaron-early", "abby-early"} < before


def test_an_open_detail_is_the_person_in_sight(window: ContactsWindow, qtbot: QtBot):
    listed = show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        assert window.open_person(LAST)
    assert report.args == [frozenset({LAST})]
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    back: frozenset[str] = report.args[0]
    assert LAST in back  # the list comes back scrolled to the person who was open
    assert back != listed


def test_a_minimised_window_shows_nobody(window: ContactsWindow, qtbot: QtBot):
    show(window, qtbot)
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        window.setWindowState(Qt.WindowState.WindowMinimized)
    assert report.args == [frozenset()]
    with qtbot.waitSignal(window.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
        window.setWindowState(Qt.WindowState.WindowNoState)
    assert FIRST in report.args[0]


def test_the_shell_passes_the_reports_on(
    model: ContactsModel, hub: PresenceHub, clock: ManualClock, qtbot: QtBot
):
    shell = TrayShell(
        hub, ClientSupervisor(hub, clock), clock, simulated_network=True, tray_available=False
    )
    try:
        with qtbot.waitSignal(shell.visible_people_changed, timeout=REPORT_TIMEOUT_MS) as report:
            shell.start()  # without a tray the window opens at once
        assert FIRST in report.args[0]
        with qtbot.waitSignal(shell.visible_people_changed, timeout=0) as report:
            shell.toggle_contacts()
        assert report.args == [frozenset()]
    finally:
        shell.close()
        if shell.contacts_window is not None:
            shell.contacts_window.deleteLater()
