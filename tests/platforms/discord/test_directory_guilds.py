"""The Discord directory removes people only on guild events it can read in full."""

from __future__ import annotations

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.platforms.discord.directory import DiscordDirectory
from tests.platforms.simulated.helpers import RecordingSink
from tests.servers.discord import member

ACCOUNT = AccountRef(Platform.DISCORD, "1180000000000000001")
TEAM, FRIENDS = "1300000000000000001", "1300000000000000002"
BOB, EVE = "1200000000000000002", "1200000000000000005"


def small_guild(guild_id: str, *members: tuple[str, str]) -> dict[str, object]:
    """A GUILD_CREATE of a guild that is not large (every member listed)."""
    listed = [member(user_id, name) for user_id, name in members]
    return {"id": guild_id, "large": False, "members": listed, "presences": []}


@pytest.fixture
def sink() -> RecordingSink:
    """What the directory tells."""
    return RecordingSink()


@pytest.fixture
def directory(sink: RecordingSink) -> DiscordDirectory:
    """A bot in Team (Bob) and Friends (Eve), both listed in full."""
    directory = DiscordDirectory(
        ACCOUNT, bot_id=ACCOUNT.account_id, sink=sink, clock=ManualClock(0)
    )
    ready = {"guilds": [{"id": TEAM, "unavailable": True}, {"id": FRIENDS, "unavailable": True}]}
    directory.on_dispatch("READY", ready)
    directory.on_dispatch("GUILD_CREATE", small_guild(TEAM, (BOB, "bob")))
    directory.on_dispatch("GUILD_CREATE", small_guild(FRIENDS, (EVE, "eve")))
    return directory


def listed(sink: RecordingSink) -> set[str]:
    """The user ids of the last contact list the sink was given."""
    return {identity.key.remote_id for identity in sink.contacts}


@pytest.mark.usefixtures("directory")
def test_the_whole_list_is_told_once_every_guild_is_known(sink: RecordingSink) -> None:
    assert sink.calls.count("replace_contacts") == 1
    assert listed(sink) == {BOB, EVE}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("READY", {"guilds": None}),
        ("READY", {"guilds": [{"unavailable": True}]}),
        ("READY", {}),
        ("GUILD_DELETE", {}),
        ("GUILD_DELETE", {"id": 7}),
        ("GUILD_DELETE", {"id": FRIENDS, "unavailable": True}),
        ("GUILD_CREATE", {"id": FRIENDS, "members": [], "presences": []}),
    ],
    ids=[
        "ready-guilds-null",
        "ready-guild-without-id",
        "ready-without-guilds",
        "delete-without-id",
        "delete-id-not-text",
        "outage",
        "create-large-unsaid",
    ],
)
def test_an_event_that_does_not_say_who_left_removes_no_one(
    directory: DiscordDirectory, sink: RecordingSink, name: str, data: dict[str, object]
) -> None:
    directory.on_dispatch(name, data)

    assert sink.calls.count("replace_contacts") == 1  # only the first, complete listing


def test_a_guild_deleted_takes_only_its_own_members(
    directory: DiscordDirectory, sink: RecordingSink
) -> None:
    directory.on_dispatch("GUILD_DELETE", {"id": FRIENDS})

    assert sink.calls.count("replace_contacts") == 2
    assert listed(sink) == {BOB}
