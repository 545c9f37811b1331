"""Qt's own model tester watches the contacts model and its proxy while the hub changes them.

``QAbstractItemModelTester`` in Fatal mode checks the model's structure after every signal
(row counts around inserts, persistent indexes across layout changes, data of every role);
a broken invariant aborts the test process. pytest-qt's pure-Python tester (``force_py``)
is run over the proxy in the same scenario as well: its failures come back as readable asserts.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceState
from presence_tray.ui.contacts_model import ContactsModel, Role
from presence_tray.ui.contacts_proxy import ContactsProxyModel
from tests.ui.helpers import listed, listed_names

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.modeltest import ModelTester

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook

S = PresenceState
STATES = (S.ONLINE, S.IDLE, S.BUSY, S.AWAY, S.OFFLINE)
PLATFORMS = (Platform.SLACK, Platform.TEAMS, Platform.DISCORD)
FATAL = QAbstractItemModelTester.FailureReportingMode.Fatal


@pytest.fixture
def model(hub: PresenceHub, clock: ManualClock) -> Iterator[ContactsModel]:
    contacts = ContactsModel(hub, clock)
    yield contacts
    contacts.close()


@pytest.fixture
def proxy(model: ContactsModel) -> ContactsProxyModel:
    sorted_model = ContactsProxyModel()
    sorted_model.setSourceModel(model)
    return sorted_model


def sort_keys(proxy: ContactsProxyModel) -> list[tuple[int, int, str, str]]:
    return [tuple(key) for key in listed(proxy, Role.SORT_KEY)]


def assert_headers_match_sections(proxy: ContactsProxyModel) -> None:
    """One header before each section's people, none for an empty section, counts right."""
    rows = [proxy.index(row, 0) for row in range(proxy.rowCount())]
    header_at = [row for row, index in enumerate(rows) if index.data(Role.IS_HEADER)]
    for number, row in enumerate(header_at):
        end = header_at[number + 1] if number + 1 < len(header_at) else len(rows)
        people = rows[row + 1 : end]
        assert people, "a header with nobody under it"
        assert rows[row].data(Role.SECTION_COUNT) == len(people)
        assert {index.data(Role.SECTION) for index in people} == {rows[row].data(Role.SECTION)}
        assert not rows[row].flags() & Qt.ItemFlag.ItemIsSelectable
    assert not rows or header_at[0] == 0


def churn(book: AddressBook, proxy: ContactsProxyModel, seed: int = 3) -> None:
    """People arrive, change status and are made favourites or not, in batches, with and
    without a search in force."""
    rng = random.Random(seed)
    model = proxy.sourceModel()
    assert model is not None
    people: list[str] = []
    searches = ["", "a", "an", "", "zz", "teams", ""]
    for batch in range(12):
        # New people, some on several platforms, arriving between the ones already listed.
        for n in range(rng.randrange(1, 6)):
            name = f"{rng.choice('ABCDEFGH')}{rng.choice('aeiou')}n {batch}-{n}"
            platforms = rng.sample(PLATFORMS, rng.randrange(1, 4))
            book.person(name, *platforms)
            people.append(name)
            book.set(name, rng.choice(STATES), platforms[0])
        # Status changes of people already listed: rows move between sections.
        for name in rng.sample(people, min(len(people), 8)):
            book.set(name, rng.choice(STATES), next(p for (n, p) in book.keys if n == name))
        book.flush()
        assert_headers_match_sections(proxy)
        for name in rng.sample(people, min(len(people), 3)):
            person_id = name.lower().replace(" ", "-")
            model.set_favourite(person_id, favourite=not model.is_favourite(person_id))
        assert_headers_match_sections(proxy)
        proxy.set_search(searches[batch % len(searches)])
        assert sort_keys(proxy) == sorted(sort_keys(proxy))
        assert_headers_match_sections(proxy)


def test_fatal_model_tester_over_model_and_proxy_during_batches(
    book: AddressBook, model: ContactsModel, proxy: ContactsProxyModel
):
    model_tester = QAbstractItemModelTester(model, FATAL)
    proxy_tester = QAbstractItemModelTester(proxy, FATAL)
    churn(book, proxy)
    proxy.set_search("")
    assert proxy.people_count() == model.rowCount() > 20
    assert sort_keys(proxy) == sorted(sort_keys(proxy))
    # The counts kept batch by batch agree with counting the rows again.
    states = [model.index(row, 0).data(Role.STATE) for row in range(model.rowCount())]
    assert model.state_counts() == Counter(states)
    del model_tester, proxy_tester


def test_python_model_tester_over_model_and_proxy_during_batches(
    book: AddressBook, model: ContactsModel, proxy: ContactsProxyModel, qtmodeltester: ModelTester
):
    # One pytest-qt tester follows one model: the proxy's signals come nested inside the
    # model's, so the model gets Qt's tester here.
    model_tester = QAbstractItemModelTester(model, FATAL)
    qtmodeltester.check(proxy, force_py=True)
    churn(book, proxy, seed=11)
    proxy.set_search("")
    assert proxy.people_count() == model.rowCount()
    del model_tester


def test_many_people_arriving_at_once_and_a_search_in_force(
    book: AddressBook, model: ContactsModel, proxy: ContactsProxyModel
):
    tester = QAbstractItemModelTester(proxy, FATAL)
    book.person("Zed First")
    book.flush()
    proxy.set_search("7")
    # More new people than the proxy announces row by row: it resets instead.
    for n in range(300):
        book.person(f"Person {n}")
    book.flush()
    assert listed_names(proxy) == sorted(
        (f"Person {n}" for n in range(300) if "7" in str(n)), key=str.casefold
    )
    proxy.set_search("")
    assert proxy.people_count() == model.rowCount() == 301
    del tester


def test_persistent_selection_follows_its_person_through_moves_and_searches(
    book: AddressBook, proxy: ContactsProxyModel
):
    tester = QAbstractItemModelTester(proxy, FATAL)
    for name in ("Alice Chen", "Bob Stone", "Carol Diaz", "Dan Wu"):
        book.person(name)
        book.set(name, S.ONLINE)
    book.flush()
    header = QPersistentModelIndex(proxy.index(0, 0))
    bob = QPersistentModelIndex(proxy.index(2, 0))
    assert header.data(Role.NAME) == "Available"
    assert bob.data(Role.NAME) == "Bob Stone"
    book.set("Alice Chen", S.OFFLINE)
    book.set("Dan Wu", S.BUSY)
    book.flush()
    assert bob.row() == 1
    assert bob.data(Role.NAME) == "Bob Stone"
    assert header.row() == 0
    proxy.set_search("dan")
    assert not bob.isValid()  # filtered out: the selection is dropped, not moved elsewhere
    assert not header.isValid()  # nobody available is listed: the header went with them
    dan = QPersistentModelIndex(proxy.index(1, 0))
    proxy.set_search("")
    assert dan.data(Role.NAME) == "Dan Wu"
    assert listed_names(proxy) == ["Bob Stone", "Carol Diaz", "Dan Wu", "Alice Chen"]
    del tester


def test_map_to_and_from_source(book: AddressBook, model: ContactsModel, proxy: ContactsProxyModel):
    for name, state in (("Ann Online", S.ONLINE), ("Zoe Busy", S.BUSY), ("Bo Offline", S.OFFLINE)):
        book.person(name)
        book.set(name, state)
    book.flush()
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        source = proxy.mapToSource(index)
        if index.data(Role.IS_HEADER):
            assert not source.isValid()
            continue
        assert source.data(Role.NAME) == index.data(Role.NAME)
        assert proxy.mapFromSource(source) == index
    proxy.set_search("zoe")
    assert not proxy.mapFromSource(model.index_of("ann-online")).isValid()
    assert proxy.mapFromSource(model.index_of("zoe-busy")).row() == 1  # under "Busy"
    assert not proxy.mapToSource(proxy.index(5, 0)).isValid()
