"""The linking service: choices apply to the hub at once and are saved in the background."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray import cli
from presence_tray import runtime as runtime_module
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, is_unlinked_person_id, unlinked_person_id
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.linking import LinkReason
from presence_tray.linking_service import GONE, NOT_REMEMBERED, LinkingService
from presence_tray.storage.database import StorageWriteError, open_database
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.repositories import PeopleRepository

if TYPE_CHECKING:
    import logging
    from collections.abc import Iterator
    from pathlib import Path

    from presence_tray.storage.database import Database

SLACK = IdentityKey(Platform.SLACK, "acct", "U1")
TEAMS = IdentityKey(Platform.TEAMS, "acct", "T1")
DISCORD = IdentityKey(Platform.DISCORD, "acct", "D1")
ZOOM = IdentityKey(Platform.ZOOM, "acct", "Z1")
IDENTITIES = [
    Identity(SLACK, "Alice Chen", ("alice@example.org",), person_id="alice"),
    Identity(TEAMS, "Alice Chen", person_id="alice"),
    Identity(DISCORD, "alice chen", ("Alice@example.org",)),
    Identity(ZOOM, "Chen, Alice"),
]


def new_hub() -> PresenceHub:
    hub = PresenceHub(ManualClock(1_700_000_000.0))
    hub.add_identities(IDENTITIES)
    hub.flush()
    return hub


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "presence.sqlite3")
    PeopleRepository(database).save_identities(IDENTITIES)
    yield database
    database.close()


class BrokenStore:
    """A store whose disk is full."""

    def link(self, *_args: object) -> None:
        raise StorageWriteError("the disk is full")

    unlink = never_link = link

    def never_links(self) -> frozenset[frozenset[IdentityKey]]:
        raise StorageWriteError("the disk is full")


def person_of(hub: PresenceHub, key: IdentityKey) -> str:
    return next(p.person_id for p in hub.people() if key in p.identities)


async def test_suggestions_come_from_the_hub() -> None:
    service = LinkingService(new_hub(), None)
    suggestions = service.suggestions()
    assert [(s.reason, set(s.people)) for s in suggestions] == [
        (LinkReason.SAME_EMAIL, {"alice", unlinked_person_id(DISCORD)}),
        (LinkReason.SIMILAR_NAMES, {"alice", unlinked_person_id(ZOOM)}),
        (LinkReason.SIMILAR_NAMES, {unlinked_person_id(DISCORD), unlinked_person_id(ZOOM)}),
    ]
    assert len(service.people()) == 3


async def test_link_applies_at_once_and_is_saved(db: Database) -> None:
    hub = new_hub()
    service = LinkingService(hub, PeopleRepository(db))
    answer = service.link("alice", unlinked_person_id(DISCORD))
    assert answer == "Linked Alice Chen and alice chen: one person now."
    assert person_of(hub, DISCORD) == "alice"  # before anything was saved
    await service.aclose()
    stored = {i.key: i.person_id for i in PeopleRepository(db).load_identities()}
    assert stored[DISCORD] == "alice"
    # The Discord identity now belongs to Alice: only Zoom is left to suggest.
    assert [set(s.people) for s in service.suggestions()] == [{"alice", unlinked_person_id(ZOOM)}]


async def test_two_strays_become_a_new_person(db: Database) -> None:
    hub = new_hub()
    service = LinkingService(hub, PeopleRepository(db))
    service.link(unlinked_person_id(DISCORD), unlinked_person_id(ZOOM))
    made = person_of(hub, DISCORD)
    assert made == person_of(hub, ZOOM)
    assert not is_unlinked_person_id(made)
    await service.aclose()
    stored = {i.key: i.person_id for i in PeopleRepository(db).load_identities()}
    assert stored[DISCORD] == stored[ZOOM] == made


async def test_unlink_keeps_the_identity_apart_from_its_former_person(db: Database) -> None:
    hub = new_hub()
    service = LinkingService(hub, PeopleRepository(db))
    answer = service.unlink(TEAMS)
    assert answer == (
        "The Teams account Alice Chen is a person of its own now, and will not be "
        "suggested with Alice Chen again."
    )
    assert person_of(hub, TEAMS) == unlinked_person_id(TEAMS)
    assert all(TEAMS not in s.people for s in service.suggestions())
    assert all(unlinked_person_id(TEAMS) not in s.people for s in service.suggestions())
    await service.aclose()
    assert PeopleRepository(db).never_links() == {frozenset({TEAMS, SLACK})}
    # A new run: saved identities first, then the platform's listing (as the app starts).
    restarted = PresenceHub(ManualClock(1_700_000_000.0))
    restarted.add_identities(PeopleRepository(db).load_identities())
    restarted.add_identities(IDENTITIES)
    restarted.flush()
    assert person_of(restarted, TEAMS) == unlinked_person_id(TEAMS)
    again = LinkingService(restarted, PeopleRepository(db))
    await again.load()
    # "Alice Chen" on Teams would match Alice's name, but she said they are not one.
    assert all(unlinked_person_id(TEAMS) not in s.people for s in again.suggestions())


async def test_never_link_is_kept_in_memory_and_saved(db: Database) -> None:
    service = LinkingService(new_hub(), PeopleRepository(db))
    answer = service.never_link(SLACK, DISCORD)
    assert answer == "Alice Chen and alice chen will not be suggested as one person again."
    assert all(s.people != {"alice", unlinked_person_id(DISCORD)} for s in service.suggestions())
    await service.aclose()
    restarted = LinkingService(new_hub(), PeopleRepository(db))
    await restarted.load()
    assert all(s.people != {"alice", unlinked_person_id(DISCORD)} for s in restarted.suggestions())


async def test_without_storage_choices_last_for_this_run_and_say_so() -> None:
    hub = new_hub()
    service = LinkingService(hub, None)
    await service.load()
    assert not service.remembered
    assert service.link("alice", unlinked_person_id(DISCORD)).endswith(NOT_REMEMBERED)
    assert service.unlink(TEAMS).endswith(NOT_REMEMBERED)
    assert service.never_link(SLACK, ZOOM).endswith(NOT_REMEMBERED)
    assert person_of(hub, DISCORD) == "alice"
    await service.aclose()


async def test_a_failed_save_is_a_sentence_not_a_crash(
    expected_warnings: list[logging.LogRecord],
) -> None:
    told: list[str] = []
    hub = new_hub()
    service = LinkingService(hub, BrokenStore(), on_problem=told.append)
    await service.load()
    service.link("alice", unlinked_person_id(DISCORD))
    service.never_link(SLACK, ZOOM)
    await service.aclose()
    assert person_of(hub, DISCORD) == "alice"  # still applied for this run
    full = "(the disk is full)."
    saving = "It applies until Presence Tray quits; make the same choice again later to save it."
    assert told == [
        (
            f"Presence Tray could not read which people you keep apart {full} "
            "Suggestions may include people you said are not the same."
        ),
        f"Presence Tray could not save the link of Alice Chen and alice chen {full} {saving}",
        f"Presence Tray could not save your choice to keep two people apart {full} {saving}",
    ]
    assert [r.getMessage() for r in expected_warnings] == told


async def test_bad_requests_change_nothing() -> None:
    hub = new_hub()
    service = LinkingService(hub, None)
    before = hub.people()
    assert service.link("alice", "nobody") == GONE
    assert service.link("alice", "alice") == "Alice Chen is one person already."
    assert service.unlink(IdentityKey(Platform.XMPP, "acct", "gone")) == GONE
    assert (
        service.unlink(DISCORD) == "The Discord account alice chen is a person of its own already."
    )
    assert service.never_link(SLACK, IdentityKey(Platform.XMPP, "acct", "gone")) == GONE
    assert service.never_link(SLACK, SLACK).startswith("An identity is always")
    assert hub.people() == before


async def test_saved_links_hold_when_the_simulated_network_lists_its_contacts() -> None:
    options = cli.build_parser().parse_args(["--speed", "600"])  # the default 24 people
    runtime = await runtime_module.build_runtime(options)
    runtime.start()
    try:
        async with asyncio.timeout(5):
            await runtime.supervisor.wait_until_settled()
        assert runtime.store is not None
        service = LinkingService(runtime.hub, runtime.store.people)
        # The two accounts the simulated network leaves for the user to link.
        same_email, similar_names = service.suggestions()
        assert same_email.reason is LinkReason.SAME_EMAIL
        assert similar_names.reason is LinkReason.SIMILAR_NAMES
        service.link(same_email.first.person_id, same_email.second.person_id)
        service.never_link(similar_names.first.key, similar_names.second.key)
        await service.aclose()
    finally:
        await runtime.aclose()
    linked = {same_email.first.key, same_email.second.key}

    runtime = await runtime_module.build_runtime(options)
    try:
        # Before any client connects, and still after every account has listed its contacts.
        for started in (False, True):
            if started:
                runtime.start()
                async with asyncio.timeout(5):
                    await runtime.supervisor.wait_until_settled()
                runtime.hub.flush()
            person = runtime.hub.person_of(same_email.first.key)
            assert person is not None
            assert linked <= set(person.identities), started
            assert len(runtime.hub.people()) == 25
        assert runtime.store is not None
        again = LinkingService(runtime.hub, runtime.store.people)
        await again.load()
        assert again.suggestions() == []
    finally:
        await runtime.aclose()


async def test_a_linked_persons_name_survives_a_restart(db: Database) -> None:
    hub = new_hub()
    service = LinkingService(hub, PeopleRepository(db))
    # Zoom's "Chen, Alice" first: the new person takes that name, not the Discord one's,
    # although the Discord identity was saved (and is loaded) first.
    service.link(unlinked_person_id(ZOOM), unlinked_person_id(DISCORD))
    made = person_of(hub, ZOOM)
    await service.aclose()

    restarted = PresenceHub(ManualClock(1_700_000_000.0))
    runtime_module.show_last_known(restarted, await LocalStore(db).load_last_known())
    person = restarted.person(made)
    assert person is not None
    assert person.display_name == "Chen, Alice"
    assert set(person.identities) == {ZOOM, DISCORD}
    # People the user never named keep their identities' names.
    alice = restarted.person("alice")
    assert alice is not None
    assert alice.display_name == "Alice Chen"
