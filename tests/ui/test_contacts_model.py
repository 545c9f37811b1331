"""The contacts model and proxy, fed by a real hub on a manual clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from presence_tray.core import describe
from presence_tray.core.aggregation import AggregatedPresence
from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.ui.badges import Badge, BadgeShape
from presence_tray.ui.contacts_model import (
    TIME_DEPENDENT_ROLES,
    ContactsModel,
    PlatformMark,
    Role,
    Section,
    counts_line,
)
from presence_tray.ui.contacts_proxy import ContactsProxyModel
from tests.ui.helpers import listed_names

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.modeltest import ModelTester
    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook

S = PresenceState


@dataclass
class Recorder:
    """Every structural and data signal of a model, in order."""

    events: list[tuple[str, int, int, list[int]]]

    @classmethod
    def attach(cls, model: ContactsModel) -> Recorder:
        recorder = cls([])

        def changed(top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> None:
            recorder.events.append(("changed", top.row(), bottom.row(), list(roles)))

        def inserted(_parent: QModelIndex, first: int, last: int) -> None:
            recorder.events.append(("inserted", first, last, []))

        def reset() -> None:
            recorder.events.append(("reset", -1, -1, []))

        def layout() -> None:
            recorder.events.append(("layout", -1, -1, []))

        model.dataChanged.connect(changed)
        model.rowsInserted.connect(inserted)
        model.modelReset.connect(reset)
        model.layoutChanged.connect(layout)
        return recorder


@pytest.fixture
def model(hub: PresenceHub, clock: ManualClock) -> Iterator[ContactsModel]:
    contacts = ContactsModel(hub, clock)
    yield contacts
    contacts.close()


def names(model: ContactsModel | ContactsProxyModel) -> list[str]:
    return listed_names(model)


def row_of(model: ContactsModel, name: str) -> int:
    return names(model).index(name)


def five_people(book: AddressBook) -> None:
    for name in ("Alice Chen", "Bob Stone", "Carol Diaz", "Dan Wu", "Eve Park"):
        book.person(name)
    book.set("Alice Chen", S.ONLINE)
    book.set("Bob Stone", S.BUSY)
    book.set("Carol Diaz", S.OFFLINE)
    book.set("Dan Wu", S.AWAY)
    book.set("Eve Park", S.ONLINE)
    book.flush()


def test_loads_people_already_in_the_hub(book: AddressBook, hub: PresenceHub, clock: ManualClock):
    five_people(book)
    model = ContactsModel(hub, clock)
    try:
        assert sorted(names(model)) == [
            "Alice Chen",
            "Bob Stone",
            "Carol Diaz",
            "Dan Wu",
            "Eve Park",
        ]
    finally:
        model.close()


def test_first_batch_inserts_rows_in_one_signal(book: AddressBook, model: ContactsModel):
    recorder = Recorder.attach(model)
    for name in ("Alice Chen", "Bob Stone", "Carol Diaz"):
        book.person(name)
    book.flush()
    assert recorder.events == [("inserted", 0, 2, [])]
    assert model.rowCount() == 3
    # Not aggregated from any value yet: unknown, never offline.
    assert {model.index(r, 0).data(Role.STATE) for r in range(3)} == {S.UNKNOWN}


def test_a_change_repaints_only_its_row(book: AddressBook, model: ContactsModel):
    five_people(book)
    recorder = Recorder.attach(model)
    book.set("Carol Diaz", S.ONLINE)
    book.flush()
    row = row_of(model, "Carol Diaz")
    assert recorder.events == [("changed", row, row, [])]
    assert model.index(row, 0).data(Role.STATE) == S.ONLINE


def test_adjacent_changes_coalesce_and_distant_ones_do_not(book: AddressBook, model: ContactsModel):
    five_people(book)
    recorder = Recorder.attach(model)
    order = names(model)  # rows follow the order the hub first reported people in
    for name in (order[0], order[1], order[4]):
        book.set(name, S.IDLE)  # nobody was idle: each of these is a change
    book.flush()
    assert recorder.events == [("changed", 0, 1, []), ("changed", 4, 4, [])]


def test_an_unchanged_value_repaints_nothing(book: AddressBook, model: ContactsModel):
    five_people(book)
    recorder = Recorder.attach(model)
    book.set("Alice Chen", S.ONLINE)  # the same as before, just observed again
    book.flush()
    assert recorder.events == []


def test_new_people_are_appended_and_changes_repainted_in_one_batch(
    book: AddressBook, model: ContactsModel
):
    five_people(book)
    recorder = Recorder.attach(model)
    book.person("Zoe Hart")
    book.set("Zoe Hart", S.BUSY)
    book.set("Dan Wu", S.ONLINE)
    book.flush()
    dan = row_of(model, "Dan Wu")
    assert recorder.events == [("changed", dan, dan, []), ("inserted", 5, 5, [])]
    assert model.index(5, 0).data(Role.NAME) == "Zoe Hart"
    assert model.index(5, 0).data(Role.STATE) == S.BUSY


def test_roles_speak_the_core_words(book: AddressBook, model: ContactsModel, clock: ManualClock):
    book.person("Alice Chen", Platform.SLACK, Platform.TEAMS, handle="alice.c@corp.example")
    meeting = Activity(ActivityKind.IN_A_MEETING)
    book.set("Alice Chen", S.BUSY, Platform.TEAMS, activity=meeting)
    book.set("Alice Chen", S.ONLINE, Platform.SLACK)
    book.flush()
    index = model.index(0, 0)
    aggregate = index.data(Role.AGGREGATE)
    assert isinstance(aggregate, AggregatedPresence)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Alice Chen"
    assert index.data(Role.PERSON_ID) == "alice-chen"
    assert index.data(Role.STATE) == S.ONLINE
    assert index.data(Role.DND) is False
    assert index.data(Role.STALE) is False
    assert index.data(Role.DECIDING_PLATFORM) == Platform.SLACK
    assert index.data(Role.SUMMARY) == describe.summary(aggregate, now=clock.now())
    assert index.data(Role.ACTIVITY_TEXT) == ""  # Slack decided, and has no activity
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == index.data(Role.EXPLANATION)
    assert tooltip.splitlines()[0] == describe.explanation(aggregate, model_policy(model))
    assert "Teams: Busy · In a meeting" in tooltip
    assert "Slack: Available" in tooltip
    assert index.data(Role.PLATFORM_MARKS) == (
        PlatformMark(Platform.SLACK, S.ONLINE, deciding=True, stale=False),
        PlatformMark(Platform.TEAMS, S.BUSY, deciding=False, stale=False),
    )
    assert index.data(Role.BADGE) == Badge(S.ONLINE)
    assert "alice.c@corp.example" in index.data(Role.SEARCH_TEXT)
    assert "teams" in index.data(Role.SEARCH_TEXT)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Alice Chen, Available")


def model_policy(model: ContactsModel):  # the hub's policy, as the model sees it
    return model._hub.policy


def test_out_of_office_and_dnd_badges(book: AddressBook, model: ContactsModel):
    book.person("Alice Chen")
    book.person("Bob Stone")
    book.set("Alice Chen", S.AWAY, activity=Activity(ActivityKind.OUT_OF_OFFICE))
    book.set("Bob Stone", S.BUSY, dnd=True)
    book.flush()
    assert model.index(row_of(model, "Alice Chen"), 0).data(Role.BADGE).shape is BadgeShape.ARROW
    bob = model.index(row_of(model, "Bob Stone"), 0)
    assert bob.data(Role.BADGE).shape is BadgeShape.BAR
    assert bob.data(Role.DND) is True
    assert bob.data(Role.SUMMARY).startswith("Do not disturb")


def test_out_of_range_and_unknown_roles_are_none(book: AddressBook, model: ContactsModel):
    five_people(book)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex(), Role.NAME) is None
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    assert model.index_of("nobody") == QModelIndex()
    assert model.index_of("dan-wu").data(Role.NAME) == "Dan Wu"


def test_counts(book: AddressBook, model: ContactsModel):
    five_people(book)
    assert model.state_counts() == {S.ONLINE: 2, S.BUSY: 1, S.AWAY: 1, S.OFFLINE: 1}
    assert counts_line(model.state_counts()) == "2 available · 1 busy · 1 away · 1 offline"
    assert counts_line({}) == "No contacts yet"
    assert counts_line({S.UNKNOWN: 3, S.IDLE: 1}) == "1 idle · 3 unknown"
    assert counts_line({S.BUSY: 2, S.IDLE: 1}, keep_parts_whole=True) == "1\u00a0idle · 2\u00a0busy"


def test_model_passes_qt_model_tester(
    book: AddressBook, model: ContactsModel, qtmodeltester: ModelTester
):
    five_people(book)
    qtmodeltester.check(model, force_py=True)
    proxy = ContactsProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)


# -- ages ----------------------------------------------------------------------------------


def test_ages_refresh_only_rows_that_show_one(
    book: AddressBook, model: ContactsModel, clock: ManualClock
):
    five_people(book)  # Carol is offline, seen never (no last-seen): no age shown
    book.person("Old Cache")
    book.set("Old Cache", S.ONLINE, source=PresenceSource.CACHE, ago=300)
    book.flush()
    cached = row_of(model, "Old Cache")
    before = model.index(cached, 0).data(Role.SUMMARY)
    assert before.endswith("as of 5 min ago")
    recorder = Recorder.attach(model)
    clock.advance(600)
    model.refresh_ages()
    assert recorder.events == [("changed", cached, cached, list(TIME_DEPENDENT_ROLES))]
    assert model.index(cached, 0).data(Role.SUMMARY).endswith("as of 15 min ago")
    assert model.index(cached, 0).data(Role.BADGE).stale


def alice_left_a_minute_ago(book: AddressBook, clock: ManualClock) -> None:
    """Alice Chen was online, and has been offline for a minute: her row shows an age."""
    book.person("Alice Chen")
    book.set("Alice Chen", S.ONLINE)
    book.flush()
    clock.advance(60)
    book.set("Alice Chen", S.OFFLINE)
    book.flush()


def test_offline_with_last_seen_is_refreshed(
    book: AddressBook, model: ContactsModel, clock: ManualClock
):
    alice_left_a_minute_ago(book, clock)
    assert "last seen 1 min ago" in model.index(0, 0).data(Role.SUMMARY)
    clock.advance(2 * 3600)
    recorder = Recorder.attach(model)
    model.refresh_ages()
    assert recorder.events == [("changed", 0, 0, list(TIME_DEPENDENT_ROLES))]
    assert "last seen 2 h ago" in model.index(0, 0).data(Role.SUMMARY)


def test_the_age_timer_fires_on_its_own(
    book: AddressBook, hub: PresenceHub, clock: ManualClock, qtbot: QtBot
):
    book.person("Old Cache")
    book.set("Old Cache", S.ONLINE, source=PresenceSource.CACHE, ago=120)
    book.flush()
    model = ContactsModel(hub, clock, age_refresh_ms=20)
    try:
        model.set_ages_shown(shown=True)
        with qtbot.waitSignal(model.dataChanged, timeout=2000) as blocker:
            clock.advance(60)
        top, bottom, roles = blocker.args
        assert (top.row(), bottom.row(), list(roles)) == (0, 0, list(TIME_DEPENDENT_ROLES))
        assert model.index(0, 0).data(Role.SUMMARY).endswith("as of 3 min ago")
    finally:
        model.close()


def test_ages_are_refreshed_only_while_shown(
    book: AddressBook, hub: PresenceHub, clock: ManualClock, qtbot: QtBot
):
    alice_left_a_minute_ago(book, clock)
    model = ContactsModel(hub, clock, age_refresh_ms=20)
    try:
        recorder = Recorder.attach(model)
        clock.advance(2 * 3600)
        qtbot.wait(100)  # five refresh intervals: nobody looks, nothing happens
        assert recorder.events == []
        model.set_ages_shown(shown=True)  # refreshed at once when a window shows the rows
        assert recorder.events == [("changed", 0, 0, list(TIME_DEPENDENT_ROLES))]
        assert "last seen 2 h ago" in model.index(0, 0).data(Role.SUMMARY)
        model.set_ages_shown(shown=False)
        recorder.events.clear()
        qtbot.wait(100)
        assert recorder.events == []
    finally:
        model.close()


def test_close_unsubscribes(book: AddressBook, hub: PresenceHub, clock: ManualClock):
    model = ContactsModel(hub, clock)
    model.close()
    book.person("Alice Chen")
    book.flush()
    assert model.rowCount() == 0


# -- proxy ---------------------------------------------------------------------------------


@pytest.fixture
def proxy(model: ContactsModel) -> ContactsProxyModel:
    sorted_model = ContactsProxyModel()
    sorted_model.setSourceModel(model)
    return sorted_model


def test_proxy_orders_by_section_then_name(book: AddressBook, proxy: ContactsProxyModel):
    for name in (
        "zed Unknown",
        "Yara Offline",
        "Xavi Away",
        "Walt Busy",
        "Vera Idle",
        "Uma Online",
        "anna Online",
        "Ben Busy",
    ):
        book.person(name)
    book.set("Yara Offline", S.OFFLINE)
    book.set("Xavi Away", S.AWAY)
    book.set("Walt Busy", S.BUSY, dnd=True)
    book.set("Ben Busy", S.BUSY)
    book.set("Vera Idle", S.IDLE)
    book.set("Uma Online", S.ONLINE)
    book.set("anna Online", S.ONLINE)
    book.flush()
    assert names(proxy) == [
        "anna Online",
        "Uma Online",  # available, names compared case-insensitively
        "Ben Busy",
        "Walt Busy",  # do-not-disturb is busy
        "Vera Idle",  # idle is listed with away, before them
        "Xavi Away",
        "Yara Offline",
        "zed Unknown",  # unknown is never mixed with offline
    ]


def test_proxy_sorts_again_when_a_state_changes(book: AddressBook, proxy: ContactsProxyModel):
    five_people(book)
    assert names(proxy)[-1] == "Carol Diaz"
    book.set("Carol Diaz", S.ONLINE)
    book.flush()
    assert names(proxy)[:3] == ["Alice Chen", "Carol Diaz", "Eve Park"]


def test_filter_by_name_handle_and_platform(book: AddressBook, proxy: ContactsProxyModel):
    book.person("Alice Chen", Platform.SLACK, handle="ach@corp.example")
    book.person("Bob Stone", Platform.TEAMS, Platform.ZOOM)
    book.person("Carol Diaz", Platform.MATRIX)
    book.flush()
    proxy.set_search("ALI")
    assert names(proxy) == ["Alice Chen"]
    proxy.set_search("corp.example")
    assert names(proxy) == ["Alice Chen"]
    proxy.set_search("zoom")
    assert names(proxy) == ["Bob Stone"]
    proxy.set_search("  stone   teams ")  # every word must match
    assert names(proxy) == ["Bob Stone"]
    proxy.set_search("stone matrix")
    assert names(proxy) == []
    proxy.set_search("zz")
    assert names(proxy) == []
    assert proxy.search == "zz"
    proxy.set_search("")
    assert sorted(names(proxy)) == ["Alice Chen", "Bob Stone", "Carol Diaz"]


def test_filter_applies_to_people_who_arrive_later(book: AddressBook, proxy: ContactsProxyModel):
    five_people(book)
    proxy.set_search("zoe")
    assert names(proxy) == []
    book.person("Zoe Hart")
    book.flush()
    assert names(proxy) == ["Zoe Hart"]


def test_proxy_reads_persistent_indexes(book: AddressBook, proxy: ContactsProxyModel):
    five_people(book)
    first = QPersistentModelIndex(proxy.index(1, 0))  # row 0 is the "Available" header
    book.set("Alice Chen", S.OFFLINE)
    book.flush()
    assert first.data(Role.NAME) == "Alice Chen"
    assert first.row() == proxy.rowCount() - 2  # Alice went to the offline section, before Carol


def sections(proxy: ContactsProxyModel) -> list[tuple[str, int, list[str]]]:
    """(header, count on the header, names under it), in list order."""
    found: list[tuple[str, int, list[str]]] = []
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        if index.data(Role.IS_HEADER):
            found.append(
                (index.data(Qt.ItemDataRole.DisplayRole), index.data(Role.SECTION_COUNT), [])
            )
        else:
            found[-1][2].append(index.data(Role.NAME))
    return found


def test_favourites_come_first_in_their_own_section_then_each_state(
    book: AddressBook, hub: PresenceHub, clock: ManualClock
):
    five_people(book)
    book.person("Ida Idle")
    book.set("Ida Idle", S.IDLE)
    book.person("Una Known")
    book.flush()
    model = ContactsModel(hub, clock, favourites={"carol-diaz", "bob-stone", "nobody-at-all"})
    proxy = ContactsProxyModel()
    proxy.setSourceModel(model)
    try:
        assert sections(proxy) == [
            ("Favourites", 2, ["Bob Stone", "Carol Diaz"]),  # busy before offline
            ("Available", 2, ["Alice Chen", "Eve Park"]),
            ("Away", 2, ["Ida Idle", "Dan Wu"]),  # idle is away, listed before the away
            ("Unknown", 1, ["Una Known"]),
        ]
        assert [proxy.index(row, 0).data(Role.SECTION) for row in range(proxy.rowCount())][:3] == [
            Section.FAVOURITES
        ] * 3
        assert model.is_favourite("bob-stone")
    finally:
        model.close()


def test_marking_favourites_moves_rows_in_one_relayout(
    book: AddressBook, proxy: ContactsProxyModel
):
    five_people(book)
    model = proxy.sourceModel()
    assert model is not None
    layouts: list[str] = []
    proxy.layoutChanged.connect(lambda *_: layouts.append("layout"))
    model.set_favourites({"dan-wu", "eve-park"})
    assert layouts == ["layout"]
    assert sections(proxy)[0] == ("Favourites", 2, ["Eve Park", "Dan Wu"])
    model.set_favourites({"dan-wu", "eve-park"})  # no change, no signal
    assert layouts == ["layout"]
    model.set_favourite("eve-park", favourite=False)
    assert sections(proxy)[:2] == [
        ("Favourites", 1, ["Dan Wu"]),
        ("Available", 2, ["Alice Chen", "Eve Park"]),
    ]
    # A favourite who changes state stays among the favourites, re-sorted by state.
    book.set("Dan Wu", S.ONLINE)
    book.flush()
    assert sections(proxy)[0] == ("Favourites", 1, ["Dan Wu"])


def test_a_section_emptied_by_a_change_loses_its_header(
    book: AddressBook, proxy: ContactsProxyModel
):
    five_people(book)
    assert [title for title, _, _ in sections(proxy)] == ["Available", "Busy", "Away", "Offline"]
    book.set("Bob Stone", S.ONLINE)
    book.flush()
    assert [title for title, _, _ in sections(proxy)] == ["Available", "Away", "Offline"]
    proxy.set_search("carol")
    assert sections(proxy) == [("Offline", 1, ["Carol Diaz"])]
    book.person("Carol Newman")  # arrives into a section with no header yet
    book.flush()
    assert sections(proxy) == [("Offline", 1, ["Carol Diaz"]), ("Unknown", 1, ["Carol Newman"])]


def test_header_rows_are_neither_enabled_nor_selectable(
    book: AddressBook, proxy: ContactsProxyModel
):
    five_people(book)
    header = proxy.index(0, 0)
    assert header.data(Role.IS_HEADER)
    assert header.flags() & Qt.ItemFlag.ItemIsSelectable == Qt.ItemFlag.NoItemFlags
    assert header.flags() & Qt.ItemFlag.ItemIsEnabled == Qt.ItemFlag.NoItemFlags
    assert header.data(Qt.ItemDataRole.AccessibleTextRole) == "Available, 2 people"
    assert header.data(Role.PERSON_ID) is None
    person = proxy.index(1, 0)
    assert person.flags() & Qt.ItemFlag.ItemIsSelectable
    assert person.data(Role.IS_HEADER) is False
    assert proxy.people_count() == 5
    assert proxy.rowCount() == 5 + 4


def test_a_contact_no_account_lists_leaves_the_list_and_a_kept_one_says_why(
    book: AddressBook, hub: PresenceHub, model: ContactsModel
):
    five_people(book)
    kept = hub.person_of(book.keys["Eve Park", Platform.SLACK])
    assert kept is not None
    hub.set_kept_people({kept.person_id}.__contains__)
    gone = [book.keys[name, Platform.SLACK] for name in ("Bob Stone", "Eve Park")]

    hub.remove_contacts(gone)

    assert sorted(names(model)) == ["Alice Chen", "Carol Diaz", "Dan Wu", "Eve Park"]
    row = model.index(row_of(model, "Eve Park"))
    assert row.data(Role.STATE) == S.UNKNOWN
    assert row.data(Role.SUMMARY) == "Unknown · No longer among your Slack contacts"
