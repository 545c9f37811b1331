"""Contacts an account no longer lists: what leaves the hub, what stays, what nobody hears."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, no_longer_listed, unlinked_person_id
from presence_tray.core.identity import AccountRef, Identity, Platform
from presence_tray.core.notifier import Notification, Notifier
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.core.presence import PresenceSource, PresenceState
from tests.core.helpers import NOW, identity, key, value

if TYPE_CHECKING:
    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.identity import IdentityKey, Person

TEAMS = AccountRef(Platform.TEAMS, "acct")
ALICE_TEAMS = key(Platform.TEAMS, "T1")
ALICE_SLACK = key(Platform.SLACK, "U1")
BOB_TEAMS = key(Platform.TEAMS, "T2")
CAROL_TEAMS = key(Platform.TEAMS, "T3")
ALICE_LINKEDIN = key(Platform.LINKEDIN, "alice-chen", account="manual")


class Heard:
    """Everything the hub announced, in order."""

    def __init__(self, hub: PresenceHub) -> None:
        self.changes: list[PresenceChanged] = []
        self.removed: list[Person] = []
        self.forgotten: list[IdentityKey] = []
        hub.subscribe(self.changes.extend)
        hub.subscribe_removals(self.removed.extend)
        hub.subscribe_forgotten_contacts(self.forgotten.extend)

    def changed_people(self) -> list[str]:
        return [change.person.person_id for change in self.changes]


def teams_contact(k: IdentityKey, name: str) -> Identity:
    """A Teams contact as its listing describes it (a person of its own)."""
    return Identity(k, name)


@pytest.fixture
def hub() -> PresenceHub:
    """Alice on Slack and Teams (one person), Bob and Carol on Teams alone; all online."""
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            identity(ALICE_TEAMS, "Alice Chen", "alice"),
            teams_contact(BOB_TEAMS, "Bob"),
            teams_contact(CAROL_TEAMS, "Carol"),
        ]
    )
    hub.ingest(value(ALICE_SLACK, PresenceState.OFFLINE, NOW - 60))
    for k in (ALICE_TEAMS, BOB_TEAMS, CAROL_TEAMS):
        hub.ingest(value(k, PresenceState.ONLINE, NOW - 30))
    hub.flush()
    return hub


def test_a_contact_no_longer_listed_leaves_with_their_person_and_no_change_event(
    hub: PresenceHub,
) -> None:
    heard = Heard(hub)
    bob = unlinked_person_id(BOB_TEAMS)

    hub.replace_contacts(TEAMS, [hub.identity(k) for k in (ALICE_TEAMS, CAROL_TEAMS)])  # type: ignore[misc]

    assert hub.person(bob) is None
    assert hub.identity(BOB_TEAMS) is None
    assert [person.person_id for person in heard.removed] == [bob]
    assert bob not in heard.changed_people()  # no "went offline", no change at all
    assert heard.forgotten == [BOB_TEAMS]
    assert hub.statistics().people == 2


def test_a_linked_person_keeps_their_other_identity_and_their_id(hub: PresenceHub) -> None:
    heard = Heard(hub)

    hub.remove_contacts([ALICE_TEAMS])

    alice = hub.person("alice")
    assert alice is not None
    assert alice.identities == (ALICE_SLACK,)
    assert heard.removed == []
    aggregate = hub.aggregate("alice")
    assert aggregate is not None
    assert aggregate.state is PresenceState.OFFLINE  # what Slack said, already known
    assert heard.forgotten == [ALICE_TEAMS]


def test_an_identity_added_by_hand_keeps_the_person(hub: PresenceHub) -> None:
    hub.add_identities([identity(ALICE_LINKEDIN, "Alice Chen", unlinked_person_id(BOB_TEAMS))])

    hub.remove_contacts([BOB_TEAMS])

    bob = hub.person(unlinked_person_id(BOB_TEAMS))
    assert bob is not None
    assert bob.identities == (ALICE_LINKEDIN,)


def test_a_favourite_stays_in_view_saying_no_account_lists_them(hub: PresenceHub) -> None:
    bob = unlinked_person_id(BOB_TEAMS)
    hub.set_kept_people({bob}.__contains__)
    heard = Heard(hub)

    hub.replace_contacts(TEAMS, [])

    person = hub.person(bob)
    assert person is not None
    assert person.identities == (BOB_TEAMS,)
    aggregate = hub.aggregate(bob)
    assert aggregate is not None
    assert aggregate.state is PresenceState.UNKNOWN  # never offline
    assert aggregate.decided_by == no_longer_listed(BOB_TEAMS, NOW)
    assert aggregate.decided_by.note == "No longer among your Teams contacts"
    assert [p.person_id for p in heard.removed] == [unlinked_person_id(CAROL_TEAMS)]
    assert BOB_TEAMS not in heard.forgotten  # storage keeps it, with the value saying why

    heard.changes.clear()
    hub.replace_contacts(TEAMS, [])  # the next listing changes nothing more
    assert heard.changes == []


def test_a_kept_favourite_listed_again_is_a_contact_as_before(hub: PresenceHub) -> None:
    bob = unlinked_person_id(BOB_TEAMS)
    hub.set_kept_people({bob}.__contains__)
    hub.replace_contacts(TEAMS, [])

    hub.replace_contacts(TEAMS, [teams_contact(BOB_TEAMS, "Bob")])
    hub.flush()
    hub.ingest(value(BOB_TEAMS, PresenceState.BUSY, NOW))
    hub.flush()

    aggregate = hub.aggregate(bob)
    assert aggregate is not None
    assert aggregate.state is PresenceState.BUSY
    assert [v.note for v in aggregate.values] == [None]


def test_a_favourite_no_longer_kept_leaves_at_the_next_listing(hub: PresenceHub) -> None:
    favourites = {unlinked_person_id(BOB_TEAMS)}
    hub.set_kept_people(favourites.__contains__)
    hub.replace_contacts(TEAMS, [])

    favourites.clear()
    hub.replace_contacts(TEAMS, [])

    assert hub.person(unlinked_person_id(BOB_TEAMS)) is None


def test_replacing_touches_only_that_accounts_contacts(hub: PresenceHub) -> None:
    other = AccountRef(Platform.TEAMS, "other-tenant")

    hub.replace_contacts(other, [])
    hub.replace_contacts(AccountRef(Platform.SLACK, "acct"), [])

    assert hub.identity(BOB_TEAMS) is not None
    assert hub.person("alice") is not None
    assert hub.person("alice").identities == (ALICE_TEAMS,)  # type: ignore[union-attr]


def test_a_newly_listed_contact_is_added(hub: PresenceHub) -> None:
    dave = key(Platform.TEAMS, "T4")
    listed = [hub.identity(k) for k in (ALICE_TEAMS, BOB_TEAMS, CAROL_TEAMS)]

    hub.replace_contacts(TEAMS, [*listed, teams_contact(dave, "Dave")])  # type: ignore[list-item]
    hub.flush()

    assert hub.person(unlinked_person_id(dave)) is not None
    assert hub.statistics().identities == 5


def test_unknown_keys_are_ignored(hub: PresenceHub) -> None:
    heard = Heard(hub)

    hub.remove_contacts([key(Platform.ZOOM, "nobody")])

    assert (heard.changes, heard.removed, heard.forgotten) == ([], [], [])


def test_the_notifier_hears_no_change_when_the_deciding_account_drops_a_contact(
    hub: PresenceHub,
) -> None:
    sent: list[Notification] = []
    clock = ManualClock(NOW)
    rules = [NotificationRule("alice", on) for on in (NotifyOn.OFFLINE, NotifyOn.ANY_CHANGE)]
    notifier = Notifier(clock, sent.append, rules=rules)
    hub.subscribe(notifier.on_changes)
    notifier.start()
    notifier.mark_settled()
    hub.ingest(value(ALICE_TEAMS, PresenceState.BUSY, NOW))  # seen busy on Teams
    hub.flush()

    hub.remove_contacts([ALICE_TEAMS])  # Slack's offline decides now
    hub.ingest(value(ALICE_SLACK, PresenceState.OFFLINE, NOW + 60))  # and stays so
    hub.flush()
    assert sent == []

    clock.advance(600)
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE, NOW + 600))  # a real change
    hub.flush()
    assert [n.title for n in sent] == ["Alice Chen is available"]


def test_a_cached_value_of_a_kept_identity_is_replaced_not_duplicated(hub: PresenceHub) -> None:
    """At the next start the kept value comes from the cache; the first listing says it
    again, once."""
    bob = unlinked_person_id(BOB_TEAMS)
    hub.set_kept_people({bob}.__contains__)
    cached = no_longer_listed(BOB_TEAMS, NOW - 3600)._replace(source=PresenceSource.CACHE)
    hub.ingest(cached)
    hub.flush()

    hub.remove_contacts([BOB_TEAMS])

    aggregate = hub.aggregate(bob)
    assert aggregate is not None
    assert aggregate.values == (no_longer_listed(BOB_TEAMS, NOW),)
