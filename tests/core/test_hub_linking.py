"""The hub moving identities between people at run time: link, unlink, removals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import (
    PresenceChanged,
    PresenceHub,
    is_unlinked_person_id,
    unlinked_person_id,
)
from presence_tray.core.identity import Identity, Person, Platform
from presence_tray.core.presence import PresenceState
from tests.core.helpers import NOW, identity, key, value

if TYPE_CHECKING:
    import logging
    from collections.abc import Sequence

ALICE_SLACK = key(Platform.SLACK, "U1")
ALICE_TEAMS = key(Platform.TEAMS, "T1")
STRAY = key(Platform.DISCORD, "D9")


class Recorder:
    """Every change batch and every removal, in order."""

    def __init__(self, hub: PresenceHub) -> None:
        self.events: list[tuple[str, list[str]]] = []
        self.changes: list[PresenceChanged] = []
        hub.subscribe(self.on_changes)
        hub.subscribe_removals(self.on_removals)

    def on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        self.changes.extend(changes)
        self.events.append(("changed", [c.person.person_id for c in changes]))

    def on_removals(self, people: Sequence[Person]) -> None:
        self.events.append(("removed", [p.person_id for p in people]))


@pytest.fixture
def hub() -> PresenceHub:
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            identity(ALICE_TEAMS, "Alice Chen", "alice"),
            Identity(STRAY, "alice chen", handles=("u1@example.org",)),
        ]
    )
    hub.ingest(value(ALICE_SLACK, PresenceState.AWAY, NOW - 60))
    hub.ingest(value(STRAY, PresenceState.ONLINE, NOW - 30))
    hub.flush()
    return hub


def test_link_moves_an_identity_and_its_value_and_removes_the_emptied_person(
    hub: PresenceHub,
) -> None:
    recorder = Recorder(hub)
    stray_person = unlinked_person_id(STRAY)

    hub.link(STRAY, "alice")

    alice = hub.person("alice")
    assert alice == Person("alice", "Alice Chen", (ALICE_SLACK, ALICE_TEAMS, STRAY))
    assert hub.person(stray_person) is None
    assert [p.person_id for p in hub.people()] == ["alice"]
    aggregate = hub.aggregate("alice")
    assert aggregate is not None
    assert aggregate.state is PresenceState.ONLINE  # Discord's value came along and wins
    assert aggregate.last_seen_at == NOW - 30
    identity_now = hub.identity(STRAY)
    assert identity_now is not None
    assert identity_now.person_id == "alice"
    # The change batch first (the hub already shows who remains), then the removal.
    assert recorder.events == [("changed", ["alice"]), ("removed", [stray_person])]
    assert hub.person_of(STRAY) == alice
    assert hub.person_of(key(Platform.ZOOM, "nobody")) is None
    assert recorder.changes[0].person == alice
    assert hub.statistics().people == 1


def test_unlink_makes_an_identity_its_own_person_again(hub: PresenceHub) -> None:
    hub.link(STRAY, "alice")
    recorder = Recorder(hub)

    own = hub.unlink(STRAY)

    assert own == unlinked_person_id(STRAY)
    assert is_unlinked_person_id(own)
    assert hub.person(own) == Person(own, "alice chen", (STRAY,))
    assert hub.person("alice") == Person("alice", "Alice Chen", (ALICE_SLACK, ALICE_TEAMS))
    alone = hub.aggregate(own)
    assert alone is not None
    assert alone.state is PresenceState.ONLINE
    alice = hub.aggregate("alice")
    assert alice is not None
    assert alice.state is PresenceState.AWAY  # Slack's value only
    assert alice.last_seen_at == NOW - 60
    assert recorder.events == [("changed", [own, "alice"])]  # nobody was removed


def test_linking_to_a_new_person_creates_and_names_them(hub: PresenceHub) -> None:
    recorder = Recorder(hub)
    hub.link(ALICE_TEAMS, "work-alice", "Alice at work")
    assert hub.person("work-alice") == Person("work-alice", "Alice at work", (ALICE_TEAMS,))
    assert hub.person("alice") == Person("alice", "Alice Chen", (ALICE_SLACK,))
    new = [c for c in recorder.changes if c.person.person_id == "work-alice"]
    assert len(new) == 1
    assert new[0].old is None


def test_a_display_name_renames_an_existing_person(hub: PresenceHub) -> None:
    recorder = Recorder(hub)
    hub.link(STRAY, "alice", "Alice C.")
    person = hub.person("alice")
    assert person is not None
    assert person.display_name == "Alice C."
    assert recorder.changes[-1].person.display_name == "Alice C."


def test_relinking_to_the_same_person_changes_nothing(hub: PresenceHub) -> None:
    recorder = Recorder(hub)
    hub.link(ALICE_SLACK, "alice")
    assert hub.unlink(STRAY) == unlinked_person_id(STRAY)  # already its own person
    assert recorder.events == []
    assert len(hub.people()) == 2


def test_values_arriving_after_a_link_reach_the_new_person(hub: PresenceHub) -> None:
    hub.link(STRAY, "alice")
    hub.ingest(value(STRAY, PresenceState.OFFLINE, NOW))
    hub.ingest(value(ALICE_TEAMS, PresenceState.BUSY, NOW))
    hub.flush()
    aggregate = hub.aggregate("alice")
    assert aggregate is not None
    assert aggregate.state is PresenceState.BUSY
    assert {v.identity for v in aggregate.values} == {ALICE_SLACK, ALICE_TEAMS, STRAY}
    assert hub.statistics().unmatched_updates == 0


def test_a_pending_value_follows_its_identity(hub: PresenceHub) -> None:
    hub.ingest(value(STRAY, PresenceState.BUSY, NOW))  # not flushed yet
    hub.link(STRAY, "alice")
    aggregate = hub.aggregate("alice")
    assert aggregate is not None
    assert aggregate.state is PresenceState.BUSY  # most available: busy beats away
    assert {v.state for v in aggregate.values} == {PresenceState.AWAY, PresenceState.BUSY}


def test_a_listing_after_a_link_does_not_undo_it(hub: PresenceHub) -> None:
    hub.link(STRAY, "alice")
    hub.add_identities([Identity(STRAY, "Alice (home)", person_id="someone-else")])
    hub.flush()
    assert hub.person("someone-else") is None
    person = hub.person("alice")
    assert person is not None
    assert STRAY in person.identities


def test_linking_an_unknown_identity_is_refused(hub: PresenceHub) -> None:
    with pytest.raises(ValueError, match="no identity"):
        hub.link(key(Platform.ZOOM, "nobody"), "alice")
    with pytest.raises(ValueError, match="no identity"):
        hub.unlink(key(Platform.ZOOM, "nobody"))


def test_another_identitys_own_person_is_refused(hub: PresenceHub) -> None:
    with pytest.raises(ValueError, match="new person id"):
        hub.link(ALICE_SLACK, unlinked_person_id(STRAY))
    assert hub.person("alice") == Person("alice", "Alice Chen", (ALICE_SLACK, ALICE_TEAMS))


def test_unsubscribed_removal_listeners_hear_nothing(hub: PresenceHub) -> None:
    heard: list[Sequence[Person]] = []
    unsubscribe = hub.subscribe_removals(heard.append)
    unsubscribe()
    unsubscribe()  # twice is harmless
    hub.link(STRAY, "alice")
    assert heard == []


def test_a_broken_removal_listener_does_not_silence_the_others(
    hub: PresenceHub, expected_warnings: list[logging.LogRecord]
) -> None:
    def broken(_people: Sequence[Person]) -> None:
        raise RuntimeError("boom")

    heard: list[Sequence[Person]] = []
    hub.subscribe_removals(broken)
    hub.subscribe_removals(heard.append)
    hub.link(STRAY, "alice")
    assert [[p.person_id for p in people] for people in heard] == [[unlinked_person_id(STRAY)]]
    assert [r.getMessage() for r in expected_warnings] == [
        "a removal listener failed; it stays subscribed"
    ]


def test_a_scheduled_hub_flushes_the_link_at_once() -> None:
    scheduled: list[object] = []
    hub = PresenceHub(ManualClock(NOW), schedule_flush=scheduled.append)
    hub.add_identities([identity(ALICE_SLACK), Identity(STRAY, "Stray")])
    hub.flush()
    hub.link(STRAY, "alice")
    person = hub.person("alice")
    assert person is not None
    assert person.identities == (ALICE_SLACK, STRAY)
    aggregate = hub.aggregate("alice")
    assert aggregate is not None  # aggregated without waiting for the scheduled flush


def test_last_seen_comes_from_the_values_the_person_has_after_the_move(hub: PresenceHub) -> None:
    hub.ingest(value(ALICE_TEAMS, PresenceState.OFFLINE, NOW))  # says nothing of when seen
    hub.ingest(value(STRAY, PresenceState.ONLINE, NOW - 90))  # older than Slack's away
    hub.flush()
    hub.link(STRAY, "alice")
    aggregate = hub.aggregate("alice")
    assert aggregate is not None
    assert aggregate.last_seen_at == NOW - 60


def test_people_take_the_names_the_user_gave_them(hub: PresenceHub) -> None:
    recorder = Recorder(hub)
    alice = hub.person_of(ALICE_SLACK)
    assert alice is not None
    hub.name_people({alice.person_id: "Alice C.", "nobody-known": "Ghost", "stray": ""})
    hub.flush()
    renamed = hub.person(alice.person_id)
    assert renamed is not None
    assert renamed.display_name == "Alice C."
    assert renamed.identities == alice.identities
    # The rename is announced (the list shows the new name) even though the status is the same.
    assert [change.person.display_name for change in recorder.changes] == ["Alice C."]
    assert all(person.display_name != "Ghost" for person in hub.people())
    # The same names again change nothing.
    hub.name_people({alice.person_id: "Alice C."})
    hub.flush()
    assert len(recorder.changes) == 1


def test_remove_identity_forgets_it_and_its_value(hub: PresenceHub) -> None:
    hub.link(STRAY, "alice")
    recorder = Recorder(hub)

    hub.remove_identity(STRAY)

    assert hub.person("alice") == Person("alice", "Alice Chen", (ALICE_SLACK, ALICE_TEAMS))
    assert hub.identity(STRAY) is None
    assert hub.person_of(STRAY) is None
    alice = hub.aggregate("alice")
    assert alice is not None
    assert alice.state is PresenceState.AWAY  # the removed value no longer counts
    assert alice.last_seen_at == NOW - 60
    assert recorder.events == [("changed", ["alice"])]
    assert hub.statistics().identities == 2
    hub.ingest(value(STRAY, PresenceState.ONLINE, NOW))  # a late value finds no one
    hub.flush()
    assert hub.person_of(STRAY) is None
    hub.remove_identity(STRAY)  # unknown now: nothing happens
    assert recorder.events == [("changed", ["alice"])]


def test_removing_a_persons_last_identity_removes_the_person(hub: PresenceHub) -> None:
    recorder = Recorder(hub)
    stray_person = unlinked_person_id(STRAY)
    hub.ingest(value(STRAY, PresenceState.BUSY, NOW))  # pending, never flushed

    hub.remove_identity(STRAY)

    assert hub.person(stray_person) is None
    assert [p.person_id for p in hub.people()] == ["alice"]
    assert recorder.events == [("removed", [stray_person])]
