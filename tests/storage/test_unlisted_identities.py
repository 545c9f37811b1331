"""A user-linked identity no account lists any more is kept, marked, and loaded apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.identity import Identity, Platform
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.storage.repositories import (
    HistoryRepository,
    NotificationRulesRepository,
    PeopleRepository,
    write_batch,
)
from tests.storage.helpers import NOW, identity, key, raw, transition

if TYPE_CHECKING:
    from presence_tray.storage.database import Database

ALICE_SLACK = key("U1")
ALICE_TEAMS = key("T1", Platform.TEAMS, "corp")
BOB_TEAMS = key("T2", Platform.TEAMS, "corp")
MARKS = "SELECT remote_id, unlisted_at FROM identities WHERE remote_id != 'T2' ORDER BY remote_id"


@pytest.fixture
def people(db: Database) -> PeopleRepository:
    """Alice on Slack and Teams (the Teams account linked by the user), Bob on Teams alone;
    Alice is a favourite with a name, a rule and history."""
    repository = PeopleRepository(db)
    repository.save_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            Identity(ALICE_TEAMS, "Alice C."),
            Identity(BOB_TEAMS, "Bob"),
        ]
    )
    repository.link(ALICE_TEAMS, "alice", "Alice Chen")
    repository.set_favourite("alice", favourite=True)
    NotificationRulesRepository(db).save(NotificationRule("alice", NotifyOn.AVAILABLE))
    HistoryRepository(db).append_many([transition(ALICE_TEAMS)])
    return repository


def test_a_forgotten_linked_identity_is_kept_marked_and_loaded_apart(
    db: Database, people: PeopleRepository
) -> None:
    write_batch(db, [], [], forgotten_contacts=[ALICE_TEAMS, BOB_TEAMS], forgotten_at=NOW)

    assert raw(db.path, MARKS) == [("T1", NOW), ("U1", None)]
    assert raw(db.path, "SELECT count(*) FROM identities WHERE remote_id = 'T2'") == [(0,)]
    stored = people.load_by_listing()
    assert [i.key for i in stored.listed] == [ALICE_SLACK]
    assert [(i.key, i.display_name, i.person_id) for i in stored.unlisted] == [
        (ALICE_TEAMS, "Alice C.", "alice")
    ]
    # Every stored identity, for exports: the kept one too.
    assert {i.key for i in people.load_identities()} == {ALICE_SLACK, ALICE_TEAMS}


def test_nothing_the_user_made_is_deleted(db: Database, people: PeopleRepository) -> None:
    write_batch(db, [], [], forgotten_contacts=[ALICE_SLACK, ALICE_TEAMS], forgotten_at=NOW)

    assert people.favourites() == {"alice"}
    assert people.given_names() == {"alice": "Alice Chen"}
    assert NotificationRulesRepository(db).list() == [NotificationRule("alice", NotifyOn.AVAILABLE)]
    assert HistoryRepository(db).count() == 1
    assert [(i.key, i.person_id) for i in people.load_by_listing().unlisted] == [
        (ALICE_TEAMS, "alice")
    ]


def test_forgotten_again_the_first_time_stays(db: Database, people: PeopleRepository) -> None:
    write_batch(db, [], [], forgotten_contacts=[ALICE_TEAMS], forgotten_at=NOW)
    write_batch(db, [], [], forgotten_contacts=[ALICE_TEAMS], forgotten_at=NOW + 600)

    assert raw(db.path, MARKS) == [("T1", NOW), ("U1", None)]
    assert people.favourites() == {"alice"}


def test_listed_again_the_mark_is_cleared_and_the_link_kept(
    db: Database, people: PeopleRepository
) -> None:
    write_batch(db, [], [], forgotten_contacts=[ALICE_TEAMS], forgotten_at=NOW)

    # The listing names no person: the user's link still decides.
    write_batch(db, [], [], [Identity(ALICE_TEAMS, "Alice Chen (Teams)")])

    assert raw(db.path, MARKS) == [("T1", None), ("U1", None)]
    stored = people.load_by_listing()
    assert stored.unlisted == []
    listed = {i.key: i.person_id for i in stored.listed}
    assert (listed[ALICE_SLACK], listed[ALICE_TEAMS]) == ("alice", "alice")


def test_forgotten_and_listed_again_in_one_batch_is_listed(
    db: Database, people: PeopleRepository
) -> None:
    write_batch(db, [], [], [Identity(ALICE_TEAMS, "Alice C.")], [ALICE_TEAMS], forgotten_at=NOW)

    assert raw(db.path, MARKS) == [("T1", None), ("U1", None)]
    assert people.load_by_listing().unlisted == []


def test_a_write_without_a_time_marks_with_the_current_time(
    db: Database, people: PeopleRepository
) -> None:
    write_batch(db, [], [], forgotten_contacts=[ALICE_TEAMS])

    ((_, marked_at),) = raw(db.path, MARKS + " LIMIT 1")
    assert marked_at > NOW
    assert len(people.load_by_listing().unlisted) == 1
