"""The people service: favourites and "notify me when available" applied at once to the
running notifier and saved in a real SQLite store; history read off the loop; no storage;
storage failing."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Platform
from presence_tray.core.notifier import Notification, Notifier
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.core.presence import PresenceState
from presence_tray.people_service import (
    HISTORY_OFF,
    NO_HISTORY_KEPT,
    PLATFORM_LIMITATIONS,
    PeopleService,
)
from presence_tray.storage.database import StorageError
from tests.storage.helpers import NOW, identity, key, transition, value

if TYPE_CHECKING:
    import logging
    from collections.abc import Sequence

    from presence_tray.core.history import PresenceTransition
    from presence_tray.storage.local_store import LocalStore

ALICE = key("alice", Platform.SLACK)


async def saved(store: LocalStore) -> tuple[frozenset[str], list[NotificationRule]]:
    def read() -> tuple[frozenset[str], list[NotificationRule]]:
        return store.people.favourites(), store.rules.list()

    return await asyncio.to_thread(read)


class Running:
    """A hub with Alice on Slack and a settled notifier that follows the service."""

    def __init__(self, people: PeopleService) -> None:
        self.clock = ManualClock(NOW)
        self.hub = PresenceHub(self.clock)
        self.hub.add_identities([identity(ALICE, "Alice Chen", "alice")])
        self.sent: list[Notification] = []
        self.notifier = Notifier(
            self.clock,
            self.sent.append,
            rules=people.rules(),
            favourites=people.favourites,
            on_rule_spent=people.rule_spent,
        )
        people.attach(self.notifier)
        self.hub.subscribe(self.notifier.on_changes)
        self.notifier.start()
        self.set(PresenceState.AWAY)
        self.notifier.mark_settled()

    def set(self, state: PresenceState) -> None:
        self.clock.advance(600)  # past any cooldown
        self.hub.ingest(value(ALICE, state, self.clock.now()))
        self.hub.flush()


async def test_favourites_apply_at_once_and_are_saved(store: LocalStore):
    people = PeopleService(store)
    changes: list[frozenset[str]] = []
    people.subscribe(lambda: changes.append(people.favourites()))
    running = Running(people)
    people.set_favourite("alice", favourite=True)
    assert changes == [frozenset({"alice"})]
    running.set(PresenceState.ONLINE)  # favourites notify on available by default
    assert [n.title for n in running.sent] == ["Alice Chen is available"]
    await people.aclose()
    assert (await saved(store))[0] == {"alice"}
    people.set_favourite("alice", favourite=False)
    people.set_favourite("alice", favourite=False)  # twice: one change, one save
    await people.aclose()
    assert changes == [frozenset({"alice"}), frozenset()]
    assert (await saved(store))[0] == frozenset()


async def test_saved_favourites_and_rules_are_loaded(store: LocalStore):
    await asyncio.to_thread(store.people.set_favourite, "bob", favourite=True)
    rule = NotificationRule("carol", NotifyOn.ANY_CHANGE)
    await asyncio.to_thread(store.rules.save, rule)
    people = PeopleService(store)
    await people.load()
    assert people.favourites() == {"bob"}
    assert people.rules() == [rule]
    assert people.remembers


async def test_notify_when_available_fires_once_and_is_gone_from_storage(store: LocalStore):
    people = PeopleService(store)
    running = Running(people)
    people.set_notify_when_available("alice", on=True)
    assert people.notifies_when_available("alice")
    await people.aclose()
    assert (await saved(store))[1] == [NotificationRule("alice", NotifyOn.AVAILABLE, once=True)]
    running.set(PresenceState.ONLINE)
    assert [n.person_id for n in running.sent] == ["alice"]
    assert not people.notifies_when_available("alice")
    await people.aclose()
    assert (await saved(store))[1] == []
    running.set(PresenceState.AWAY)
    running.set(PresenceState.ONLINE)
    assert len(running.sent) == 1  # once


async def test_a_cancelled_request_never_fires(store: LocalStore):
    people = PeopleService(store)
    running = Running(people)
    people.set_notify_when_available("alice", on=True)
    people.set_notify_when_available("alice", on=False)
    await people.aclose()
    running.set(PresenceState.ONLINE)
    assert running.sent == []
    assert running.notifier.rules == []
    assert (await saved(store))[1] == []


async def test_history_is_read_off_the_loop(store: LocalStore):
    older = transition(ALICE, PresenceState.OFFLINE, NOW - 7200)
    newer = transition(ALICE, PresenceState.ONLINE, NOW - 60)
    await asyncio.to_thread(store.history.append_many, [older, newer])
    people = PeopleService(store)
    assert people.history_note is None
    found: list[Sequence[PresenceTransition]] = []
    people.load_history([ALICE], NOW - 3600, found.append, pytest.fail)
    assert found == []  # not yet: it is read on a worker thread
    await people.aclose()
    assert [list(item) for item in found] == [[newer]]


async def test_history_switched_off_says_so(store: LocalStore):
    people = PeopleService(store, history_enabled=lambda: False)
    assert people.history_note == HISTORY_OFF
    assert HISTORY_OFF.startswith("History is off")


async def test_without_storage_everything_lasts_for_this_run():
    people = PeopleService(None)
    await people.load()
    running = Running(people)
    people.set_favourite("alice", favourite=True)
    people.set_notify_when_available("alice", on=True)
    await people.aclose()
    assert not people.remembers
    assert people.favourites() == {"alice"}
    assert people.history_note == NO_HISTORY_KEPT
    problems: list[str] = []
    people.load_history([ALICE], NOW, pytest.fail, problems.append)
    assert problems == [NO_HISTORY_KEPT]
    running.set(PresenceState.ONLINE)
    assert len(running.sent) == 1  # the one-shot request, which also covers the favourite


async def test_a_failing_store_is_told_in_a_sentence_and_the_choice_still_applies(
    store: LocalStore,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[logging.LogRecord],
):
    def broken(*_args: object, **_kwargs: object) -> None:
        msg = "the disk is full"
        raise StorageError(msg)

    monkeypatch.setattr(store.people, "set_favourite", broken)
    monkeypatch.setattr(store.history, "for_identities", broken)
    problems: list[str] = []
    people = PeopleService(store, on_problem=problems.append)
    people.set_favourite("alice", favourite=True)
    history_problems: list[str] = []
    people.load_history([ALICE], NOW, pytest.fail, history_problems.append)
    await people.aclose()
    assert people.favourites() == {"alice"}
    assert problems == [
        (
            "Presence Tray could not save your favourite (the disk is full). It applies until "
            "Presence Tray quits; make the same choice again later to save it."
        )
    ]
    assert history_problems == [
        "The history could not be read (the disk is full). Try again later."
    ]


async def test_unreadable_favourites_at_start_say_so(
    store: LocalStore,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[logging.LogRecord],
):
    def broken() -> frozenset[str]:
        msg = "database is locked"
        raise StorageError(msg)

    monkeypatch.setattr(store.people, "favourites", broken)
    problems: list[str] = []
    people = PeopleService(store, on_problem=problems.append)
    await people.load()
    assert people.favourites() == frozenset()
    assert len(problems) == 1
    assert "could not read your favourites" in problems[0]
    assert [record.getMessage() for record in expected_warnings] == problems


def test_every_platform_states_its_limitation_plainly():
    assert PLATFORM_LIMITATIONS[Platform.WHATSAPP] == "WhatsApp does not share presence"
    assert PLATFORM_LIMITATIONS[Platform.SLACK] == "Slack shows only active/away for other people"
    assert set(PLATFORM_LIMITATIONS) == set(Platform)
