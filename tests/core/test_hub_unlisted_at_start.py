"""Identities no account listed when the app last ran: the hub shows what it showed then."""

from __future__ import annotations

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, no_longer_listed
from presence_tray.core.identity import AccountRef, Identity, Platform
from presence_tray.core.presence import PresenceState
from tests.core.helpers import NOW, identity, key, value

TEAMS = AccountRef(Platform.TEAMS, "acct")
ALICE_SLACK = key(Platform.SLACK, "U1")
ALICE_TEAMS = key(Platform.TEAMS, "T1")
BOB_TEAMS = key(Platform.TEAMS, "T2")
DAN_TEAMS = key(Platform.TEAMS, "T4")
DAN_ZOOM = key(Platform.ZOOM, "Z4")


def started_hub(*, favourites: frozenset[str] = frozenset()) -> PresenceHub:
    """A hub loaded as at start-up: Alice's Slack account is listed; her Teams account,
    Bob's and Dan's (linked by the user to "alice", "bob" and "dan") are not any more."""
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities([identity(ALICE_SLACK, "Alice Chen", "alice")])
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE, NOW - 60))
    hub.add_unlisted_identities(
        [
            identity(ALICE_TEAMS, "Alice C.", "alice"),
            identity(BOB_TEAMS, "Bob", "bob"),
            identity(DAN_TEAMS, "Dan", "dan"),
            identity(DAN_ZOOM, "Dan", "dan"),
        ],
        keep=favourites.__contains__,
    )
    hub.flush()
    return hub


def test_an_unlisted_identity_does_not_join_a_person_who_has_contacts() -> None:
    hub = started_hub(favourites=frozenset({"alice"}))

    alice = hub.person("alice")
    assert alice is not None
    assert alice.identities == (ALICE_SLACK,)
    assert hub.identity(ALICE_TEAMS) is None
    assert hub.person_of(ALICE_TEAMS) is None


def test_a_person_with_only_unlisted_identities_is_not_shown() -> None:
    hub = started_hub()

    assert hub.person("bob") is None
    assert hub.person("dan") is None
    assert [person.person_id for person in hub.people()] == ["alice"]
    assert hub.statistics().identities == 1


def test_a_favourite_with_only_unlisted_identities_says_no_account_lists_them() -> None:
    hub = started_hub(favourites=frozenset({"dan"}))

    dan = hub.person("dan")
    assert dan is not None
    assert dan.identities == (DAN_TEAMS, DAN_ZOOM)
    assert hub.is_unlisted(DAN_TEAMS)
    aggregate = hub.aggregate("dan")
    assert aggregate is not None
    assert aggregate.state is PresenceState.UNKNOWN
    assert not aggregate.stale  # as remove_contacts keeps a favourite: it does not age
    assert sorted((v.identity, v.note) for v in aggregate.values) == sorted(
        (k, no_longer_listed(k, NOW).note) for k in (DAN_TEAMS, DAN_ZOOM)
    )


def test_listed_again_an_unlisted_identity_rejoins_the_person_the_user_linked() -> None:
    hub = started_hub()
    forgotten: list[object] = []
    hub.subscribe_forgotten_contacts(forgotten.extend)

    # The platform names no person; the user's link decides, as storage keeps it.
    hub.replace_contacts(TEAMS, [Identity(ALICE_TEAMS, "Alice C."), Identity(BOB_TEAMS, "Bob")])
    hub.flush()

    alice = hub.person("alice")
    assert alice is not None
    assert alice.identities == (ALICE_SLACK, ALICE_TEAMS)
    relisted = hub.identity(ALICE_TEAMS)
    assert relisted is not None
    assert relisted.person_id == "alice"
    bob = hub.person("bob")
    assert bob is not None
    assert bob.identities == (BOB_TEAMS,)
    assert forgotten == []  # Dan's set-aside Teams account was no contact: nothing to forget
    assert hub.person("dan") is None


def test_a_kept_favourite_listed_again_is_a_contact_with_its_own_value() -> None:
    hub = started_hub(favourites=frozenset({"dan"}))

    hub.add_identities([Identity(DAN_TEAMS, "Dan")])
    hub.ingest(value(DAN_TEAMS, PresenceState.BUSY, NOW))
    hub.flush()

    assert not hub.is_unlisted(DAN_TEAMS)
    assert hub.is_unlisted(DAN_ZOOM)
    aggregate = hub.aggregate("dan")
    assert aggregate is not None
    assert aggregate.state is PresenceState.BUSY


def test_an_identity_already_known_is_left_as_it_is() -> None:
    hub = started_hub()

    hub.add_unlisted_identities([identity(ALICE_SLACK, "Alice Chen", "bob")], keep=bool)

    assert hub.person_of(ALICE_SLACK) == hub.person("alice")
    assert hub.person("bob") is None
