"""A person's detail in the contacts window: each platform's value, the deciding one and why,
limits, 24 h of history, live updates, the actions (with a real SQLite store), and bad input."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from presence_tray.core.identity import Identity, Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.people_service import (
    HISTORY_OFF,
    NO_HISTORY_KEPT,
    PLATFORM_LIMITATIONS,
    PeopleService,
)
from presence_tray.ui.contacts_model import ContactsModel, Role, Section
from presence_tray.ui.contacts_window import ContactsWindow
from presence_tray.ui.identity_row import DECIDES
from presence_tray.ui.person_detail import (
    NO_HISTORY_YET,
    NOT_REMEMBERED,
    PersonDetail,
    gone_text,
    notify_text,
)
from presence_tray.ui.shell import TrayShell
from tests.storage.helpers import transition
from tests.ui.helpers import START, listed_names

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.storage.local_store import LocalStore
    from tests.ui.helpers import AddressBook

S = PresenceState
ALICE = "alice-chen"
TEAMS_CHAT = "https://teams.microsoft.com/l/chat/0/0?users=alice@corp.example"
WHATSAPP_NOTE = PLATFORM_LIMITATIONS[Platform.WHATSAPP]
LONG_NAME = ("Maximiliana Wolfeschlegelsteinhausenbergerdorff-Ödegaard " * 4)[:200]
EMOJI_NAME = "🦄 Zoë 👩🏽\u200d💻 O\u2019Brien 🇳🇴"
MakeWindow = Callable[..., ContactsWindow]


@pytest.fixture
def people_in_hub(book: AddressBook, hub: PresenceHub) -> AddressBook:
    """Alice on Slack (available), Teams (in a meeting, with a chat link) and WhatsApp (which
    shares nothing); Bob busy on Slack; Carol offline."""
    book.person("Alice Chen", Platform.SLACK, Platform.TEAMS, Platform.WHATSAPP)
    teams = book.keys["Alice Chen", Platform.TEAMS]
    hub.add_identities([Identity(teams, "Alice Chen (Corp)", chat_url=TEAMS_CHAT, person_id=ALICE)])
    book.person("Bob Stone")
    book.person("Carol Diaz")
    book.set("Alice Chen", S.ONLINE, Platform.SLACK)
    book.set("Alice Chen", S.BUSY, Platform.TEAMS, activity=Activity(ActivityKind.IN_A_MEETING))
    book.set(
        "Alice Chen",
        S.UNKNOWN,
        Platform.WHATSAPP,
        source=PresenceSource.NONE,
        note=WHATSAPP_NOTE,
    )
    book.set("Bob Stone", S.BUSY)
    book.set("Carol Diaz", S.OFFLINE, ago=3600)
    book.flush()
    return book


@pytest.fixture
def model(
    people_in_hub: AddressBook, hub: PresenceHub, clock: ManualClock
) -> Iterator[ContactsModel]:
    contacts = ContactsModel(hub, clock)
    yield contacts
    contacts.close()


@pytest.fixture
def make_window(model: ContactsModel, qtbot: QtBot) -> MakeWindow:
    def make(people: PeopleService | None = None) -> ContactsWindow:
        window = ContactsWindow(
            model,
            simulated_network=True,
            tray_available=True,
            people=PeopleService(None) if people is None else people,
        )
        qtbot.addWidget(window)
        window.show_near(None)
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.search_field.hasFocus)  # the window is active: shortcuts work
        return window

    return make


def row_texts(detail: PersonDetail) -> dict[Platform, dict[str, str]]:
    """What each identity row says, by platform."""
    return {
        row.key.platform: {
            "value": row.value_label.text(),
            "decides": row.decides_label.text() if row.decides_label.isVisibleTo(detail) else "",
            "limitation": row.limitation_label.text(),
            "account": row.account_label.full_text,
        }
        for row in detail.identity_rows
    }


# -- what it shows --------------------------------------------------------------------------


def test_each_platform_value_the_deciding_one_why_and_the_limits(make_window: MakeWindow):
    window = make_window()
    assert window.open_person(ALICE)
    detail = window.detail
    assert window.showing_detail
    assert detail.name_label.full_text == "Alice Chen"
    why = "Available on Slack; busy on Teams; unknown on WhatsApp — most available wins"
    assert detail.explanation_label.text() == why
    assert detail.summary_label.text() == "Available · Slack"
    rows = row_texts(detail)
    assert list(rows) == [Platform.SLACK, Platform.TEAMS, Platform.WHATSAPP]
    assert rows[Platform.SLACK]["value"] == "Slack: Available"
    assert rows[Platform.SLACK]["decides"] == DECIDES
    assert rows[Platform.TEAMS]["value"] == "Teams: Busy · In a meeting"
    assert rows[Platform.TEAMS]["decides"] == ""
    assert rows[Platform.TEAMS]["account"] == "Teams · Alice Chen (Corp)"
    assert rows[Platform.WHATSAPP]["value"] == "WhatsApp does not share presence"
    for platform, texts in rows.items():
        assert texts["limitation"] == PLATFORM_LIMITATIONS[platform]
    # Stated once: WhatsApp's value is its limitation already.
    limits_shown = {
        row.key.platform: row.limitation_label.isVisibleTo(detail) for row in detail.identity_rows
    }
    assert limits_shown == {Platform.SLACK: True, Platform.TEAMS: True, Platform.WHATSAPP: False}


def test_a_value_that_says_its_platforms_limit_is_shown_whole_and_the_limit_once(
    make_window: MakeWindow, people_in_hub: AddressBook
):
    limit = PLATFORM_LIMITATIONS[Platform.SLACK]
    people_in_hub.set("Bob Stone", S.AWAY, note=limit)  # Slack's "away" may mean signed out
    people_in_hub.flush()
    window = make_window()
    window.open_person("bob-stone")
    (row,) = window.detail.identity_rows
    assert row.value_label.text() == f"Slack: Away ({limit})"
    assert row.value_label.wordWrap()  # wrapped in the narrow window, never cut short
    assert not row.limitation_label.isVisibleTo(window.detail)


def test_a_stale_value_says_how_old_it_is(
    make_window: MakeWindow, people_in_hub: AddressBook, clock: ManualClock
):
    people_in_hub.set("Bob Stone", S.BUSY, source=PresenceSource.CACHE, ago=300)
    people_in_hub.flush()
    window = make_window()
    window.open_person("bob-stone")
    assert row_texts(window.detail)[Platform.SLACK]["value"] == "Slack: Busy · 5 min ago"
    assert "stale" in window.detail.explanation_label.text()


def test_enter_opens_and_escape_goes_back_with_the_row_selected_and_search_kept(
    make_window: MakeWindow, qtbot: QtBot
):
    window = make_window()
    qtbot.keyClicks(window.search_field, "i")  # Alice (on WhatsApp) and Carol Diaz
    qtbot.keyClick(window.search_field, Qt.Key.Key_Down)
    qtbot.keyClick(window.list_view, Qt.Key.Key_Down)
    assert window.list_view.currentIndex().data(Role.NAME) == "Carol Diaz"
    qtbot.keyClick(window.list_view, Qt.Key.Key_Return)
    assert window.showing_detail
    assert window.detail.person_id == "carol-diaz"
    qtbot.keyClick(window.detail.back_button, Qt.Key.Key_Escape)
    assert not window.showing_detail
    assert window.search_field.text() == "i"
    assert window.list_view.currentIndex().data(Role.NAME) == "Carol Diaz"
    assert window.list_view.hasFocus()
    assert window.detail.person_id is None  # no longer following the hub


def test_enter_in_the_search_field_opens_the_top_match(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    qtbot.keyClicks(window.search_field, "carol")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    assert window.showing_detail
    assert window.detail.person_id == "carol-diaz"
    qtbot.keyClick(window.detail.back_button, Qt.Key.Key_Escape)
    assert window.list_view.currentIndex().data(Role.NAME) == "Carol Diaz"


def test_enter_in_the_search_field_with_no_match_opens_nothing(
    make_window: MakeWindow, qtbot: QtBot
):
    window = make_window()
    qtbot.keyClicks(window.search_field, "nobody by this name")
    qtbot.keyClick(window.search_field, Qt.Key.Key_Return)
    assert not window.showing_detail
    assert window.search_field.hasFocus()


def test_double_click_opens_and_alt_left_or_back_return(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    view = window.list_view
    bob = window.proxy.mapFromSource(window.proxy.sourceModel().index_of("bob-stone"))
    rect = view.visualRect(bob)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.detail.person_id == "bob-stone"
    qtbot.keyClick(window.detail.back_button, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert not window.showing_detail
    window.open_person("bob-stone")
    qtbot.mouseClick(window.detail.back_button, Qt.MouseButton.LeftButton)
    assert not window.showing_detail
    assert view.currentIndex().data(Role.NAME) == "Bob Stone"


def test_open_chat_only_where_a_link_exists(hub: PresenceHub, clock: ManualClock, model, qtbot):
    opened: list[QUrl] = []
    detail = PersonDetail(hub, clock, PeopleService(None), open_url=opened.append)
    qtbot.addWidget(detail)
    detail.show_person(ALICE)
    buttons = {row.key.platform: row.chat_button for row in detail.identity_rows}
    assert buttons[Platform.SLACK] is None
    assert buttons[Platform.WHATSAPP] is None
    teams = buttons[Platform.TEAMS]
    assert teams is not None
    assert teams.text() == teams.accessibleName() == "Open chat on Teams"
    qtbot.mouseClick(teams, Qt.MouseButton.LeftButton)
    assert opened == [QUrl(TEAMS_CHAT)]


def test_link_and_unlink_are_asked_for_through_signals(make_window: MakeWindow, qtbot: QtBot):
    window = make_window()
    window.open_person(ALICE)
    detail = window.detail
    with qtbot.waitSignal(window.link_requested) as linked:
        qtbot.mouseClick(detail.link_button, Qt.MouseButton.LeftButton)
    assert linked.args == [ALICE]
    teams_row = next(row for row in detail.identity_rows if row.key.platform is Platform.TEAMS)
    assert teams_row.unlink_button is not None
    with qtbot.waitSignal(window.unlink_requested) as unlinked:
        qtbot.mouseClick(teams_row.unlink_button, Qt.MouseButton.LeftButton)
    assert unlinked.args == [teams_row.key]
    window.open_person("bob-stone")  # one identity: nothing to unlink
    assert [row.unlink_button for row in detail.identity_rows] == [None]


# -- live -----------------------------------------------------------------------------------


async def test_the_detail_follows_the_hub_while_open(
    make_window: MakeWindow,
    people_in_hub: AddressBook,
    clock: ManualClock,
    store: LocalStore,
    qtbot: QtBot,
):
    people = PeopleService(store)
    window = make_window(people)
    window.open_person(ALICE)
    await people.aclose()  # the history (none yet) has loaded
    detail = window.detail
    clock.advance(60)
    people_in_hub.set("Alice Chen", S.OFFLINE, Platform.SLACK)
    people_in_hub.flush()
    qtbot.waitUntil(lambda: detail.summary_label.text().startswith("Busy"))
    rows = row_texts(detail)
    assert rows[Platform.SLACK]["value"] == "Slack: Offline"
    assert rows[Platform.TEAMS]["decides"] == DECIDES
    assert detail.explanation_label.text().startswith("Busy on Teams")
    # The change is on the timeline at once: history on disk is written every few seconds.
    slack_lane = detail.timeline.shown[0]
    assert [span.state for span in slack_lane] == [S.OFFLINE]
    assert slack_lane[0].end == pytest.approx(1.0)


def test_a_person_linked_away_while_open_goes_back_with_a_sentence(
    make_window: MakeWindow, people_in_hub: AddressBook, hub: PresenceHub, qtbot: QtBot
):
    window = make_window()
    window.open_person("carol-diaz")
    hub.link(people_in_hub.keys["Carol Diaz", Platform.SLACK], ALICE)
    qtbot.waitUntil(lambda: not window.showing_detail)
    assert window.list_notice.isVisible()
    assert window.list_notice.text() == gone_text("Carol Diaz")
    assert window.list_notice.text() == (
        "Carol Diaz is no longer in your contacts (linked or removed)."
    )


@pytest.fixture
def shell(hub: PresenceHub, clock: ManualClock, people_in_hub: AddressBook) -> Iterator[TrayShell]:
    tray_shell = TrayShell(
        hub, ClientSupervisor(hub, clock), clock, simulated_network=True, tray_available=False
    )
    yield tray_shell
    tray_shell.close()
    if tray_shell.contacts_window is not None:
        tray_shell.contacts_window.deleteLater()


def test_a_notification_click_opens_that_person(shell: TrayShell, qtbot: QtBot):
    shell.start()
    shell.use_people(PeopleService(None))
    shell.open_person(ALICE)  # what clicking a notification about Alice does
    window = shell.contacts_window
    assert window is not None
    qtbot.waitExposed(window)
    assert window.showing_detail
    assert window.detail.name_label.full_text == "Alice Chen"
    shell.open_person("nobody")  # gone since the notification was sent
    assert not window.showing_detail
    assert window.list_notice.text() == gone_text("")


# -- history --------------------------------------------------------------------------------


async def test_the_last_24_hours_come_from_storage(
    make_window: MakeWindow, people_in_hub: AddressBook, store: LocalStore, qtbot: QtBot
):
    slack = people_in_hub.keys["Alice Chen", Platform.SLACK]
    teams = people_in_hub.keys["Alice Chen", Platform.TEAMS]
    await asyncio.to_thread(
        store.history.append_many,
        [
            transition(slack, S.OFFLINE, START - 30 * 3600),  # before the window: its start
            transition(slack, S.ONLINE, START - 6 * 3600),
            transition(teams, S.BUSY, START - 12 * 3600),
        ],
    )
    people = PeopleService(store)
    window = make_window(people)
    window.open_person(ALICE)
    await people.aclose()
    detail = window.detail
    slack_lane, teams_lane, whatsapp_lane = detail.timeline.shown
    assert [(span.state, round(span.start, 3)) for span in slack_lane] == [
        (S.OFFLINE, 0.0),
        (S.ONLINE, 0.75),
    ]
    assert [(span.state, span.start) for span in teams_lane] == [(S.BUSY, 0.5)]
    assert whatsapp_lane == []
    assert detail.timeline.isVisibleTo(detail)
    assert not detail.history_label.isVisibleTo(detail)
    assert "Slack: Offline 75 %, Available 25 %" in detail.timeline.toolTip()


async def test_no_history_yet_and_history_off(
    make_window: MakeWindow, store: LocalStore, qtbot: QtBot
):
    people = PeopleService(store)
    window = make_window(people)
    window.open_person("bob-stone")
    await people.aclose()
    assert window.detail.history_label.text() == NO_HISTORY_YET
    off = PeopleService(store, history_enabled=lambda: False)
    window.set_people(off)
    window.open_person("bob-stone")
    assert window.detail.history_label.text() == HISTORY_OFF
    assert not window.detail.timeline.isVisibleTo(window.detail)


# -- actions, saved in a real SQLite store ------------------------------------------------


async def test_favourite_moves_the_person_first_and_is_saved(
    make_window: MakeWindow, store: LocalStore, qtbot: QtBot
):
    people = PeopleService(store)
    window = make_window(people)
    window.open_person("carol-diaz")
    star = window.detail.favourite_button
    assert star.text() == "☆ Favourite"
    assert star.accessibleName() == "Favourite"
    qtbot.mouseClick(star, Qt.MouseButton.LeftButton)
    assert star.isChecked()
    assert star.text() == "★ Favourite"
    assert listed_names(window.proxy)[0] == "Carol Diaz"
    header = window.proxy.index(0, 0)
    assert header.data(Qt.ItemDataRole.DisplayRole) == "Favourites"
    assert header.data(Role.SECTION) == Section.FAVOURITES
    await people.aclose()
    assert await asyncio.to_thread(store.people.favourites) == {"carol-diaz"}
    qtbot.mouseClick(star, Qt.MouseButton.LeftButton)
    await people.aclose()
    assert await asyncio.to_thread(store.people.favourites) == frozenset()
    assert listed_names(window.proxy)[-1] == "Carol Diaz"  # back among the offline


async def test_notify_me_when_available_can_be_asked_and_cancelled(
    make_window: MakeWindow, store: LocalStore, qtbot: QtBot
):
    people = PeopleService(store)
    window = make_window(people)
    window.open_person("bob-stone")
    detail = window.detail
    assert detail.notify_button.text() == "Notify me when available"
    qtbot.mouseClick(detail.notify_button, Qt.MouseButton.LeftButton)
    assert detail.notify_label.text() == notify_text("Bob Stone")
    assert detail.notify_label.text() == "You'll be notified when Bob Stone is available."
    assert detail.notify_button.text() == "Cancel notification"
    await people.aclose()
    (rule,) = await asyncio.to_thread(store.rules.list)
    assert (rule.person_id, rule.on.value, rule.once) == ("bob-stone", "available", True)
    qtbot.mouseClick(detail.notify_button, Qt.MouseButton.LeftButton)
    assert not detail.notify_label.isVisibleTo(detail)
    await people.aclose()
    assert await asyncio.to_thread(store.rules.list) == []


async def test_the_row_menu_marks_favourites_and_asks_for_notifications(
    make_window: MakeWindow, store: LocalStore
):
    people = PeopleService(store)
    window = make_window(people)
    menu = window.row_menu("bob-stone")
    texts = [action.text() for action in menu.actions()]
    assert texts == ["Open", "Add to favourites", "Notify me when available"]
    menu.actions()[1].trigger()
    menu.actions()[2].trigger()
    await people.aclose()
    assert await asyncio.to_thread(store.people.favourites) == {"bob-stone"}
    assert people.notifies_when_available("bob-stone")
    assert [action.text() for action in window.row_menu("bob-stone").actions()][1:] == [
        "Remove from favourites",
        "Cancel the notification request",
    ]
    window.row_menu("bob-stone").actions()[0].trigger()
    assert window.detail.person_id == "bob-stone"


def test_without_storage_the_window_says_nothing_is_remembered(make_window: MakeWindow):
    window = make_window(PeopleService(None))
    window.open_person(ALICE)
    detail = window.detail
    assert detail.not_remembered_label.isVisibleTo(detail)
    assert detail.not_remembered_label.text() == NOT_REMEMBERED
    assert detail.history_label.text() == NO_HISTORY_KEPT


# -- bad input and accessibility ------------------------------------------------------------


@pytest.mark.parametrize("name", [LONG_NAME, EMOJI_NAME, ""])
def test_long_and_emoji_names_are_elided_never_widen_the_window(
    name: str, book: AddressBook, hub: PresenceHub, make_window: MakeWindow, qtbot: QtBot
):
    book.person(name, Platform.DISCORD, Platform.MATRIX)
    book.set(name, S.ONLINE, Platform.DISCORD)
    book.flush()
    person_id = next(person.person_id for person in hub.people() if person.display_name == name)
    window = make_window()
    window.resize(300, 500)
    size = window.size()
    assert window.open_person(person_id)
    QApplication.processEvents()
    detail = window.detail
    assert window.size() == size
    assert detail.name_label.full_text == name
    assert detail.name_label.width() <= window.width()
    shown = detail.name_label.text()
    assert shown == name or shown.endswith("…")
    window.grab()  # paints the whole detail


def test_every_control_has_an_accessible_name(make_window: MakeWindow):
    window = make_window()
    window.open_person(ALICE)
    detail = window.detail
    for control in [*detail.findChildren(QAbstractButton), detail.timeline]:
        assert control.accessibleName(), control
    assert detail.timeline.accessibleDescription().startswith("Last 24 hours")
    labels = [label for label in detail.findChildren(QLabel) if label.accessibleName()]
    assert {"Name", "Status", "Why this status"} <= {label.accessibleName() for label in labels}
