"""The Discord client keeps its contacts in step with the bot's guilds, over a real gateway.

The bot shares the guild ``GUILD`` with Bob, Carol and Dave (conftest) and the guild
``FRIENDS`` with Bob and Eve. People leave quietly (no "went offline") when the bot is
removed from the guild they share with it, and a member who leaves a guild goes at the next
new session; an outage removes no one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import Identity
from presence_tray.platforms.discord.gateway import INTENTS
from tests.platforms.discord.conftest import BOB, BOT_ID, CAROL, DAVE, GUILD, key_of
from tests.servers.discord import GUILD_MEMBERS

if TYPE_CHECKING:
    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.identity import Person
    from tests.platforms.discord.conftest import DiscordRig

FRIENDS = "1300000000000000002"
EVE = "1200000000000000005"


@dataclass
class Watch:
    """What the hub announced since :func:`watch`: changes and removed people."""

    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)


def watch(rig: DiscordRig) -> Watch:
    """Start noting the person ids the hub changes and removes."""
    seen = Watch()

    def on_changes(changes: list[PresenceChanged]) -> None:
        seen.changed.update(change.person.person_id for change in changes)

    def on_removals(people: list[Person]) -> None:
        seen.removed.update(person.person_id for person in people)

    rig.hub.subscribe(on_changes)
    rig.hub.subscribe_removals(on_removals)
    return seen


def person(user_id: str) -> str:
    """The person id the hub gives the member ``user_id``."""
    return unlinked_person_id(key_of(user_id))


def listed(rig: DiscordRig) -> set[str]:
    """The user ids the hub holds as the account's contacts."""
    return {key.remote_id for p in rig.hub.people() for key in p.identities}


async def start_in_two_guilds(
    rig: DiscordRig, everyone: frozenset[str] = frozenset({BOB, CAROL, DAVE, EVE})
) -> None:
    """Add the guild of Bob and Eve, start, and wait until live with ``everyone`` listed."""
    friends = rig.gateway.guild(FRIENDS, "Friends")
    friends.add(BOT_ID, "PresenceBot", "online")
    friends.add(BOB, "bob", "online")
    friends.add(EVE, "eve", "online")
    rig.start()
    await rig.run_until(
        lambda: listed(rig) == everyone and rig.health() is AccountHealth.LIVE,
        what="live, everyone listed",
    )
    await rig.settle()


async def new_session(rig: DiscordRig) -> None:
    """The gateway ends the session (op 9, not resumable); wait for the client's new one."""
    identified = len(rig.gateway.identifies)
    await rig.gateway.invalidate_sessions(resumable=False)
    await rig.run_until(lambda: any(1.0 <= w <= 5.0 for w in rig.clock.sleeps), what="op 9 wait")
    rig.clock.advance(5.0)
    await rig.run_until(
        lambda: len(rig.gateway.identifies) == identified + 1, what="a new IDENTIFY"
    )
    await rig.run_until(lambda: rig.gateway.connected, what="the new session")
    await rig.settle()


@pytest.mark.parametrize("members_from_rest", [True, False], ids=["rest", "gateway"])
async def test_the_bot_removed_from_a_guild_loses_the_members_it_shared_only_there(
    rig: DiscordRig, *, members_from_rest: bool
) -> None:
    rig.rest.members_intent_enabled = members_from_rest
    await start_in_two_guilds(rig)
    seen = watch(rig)

    await rig.gateway.remove_bot_from(GUILD)
    await rig.run_until(lambda: listed(rig) == {BOB, EVE}, what="Carol and Dave gone")
    await rig.settle()

    assert seen.removed == {person(CAROL), person(DAVE)}
    assert seen.changed.isdisjoint(seen.removed)  # nobody "went offline"
    assert rig.hub.identity(key_of(BOB)) is not None  # still shares Friends with the bot
    assert rig.health() is AccountHealth.LIVE


async def test_an_outage_removes_no_one_even_across_a_new_session(rig: DiscordRig) -> None:
    rig.rest.members_intent_enabled = False  # the members come from GUILD_CREATE only
    await start_in_two_guilds(rig)
    seen = watch(rig)

    await rig.gateway.start_outage(GUILD)
    await rig.settle()
    assert listed(rig) == {BOB, CAROL, DAVE, EVE}

    await new_session(rig)  # READY names the guild; no GUILD_CREATE while it is out
    assert listed(rig) == {BOB, CAROL, DAVE, EVE}

    await rig.gateway.end_outage(GUILD)
    await rig.settle()
    assert listed(rig) == {BOB, CAROL, DAVE, EVE}
    assert seen.removed == set()


async def test_a_member_who_leaves_goes_at_the_next_new_session(rig: DiscordRig) -> None:
    await start_in_two_guilds(rig)
    seen = watch(rig)

    sent = await rig.gateway.remove_member(GUILD, DAVE)
    await rig.settle()
    assert INTENTS & GUILD_MEMBERS == 0  # the client does not ask for member events...
    assert sent == 0  # ...so Discord does not say that Dave left
    assert DAVE in listed(rig)

    await new_session(rig)  # GUILD_CREATE lists the guild without Dave
    await rig.run_until(lambda: DAVE not in listed(rig), what="Dave gone")

    assert listed(rig) == {BOB, CAROL, EVE}
    assert seen.removed == {person(DAVE)}
    assert person(DAVE) not in seen.changed


async def test_a_guild_left_while_no_session_was_up_goes_at_the_next_ready(
    rig: DiscordRig,
) -> None:
    await start_in_two_guilds(rig)
    seen = watch(rig)

    del rig.gateway.guilds[FRIENDS]  # the bot is removed while its session is lost
    await new_session(rig)
    await rig.run_until(lambda: EVE not in listed(rig), what="Eve gone")

    assert listed(rig) == {BOB, CAROL, DAVE}
    assert seen.removed == {person(EVE)}


async def test_someone_cached_from_the_last_run_who_shares_no_guild_is_removed(
    rig: DiscordRig,
) -> None:
    gone = "1200000000000000009"
    rig.hub.add_identities([Identity(key_of(gone), "mallory")])  # as the cache loads them
    seen = watch(rig)

    await start_in_two_guilds(rig)

    assert seen.removed == {person(gone)}


async def test_in_a_large_guild_listed_only_in_part_nobody_is_removed(rig: DiscordRig) -> None:
    rig.rest.members_intent_enabled = False
    rig.gateway.guilds[GUILD].large = True  # GUILD_CREATE lists only Bob and Carol (online)
    rig.hub.add_identities([Identity(key_of(DAVE), "dave")])  # offline, from the last run
    await start_in_two_guilds(rig)
    seen = watch(rig)

    await rig.gateway.remove_member(FRIENDS, EVE)
    await new_session(rig)

    assert listed(rig) == {BOB, CAROL, DAVE, EVE}  # Friends no longer lists Eve, but the
    assert seen.removed == set()  # large guild's list is partial: removing would guess
