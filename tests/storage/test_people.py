"""People and identities: upserts, favourites, links, never-link pairs, forgetting."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import Identity, Person, Platform
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.storage.database import open_database
from presence_tray.storage.repositories import (
    HistoryRepository,
    NotificationRulesRepository,
    PeopleRepository,
    PresenceCacheRepository,
)
from tests.storage.helpers import NOW, identity, key, raw, transition, value

if TYPE_CHECKING:
    import logging
    from pathlib import Path

    from presence_tray.storage.database import Database

ALICE_SLACK = key("U1")
ALICE_TEAMS = key("T1", Platform.TEAMS, "corp")
BOB_SLACK = key("U2")
LONER = key("@zed:matrix.org", Platform.MATRIX, "home")


@pytest.fixture
def people(db: Database) -> PeopleRepository:
    repository = PeopleRepository(db)
    repository.save_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            Identity(
                ALICE_TEAMS, "Alice C.", chat_url="https://teams.example/chat/T1", person_id="alice"
            ),
            identity(BOB_SLACK, "Bob Diaz", "bob"),
            Identity(LONER, "Zed"),  # names no person
        ]
    )
    return repository


def by_key(identities: list[Identity]) -> dict[object, Identity]:
    return {i.key: i for i in identities}


def test_identities_round_trip_with_their_people(people: PeopleRepository) -> None:
    loaded = by_key(people.load_identities())
    assert loaded[ALICE_SLACK] == identity(ALICE_SLACK, "Alice Chen", "alice")
    assert loaded[ALICE_TEAMS].chat_url == "https://teams.example/chat/T1"
    assert loaded[ALICE_TEAMS].person_id == "alice"
    assert loaded[LONER].person_id == unlinked_person_id(LONER)  # always set when loaded
    assert {p.person_id: p for p in people.load_people()}["alice"] == Person(
        "alice", "Alice Chen", (ALICE_SLACK, ALICE_TEAMS)
    )


def test_saving_again_updates_details_and_follows_the_platform(people: PeopleRepository) -> None:
    people.save_identities(
        [
            Identity(ALICE_SLACK, "Alice Chen-Li", handles=("ali@example.org",), person_id="alice"),
            identity(BOB_SLACK, "Bob Diaz", "robert"),  # the platform regrouped Bob
            Identity(LONER, "Zed Z."),  # still names nobody: stays where it was
        ]
    )
    loaded = by_key(people.load_identities())
    assert loaded[ALICE_SLACK].display_name == "Alice Chen-Li"
    assert loaded[ALICE_SLACK].handles == ("ali@example.org",)
    assert loaded[BOB_SLACK].person_id == "robert"
    assert loaded[LONER].person_id == unlinked_person_id(LONER)
    # "bob" lost his only identity and is gone.
    assert "bob" not in {p.person_id for p in people.load_people()}


def test_favourites(people: PeopleRepository) -> None:
    assert people.favourites() == frozenset()
    people.set_favourite("alice", favourite=True)
    people.set_favourite("bob", favourite=True)
    people.set_favourite("bob", favourite=False)
    assert people.favourites() == {"alice"}
    people.save_identities([identity(ALICE_SLACK, "Alice Chen", "alice")])
    assert people.favourites() == {"alice"}  # a new listing keeps the star


def test_a_favourite_may_come_before_the_identities(db: Database) -> None:
    people = PeopleRepository(db)
    people.set_favourite("carol", favourite=True)
    people.save_identities([identity(key("U9"), "Carol", "carol")])
    assert people.favourites() == {"carol"}
    assert people.load_people() == [Person("carol", "Carol", (key("U9"),))]


def test_a_user_link_outlives_platform_listings(people: PeopleRepository, db: Database) -> None:
    rules = NotificationRulesRepository(db)
    lonely = unlinked_person_id(LONER)
    rules.save(NotificationRule(lonely, NotifyOn.AVAILABLE))
    people.link(LONER, "alice", "Alice")
    people.save_identities([Identity(LONER, "Zed", person_id="someone-else")])
    loaded = by_key(people.load_identities())
    assert loaded[LONER].person_id == "alice"
    alice = {p.person_id: p for p in people.load_people()}["alice"]
    assert alice.display_name == "Alice"  # the name the user gave
    assert set(alice.identities) == {ALICE_SLACK, ALICE_TEAMS, LONER}
    # Zed's own person had nothing left: gone, with the rule about them.
    assert lonely not in {p.person_id for p in people.load_people()}
    assert rules.list() == []


def test_linking_an_identity_not_listed_yet(db: Database) -> None:
    people = PeopleRepository(db)
    people.link(LONER, "zed", "Zed")
    assert people.load_identities() == [Identity(LONER, "Zed", person_id="zed")]
    people.save_identities([Identity(LONER, "Zed Zulu", handles=("zed@example.org",))])
    assert people.load_identities() == [
        Identity(LONER, "Zed Zulu", handles=("zed@example.org",), person_id="zed")
    ]


def test_never_link_ignores_order(people: PeopleRepository) -> None:
    people.never_link(ALICE_SLACK, BOB_SLACK)
    people.never_link(BOB_SLACK, ALICE_SLACK)
    people.never_link(LONER, ALICE_TEAMS)
    assert people.never_links() == {
        frozenset({ALICE_SLACK, BOB_SLACK}),
        frozenset({ALICE_TEAMS, LONER}),
    }
    with pytest.raises(ValueError, match="itself"):
        people.never_link(BOB_SLACK, BOB_SLACK)


def test_forget_person_removes_exactly_that_persons_data(
    people: PeopleRepository, db: Database
) -> None:
    cache, history, rules = (
        PresenceCacheRepository(db),
        HistoryRepository(db),
        NotificationRulesRepository(db),
    )
    everyone = [ALICE_SLACK, ALICE_TEAMS, BOB_SLACK, LONER]
    cache.upsert_many(value(k) for k in everyone)
    history.append_many(transition(k, at=NOW + n) for n, k in enumerate(everyone * 3))
    for person in ("alice", "bob"):
        rules.save(NotificationRule(person, NotifyOn.AVAILABLE))
        rules.save(NotificationRule(person, NotifyOn.OFFLINE, once=True))
    people.set_favourite("alice", favourite=True)
    people.set_favourite("bob", favourite=True)
    people.never_link(ALICE_SLACK, BOB_SLACK)
    people.never_link(BOB_SLACK, LONER)

    people.forget_person("alice")

    survivors = {BOB_SLACK, LONER}
    assert {v.identity for v in cache.load()} == survivors
    assert {t.identity for t in history.for_identities(everyone, since=0)} == survivors
    assert history.count() == 6
    assert {r.person_id for r in rules.list()} == {"bob"}
    assert people.favourites() == {"bob"}
    assert {i.key for i in people.load_identities()} == survivors
    assert "alice" not in {p.person_id for p in people.load_people()}
    assert people.never_links() == {frozenset({BOB_SLACK, LONER})}
    assert raw(db.path, "SELECT count(*) FROM people WHERE person_id = 'alice'") == [(0,)]


def test_forgetting_someone_unknown_does_nothing(people: PeopleRepository) -> None:
    before = people.load_identities()
    people.forget_person("nobody")
    assert people.load_identities() == before


def test_rows_of_unknown_platforms_are_skipped_with_one_warning(
    people: PeopleRepository, db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    for n in range(3):
        raw(
            db.path,
            "INSERT INTO identities (platform, account_id, remote_id, display_name, person_id)"
            " VALUES ('myspace', 'a', ?, 'Tom', 'alice')",
            (f"tom{n}",),
        )
    raw(db.path, "UPDATE identities SET handles_json = 'not json' WHERE remote_id = 'U2'")
    loaded = by_key(people.load_identities())
    assert set(loaded) == {ALICE_SLACK, ALICE_TEAMS, BOB_SLACK, LONER}
    assert loaded[BOB_SLACK].handles == ()
    assert len(expected_warnings) == 1
    message = expected_warnings[0].getMessage()
    assert "'myspace' (3x)" in message
    assert "handles" in message


def test_unlink_is_remembered_across_listings_and_restarts(
    people: PeopleRepository, db: Database, db_path: Path
) -> None:
    people.unlink(ALICE_TEAMS)
    # The platform still says Teams is Alice's: the user's word wins.
    people.save_identities([Identity(ALICE_TEAMS, "Alice C.", person_id="alice")])
    db.close()
    reopened = open_database(db_path)
    try:
        again = PeopleRepository(reopened)
        loaded = by_key(again.load_identities())
        own = unlinked_person_id(ALICE_TEAMS)
        assert loaded[ALICE_TEAMS].person_id == own
        assert loaded[ALICE_SLACK].person_id == "alice"
        assert {p.person_id: p.identities for p in again.load_people()}[own] == (ALICE_TEAMS,)
        # Not suggested again: kept apart from the identities Alice still has.
        assert again.never_links() == {frozenset({ALICE_TEAMS, ALICE_SLACK})}
    finally:
        reopened.close()


def test_unlinking_the_last_identity_of_a_person_removes_that_person(
    people: PeopleRepository, db: Database
) -> None:
    rules = NotificationRulesRepository(db)
    rules.save(NotificationRule("bob", NotifyOn.AVAILABLE))
    people.unlink(BOB_SLACK)
    assert "bob" not in {p.person_id for p in people.load_people()}
    assert rules.list() == []
    assert people.never_links() == frozenset()  # Bob had no one else


def test_unlinking_an_identity_of_its_own_keeps_it_so(people: PeopleRepository) -> None:
    people.unlink(LONER)
    people.unlink(LONER)  # twice is harmless
    people.save_identities([Identity(LONER, "Zed", person_id="someone")])
    assert by_key(people.load_identities())[LONER].person_id == unlinked_person_id(LONER)
    assert people.never_links() == frozenset()


def test_unlinking_an_identity_not_listed_yet(db: Database) -> None:
    people = PeopleRepository(db)
    people.unlink(LONER)
    own = unlinked_person_id(LONER)
    assert people.load_identities() == [Identity(LONER, LONER.remote_id, person_id=own)]
    people.save_identities([Identity(LONER, "Zed Zulu", person_id="zed")])
    assert people.load_identities() == [Identity(LONER, "Zed Zulu", person_id=own)]


def test_a_link_after_an_unlink_wins(people: PeopleRepository) -> None:
    people.unlink(ALICE_TEAMS)
    people.link(ALICE_TEAMS, "alice", "Alice Chen")
    people.save_identities([Identity(ALICE_TEAMS, "Alice C.")])
    assert by_key(people.load_identities())[ALICE_TEAMS].person_id == "alice"


def test_forget_identity_removes_one_identity_and_what_is_kept_about_it(
    people: PeopleRepository, db: Database
) -> None:
    cache, history = PresenceCacheRepository(db), HistoryRepository(db)
    profile = key("ada-lovelace", Platform.LINKEDIN, "manual")
    people.save_identities([Identity(profile, "linkedin.com/in/ada-lovelace")])
    people.link(profile, "alice", "Alice Chen")
    everyone = [ALICE_SLACK, ALICE_TEAMS, profile]
    cache.upsert_many(value(k) for k in everyone)
    history.append_many(transition(k, at=NOW + n) for n, k in enumerate(everyone))
    people.never_link(profile, BOB_SLACK)

    people.forget_identity(profile)

    assert {i.key for i in people.load_identities()} == {ALICE_SLACK, ALICE_TEAMS, BOB_SLACK, LONER}
    assert {v.identity for v in cache.load()} == {ALICE_SLACK, ALICE_TEAMS}
    assert {t.identity for t in history.for_identities(everyone, since=0)} == {
        ALICE_SLACK,
        ALICE_TEAMS,
    }
    assert people.never_links() == frozenset()
    [alice] = [p for p in people.load_people() if p.person_id == "alice"]
    assert set(alice.identities) == {ALICE_SLACK, ALICE_TEAMS}
    people.forget_identity(profile)  # again: nothing left, nothing happens


def test_forgetting_a_persons_only_identity_removes_the_person(
    people: PeopleRepository, db: Database
) -> None:
    own = unlinked_person_id(LONER)
    assert raw(db.path, "SELECT count(*) FROM people WHERE person_id = ?", (own,)) == [(1,)]
    people.forget_identity(LONER)
    assert raw(db.path, "SELECT count(*) FROM people WHERE person_id = ?", (own,)) == [(0,)]
    assert LONER not in {i.key for i in people.load_identities()}
