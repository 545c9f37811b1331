"""Contacts no account lists any more look the same after a restart as before quitting.

Each test saves a run to a real SQLite file, closes it, opens it again and loads it into a
new hub as the app does at start-up (``runtime.show_last_known``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from presence_tray import app
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, no_longer_listed
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.runtime import show_last_known
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import database_path
from tests.storage.helpers import raw
from tests.storage.test_forgotten_contacts import (
    ALICE_SLACK,
    ALICE_TEAMS,
    BOB_TEAMS,
    CAROL,
    CAROL_TEAMS,
    NOW,
    TEAMS,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

DAN_TEAMS = IdentityKey(Platform.TEAMS, "tenant", "T4")
ERIN_TEAMS = IdentityKey(Platform.TEAMS, "tenant", "T5")
CONTACTS = {
    ALICE_SLACK: "Alice Chen",
    ALICE_TEAMS: "Alice C.",
    BOB_TEAMS: "Bob",
    CAROL_TEAMS: "Carol",
    DAN_TEAMS: "Dan",
    ERIN_TEAMS: "Erin",
}
LINKS = {ALICE_SLACK: "alice", ALICE_TEAMS: "alice", DAN_TEAMS: "dan", ERIN_TEAMS: "erin"}
"""Identities the user linked, to these people."""
FAVOURITES = frozenset({CAROL, "erin"})

View = dict[str, tuple[tuple[IdentityKey, ...], list[tuple[IdentityKey, PresenceState, str]]]]


def view(hub: PresenceHub) -> View:
    """What the contacts window shows: each person's accounts, and each account's state and
    note."""
    shown: View = {}
    for person in hub.people():
        aggregate = hub.aggregate(person.person_id)
        assert aggregate is not None
        values = sorted((v.identity, v.state, v.note or "") for v in aggregate.values)
        shown[person.person_id] = (person.identities, values)
    return shown


async def first_run(path: Path) -> View:
    """Everyone listed and online, the user's links and favourites saved; then the Teams
    account lists no one any more. Returns what the hub shows when the app quits."""
    store = await LocalStore.open(path)
    hub = PresenceHub(ManualClock(NOW))
    hub.set_kept_people(FAVOURITES.__contains__)
    writer = store.write_behind(hub, history_enabled=lambda: True)
    hub.add_identities(Identity(k, name) for k, name in CONTACTS.items())
    for k in CONTACTS:
        hub.ingest(PlatformPresence(k, PresenceState.ONLINE, NOW))
    hub.flush()
    await writer.flush()

    def user_choices() -> None:
        for k, person_id in LINKS.items():
            store.people.link(k, person_id, CONTACTS[k])
        for person_id in FAVOURITES:
            store.people.set_favourite(person_id, favourite=True)

    await asyncio.to_thread(user_choices)
    for k, person_id in LINKS.items():
        hub.link(k, person_id)

    hub.replace_contacts(TEAMS, [])
    hub.flush()
    await writer.aclose()
    await store.aclose()
    return view(hub)


async def restart(path: Path) -> tuple[PresenceHub, LocalStore]:
    """The app's start-up on the saved file: a new hub with the last known data, keeping
    the favourites in view."""
    store = await LocalStore.open(path)
    hub = PresenceHub(ManualClock(NOW + 3600))
    last = await store.load_last_known()
    show_last_known(hub, last)
    hub.set_kept_people(last.favourites.__contains__)
    return hub, store


async def test_after_a_restart_the_user_sees_what_they_saw_before_quitting(
    tmp_path: Path,
) -> None:
    path = tmp_path / "presence.sqlite3"
    before = await first_run(path)

    hub, store = await restart(path)
    await store.aclose()

    after = view(hub)
    assert after == before
    # Alice keeps only her Slack account; Bob and Dan are not contacts; the favourites
    # say no account lists them.
    assert set(after) == {"alice", CAROL, "erin"}
    assert after["alice"][0] == (ALICE_SLACK,)
    erin_note = no_longer_listed(ERIN_TEAMS, NOW).note
    assert after["erin"][1] == [(ERIN_TEAMS, PresenceState.UNKNOWN, erin_note)]


async def test_a_person_made_a_favourite_meanwhile_says_no_account_lists_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "presence.sqlite3"
    await first_run(path)
    store = await LocalStore.open(path)
    # As `presence-tray favourite Dan` saves it while the app is not running.
    await asyncio.to_thread(store.people.set_favourite, "dan", favourite=True)
    await store.aclose()

    hub, store = await restart(path)
    await store.aclose()

    assert view(hub)["dan"] == (
        (DAN_TEAMS,),
        [(DAN_TEAMS, PresenceState.UNKNOWN, no_longer_listed(DAN_TEAMS, NOW).note or "")],
    )
    assert hub.is_unlisted(DAN_TEAMS)


async def test_listed_again_after_a_restart_a_contact_rejoins_its_person_for_good(
    tmp_path: Path,
) -> None:
    path = tmp_path / "presence.sqlite3"
    await first_run(path)
    hub, store = await restart(path)
    writer = store.write_behind(hub, history_enabled=lambda: True)

    hub.replace_contacts(TEAMS, [Identity(ALICE_TEAMS, "Alice C."), Identity(DAN_TEAMS, "Dan")])
    hub.ingest(PlatformPresence(ALICE_TEAMS, PresenceState.BUSY, NOW + 3600))
    hub.ingest(PlatformPresence(DAN_TEAMS, PresenceState.BUSY, NOW + 3600))
    hub.flush()
    await writer.aclose()
    await store.aclose()
    before = view(hub)
    assert before["alice"][0] == (ALICE_SLACK, ALICE_TEAMS)
    assert before["dan"][0] == (DAN_TEAMS,)

    again, store = await restart(path)
    last = await store.load_last_known()
    await store.aclose()

    assert last.unlisted == []  # the marks are cleared
    assert {k: view(again)[person][0] for k, person in LINKS.items() if k != ERIN_TEAMS} == {
        ALICE_SLACK: (ALICE_SLACK, ALICE_TEAMS),
        ALICE_TEAMS: (ALICE_SLACK, ALICE_TEAMS),
        DAN_TEAMS: (DAN_TEAMS,),
    }


def test_the_command_line_can_still_forget_a_person_no_account_lists(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = database_path(data_dir, simulated=True)
    asyncio.run(first_run(path))  # Dan's Teams account, linked by the user, is kept

    assert app.main(["forget", "Dan"]) == 0

    assert "Forgot Dan" in capsys.readouterr().out
    assert raw(path, "SELECT count(*) FROM identities WHERE person_id = 'dan'") == [(0,)]
