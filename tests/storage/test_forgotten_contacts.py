"""Contacts no account lists any more: storage forgets them, never what the user made."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, no_longer_listed, unlinked_person_id
from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Platform
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.storage.database import StorageWriteError
from presence_tray.storage.write_behind import Batch, WriteBehind

if TYPE_CHECKING:
    import logging

    from presence_tray.storage.local_store import LocalStore

NOW = 1_795_597_200.0
TEAMS = AccountRef(Platform.TEAMS, "tenant")
ALICE_SLACK = IdentityKey(Platform.SLACK, "workspace", "U1")
ALICE_TEAMS = IdentityKey(Platform.TEAMS, "tenant", "T1")
BOB_TEAMS = IdentityKey(Platform.TEAMS, "tenant", "T2")
CAROL_TEAMS = IdentityKey(Platform.TEAMS, "tenant", "T3")
BOB, CAROL = unlinked_person_id(BOB_TEAMS), unlinked_person_id(CAROL_TEAMS)


async def saved_hub(store: LocalStore) -> tuple[PresenceHub, WriteBehind]:
    """A hub whose Alice (Slack and Teams, linked by the user), Bob and Carol (Teams) are
    saved with their values; Carol is a favourite with a rule."""
    hub = PresenceHub(ManualClock(NOW))
    writer = store.write_behind(hub, history_enabled=lambda: True)
    hub.add_identities(
        [
            Identity(ALICE_SLACK, "Alice Chen"),
            Identity(ALICE_TEAMS, "Alice Chen"),
            Identity(BOB_TEAMS, "Bob"),
            Identity(CAROL_TEAMS, "Carol"),
        ]
    )
    for key in (ALICE_SLACK, ALICE_TEAMS, BOB_TEAMS, CAROL_TEAMS):
        hub.ingest(PlatformPresence(key, PresenceState.ONLINE, NOW))
    hub.flush()
    await writer.flush()
    people = store.people

    def user_choices() -> None:
        for key in (ALICE_SLACK, ALICE_TEAMS):
            people.link(key, "alice", "Alice Chen")
        people.set_favourite(CAROL, favourite=True)
        store.rules.save(NotificationRule(CAROL, NotifyOn.AVAILABLE))

    await asyncio.to_thread(user_choices)
    hub.link(ALICE_SLACK, "alice")
    hub.link(ALICE_TEAMS, "alice")
    return hub, writer


async def test_removed_contacts_do_not_come_back_at_the_next_start(store: LocalStore) -> None:
    hub, writer = await saved_hub(store)

    hub.replace_contacts(TEAMS, [])
    await writer.flush()

    last = await store.load_last_known()
    saved = {identity.key: identity for identity in last.identities}
    assert BOB_TEAMS not in saved
    assert CAROL_TEAMS not in saved
    assert {value.identity for value in last.values} == {ALICE_SLACK}  # no cached value back
    # The user's link stays, so Alice's Teams account rejoins her if it is listed again; it
    # is loaded apart, not as a contact.
    assert ALICE_TEAMS not in saved
    assert [(i.key, i.person_id) for i in last.unlisted] == [(ALICE_TEAMS, "alice")]


async def test_what_the_user_made_is_kept(store: LocalStore) -> None:
    hub, writer = await saved_hub(store)

    hub.replace_contacts(TEAMS, [])
    await writer.flush()

    def read() -> tuple[frozenset[str], list[NotificationRule], dict[str, str]]:
        return store.people.favourites(), store.rules.list(), store.people.given_names()

    favourites, rules, names = await asyncio.to_thread(read)
    assert favourites == {CAROL}
    assert rules == [NotificationRule(CAROL, NotifyOn.AVAILABLE)]
    assert names["alice"] == "Alice Chen"


async def test_a_contact_listed_again_is_saved_again_with_their_favourite(
    store: LocalStore,
) -> None:
    hub, writer = await saved_hub(store)
    hub.replace_contacts(TEAMS, [])
    await writer.flush()

    hub.replace_contacts(TEAMS, [Identity(CAROL_TEAMS, "Carol")])
    hub.ingest(PlatformPresence(CAROL_TEAMS, PresenceState.BUSY, NOW + 60))
    hub.flush()
    await writer.flush()

    last = await store.load_last_known()
    assert CAROL_TEAMS in {identity.key for identity in last.identities}
    assert CAROL in await asyncio.to_thread(store.people.favourites)


async def test_forgotten_and_listed_again_before_a_write_stays_saved(store: LocalStore) -> None:
    hub, writer = await saved_hub(store)

    hub.remove_contacts([BOB_TEAMS])
    hub.add_identities([Identity(BOB_TEAMS, "Bob")])
    hub.flush()
    await writer.flush()

    last = await store.load_last_known()
    assert BOB_TEAMS in {identity.key for identity in last.identities}


async def test_a_kept_favourite_is_saved_saying_no_account_lists_them(store: LocalStore) -> None:
    hub, writer = await saved_hub(store)
    hub.set_kept_people({CAROL}.__contains__)

    hub.replace_contacts(TEAMS, [])
    await writer.flush()

    last = await store.load_last_known()
    assert CAROL_TEAMS in {identity.key for identity in last.identities}
    carol = [value for value in last.values if value.identity == CAROL_TEAMS]
    assert [(value.state, value.note) for value in carol] == [
        (PresenceState.UNKNOWN, no_longer_listed(CAROL_TEAMS, NOW).note)
    ]


async def test_a_failed_write_keeps_the_contacts_to_forget_for_the_next_one(
    expected_warnings: list[logging.LogRecord],
) -> None:
    written: list[Batch] = []
    failures = [StorageWriteError("the disk is full")]

    def write(batch: Batch) -> None:
        if failures:
            raise failures.pop()
        written.append(batch)

    writer = WriteBehind(write, lambda _key: None)
    writer.on_forgotten_contacts([BOB_TEAMS])
    await writer.flush()
    await writer.flush()

    assert [list(batch.forgotten_contacts) for batch in written] == [[BOB_TEAMS]]
    assert len(expected_warnings) == 1
