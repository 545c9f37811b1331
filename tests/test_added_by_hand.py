"""LinkedIn profiles and WhatsApp numbers added to a person by hand, through the linking
service: applied to the hub at once, saying the platform's limit (never offline), saved in a
real SQLite file, there again after a restart, and removable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core import describe
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, is_unlinked_person_id, unlinked_person_id
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.linking_service import GONE, NOT_REMEMBERED, LinkingService
from presence_tray.runtime import show_last_known
from presence_tray.storage.local_store import LocalStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

NOW = 1_700_000_000.0
SLACK = IdentityKey(Platform.SLACK, "acct", "U1")
ZOOM = IdentityKey(Platform.ZOOM, "acct", "Z1")
LISTING = [
    Identity(SLACK, "Alice Chen", ("alice@example.org",), person_id="alice"),
    Identity(ZOOM, "Bob Stone"),
]
PROFILE = IdentityKey(Platform.LINKEDIN, "manual", "alice-chen")
NUMBER = IdentityKey(Platform.WHATSAPP, "manual", "442079460958")


class App:
    """The hub, the store and the linking service of one run, as the app wires them."""

    def __init__(self, store: LocalStore | None) -> None:
        self.clock = ManualClock(NOW)
        self.hub = PresenceHub(self.clock)
        self.store = store
        self.linking = LinkingService(
            self.hub, None if store is None else store.people, clock=self.clock
        )

    @classmethod
    async def start(cls, database: Path) -> App:
        """A run over ``database``: the saved people in the hub, then the linking service."""
        app = cls(await LocalStore.open(database))
        assert app.store is not None
        show_last_known(app.hub, await app.store.load_last_known())
        app.hub.add_identities(LISTING)  # the accounts list their contacts
        app.hub.flush()
        await app.linking.load()
        return app

    async def stop(self) -> None:
        await self.linking.aclose()
        if self.store is not None:
            await self.store.aclose()

    def value_of(self, key: IdentityKey) -> tuple[PresenceState, str | None]:
        person = self.hub.person_of(key)
        assert person is not None
        aggregate = self.hub.aggregate(person.person_id)
        assert aggregate is not None
        [value] = [value for value in aggregate.values if value.identity == key]
        return value.state, value.note


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    started = await App.start(tmp_path / "presence-tray.sqlite3")
    yield started
    await started.stop()


async def test_added_identities_survive_a_restart_and_can_be_removed(tmp_path: Path) -> None:
    database = tmp_path / "presence-tray.sqlite3"
    first = await App.start(database)
    added = first.linking.add_by_hand(
        "alice", Platform.LINKEDIN, "https://www.linkedin.com/in/Alice-Chen/?trk=x"
    )
    assert added == "Added the LinkedIn profile linkedin.com/in/alice-chen to Alice Chen."
    added = first.linking.add_by_hand("alice", Platform.WHATSAPP, "+44 20 7946 0958")
    assert added == "Added the WhatsApp number +442079460958 to Alice Chen."
    await first.stop()

    second = await App.start(database)
    person = second.hub.person("alice")
    assert person is not None
    assert set(person.identities) == {SLACK, PROFILE, NUMBER}
    profile, number = second.hub.identity(PROFILE), second.hub.identity(NUMBER)
    assert profile is not None
    assert number is not None
    assert profile.chat_url == "https://www.linkedin.com/in/alice-chen/"
    assert number.chat_url == "https://wa.me/442079460958"
    assert second.value_of(PROFILE) == (PresenceState.UNKNOWN, "LinkedIn does not share presence")
    assert second.value_of(NUMBER) == (PresenceState.UNKNOWN, "WhatsApp does not share presence")
    removed = second.linking.remove_by_hand(PROFILE)
    assert removed == "Removed the LinkedIn profile linkedin.com/in/alice-chen from Alice Chen."
    assert second.hub.identity(PROFILE) is None
    await second.stop()

    third = await App.start(database)
    person = third.hub.person("alice")
    assert person is not None
    assert set(person.identities) == {SLACK, NUMBER}
    assert third.hub.identity(PROFILE) is None
    await third.stop()


async def test_a_person_who_is_only_unknown_is_never_offline(app: App) -> None:
    app.linking.add_by_hand(unlinked_person_id(ZOOM), Platform.WHATSAPP, "+44 20 7946 0958")
    person = app.hub.person_of(ZOOM)
    assert person is not None
    assert not is_unlinked_person_id(person.person_id)  # two identities: a person of their own
    assert person.identities == (ZOOM, NUMBER)
    assert person.display_name == "Bob Stone"
    aggregate = app.hub.aggregate(person.person_id)
    assert aggregate is not None
    assert aggregate.state is PresenceState.UNKNOWN
    summary = describe.summary(aggregate, now=NOW)
    assert summary == "Unknown · WhatsApp does not share presence"
    assert "ffline" not in summary + describe.explanation(aggregate, app.hub.policy)


async def test_adding_again_or_to_someone_else_changes_nothing(app: App) -> None:
    link = "https://www.linkedin.com/in/alice-chen/"
    app.linking.add_by_hand("alice", Platform.LINKEDIN, link)
    again = app.linking.add_by_hand("alice", Platform.LINKEDIN, "linkedin.com/in/ALICE-CHEN")
    assert again == (
        "The LinkedIn profile linkedin.com/in/alice-chen is Alice Chen's already; "
        "nothing was changed."
    )
    bob = unlinked_person_id(ZOOM)
    with pytest.raises(ValueError, match=r"belongs to Alice Chen\. Remove it there first\.$"):
        app.linking.add_by_hand(bob, Platform.LINKEDIN, link)
    with pytest.raises(ValueError, match=r"not on linkedin\.com"):
        app.linking.add_by_hand(bob, Platform.LINKEDIN, "https://example.com/in/alice-chen")
    assert app.hub.person_of(ZOOM) == app.hub.person(bob)
    assert app.linking.add_by_hand("nobody", Platform.LINKEDIN, link) == GONE


async def test_only_identities_added_by_hand_are_removed(app: App) -> None:
    refused = app.linking.remove_by_hand(SLACK)
    assert refused.startswith("The Slack account Alice Chen comes from a connected account")
    assert app.hub.identity(SLACK) is not None
    assert app.linking.remove_by_hand(PROFILE) == GONE


async def test_a_removed_identity_is_forgotten_in_suggestions(app: App) -> None:
    app.linking.add_by_hand("alice", Platform.WHATSAPP, "+44 20 7946 0958")
    app.linking.unlink(SLACK)  # remembers "never link" Slack with the number
    app.linking.remove_by_hand(NUMBER)
    app.linking.add_by_hand(unlinked_person_id(SLACK), Platform.WHATSAPP, "+44 20 7946 0958")
    person = app.hub.person_of(NUMBER)
    assert person is not None
    assert set(person.identities) == {SLACK, NUMBER}


async def test_without_storage_it_lasts_for_this_run_and_says_so() -> None:
    app = App(None)
    app.hub.add_identities(LISTING)
    app.hub.flush()
    added = app.linking.add_by_hand("alice", Platform.LINKEDIN, "linkedin.com/in/alice-chen")
    done = "Added the LinkedIn profile linkedin.com/in/alice-chen to Alice Chen."
    assert added == f"{done} {NOT_REMEMBERED}"
    await app.stop()


async def test_added_and_removed_before_the_write_behind_wrote_stays_removed(
    tmp_path: Path,
) -> None:
    database = tmp_path / "presence-tray.sqlite3"
    first = await App.start(database)
    assert first.store is not None
    writer = first.store.write_behind(first.hub, history_enabled=lambda: True)
    first.linking.add_by_hand("alice", Platform.LINKEDIN, "linkedin.com/in/alice-chen")
    first.linking.remove_by_hand(PROFILE)  # within the write-behind's interval
    await first.linking.aclose()  # the removal is saved first...
    await writer.flush()  # ...then what the write-behind still held
    await first.stop()

    second = await App.start(database)
    assert second.hub.identity(PROFILE) is None
    person = second.hub.person("alice")
    assert person is not None
    assert person.identities == (SLACK,)
    await second.stop()
