"""The fake Discord gateway tells guild changes in Discord's shapes, to the intents that ask.

A plain WebSocket client identifies and reads the dispatches as sent (gateway-events.mdx:
Guild Delete is an unavailable guild object, ``unavailable`` absent when the bot was removed;
Guild Member Remove is ``{guild_id, user}`` and needs the GUILD_MEMBERS intent).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.servers.discord import GUILD_MEMBERS, GUILD_PRESENCES, GUILDS, FakeGateway

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TOKEN = "FAKE-NOT-A-SECRET.bot-token.discord"
TEAM, FRIENDS = "1300000000000000001", "1300000000000000002"
DAVE = "1200000000000000004"


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    """A bot in two guilds; Dave is a member of the first."""
    fake = FakeGateway(TOKEN)
    fake.guild(TEAM, "Team").add(DAVE, "dave")
    fake.guild(FRIENDS, "Friends")
    await fake.start()
    yield fake
    await fake.aclose()


async def identify(gateway: FakeGateway, intents: int) -> ClientConnection:
    """A connection identified with ``intents``, read up to its last GUILD_CREATE."""
    socket = await connect(gateway.url + "?v=10&encoding=json")
    await next_message(socket)  # HELLO
    payload = {"token": TOKEN, "intents": intents, "properties": {}}
    await socket.send(json.dumps({"op": 2, "d": payload}))
    available = sum(not guild.unavailable for guild in gateway.guilds.values())
    for _ in range(1 + available):  # READY, then a GUILD_CREATE per available guild
        await next_message(socket)
    return socket


async def next_message(socket: ClientConnection) -> dict[str, Any]:
    """The next message, within a second."""
    async with asyncio.timeout(1.0):
        message: dict[str, Any] = json.loads(await socket.recv())
        return message


async def test_the_bot_removed_from_a_guild_is_guild_delete_without_unavailable(
    gateway: FakeGateway,
) -> None:
    socket = await identify(gateway, GUILDS | GUILD_PRESENCES)

    await gateway.remove_bot_from(FRIENDS)
    message = await next_message(socket)

    assert (message["op"], message["t"], message["d"]) == (0, "GUILD_DELETE", {"id": FRIENDS})
    assert FRIENDS not in gateway.guilds  # a new READY no longer names it
    await socket.close()


async def test_an_outage_is_guild_delete_unavailable_and_ready_still_names_the_guild(
    gateway: FakeGateway,
) -> None:
    socket = await identify(gateway, GUILDS | GUILD_PRESENCES)

    await gateway.start_outage(TEAM)
    deleted = await next_message(socket)
    await socket.close()
    again = await connect(gateway.url + "?v=10&encoding=json")
    await next_message(again)  # HELLO
    await again.send(json.dumps({"op": 2, "d": {"token": TOKEN, "intents": GUILDS}}))
    ready, create = await next_message(again), await next_message(again)
    await gateway.end_outage(TEAM)
    back = await next_message(again)

    assert (deleted["t"], deleted["d"]) == ("GUILD_DELETE", {"id": TEAM, "unavailable": True})
    assert ready["d"]["guilds"] == [
        {"id": TEAM, "unavailable": True},
        {"id": FRIENDS, "unavailable": True},
    ]
    assert (create["t"], create["d"]["id"]) == ("GUILD_CREATE", FRIENDS)  # not the one out
    assert (back["t"], back["d"]["id"]) == ("GUILD_CREATE", TEAM)
    await again.close()


@pytest.mark.parametrize("intents", [GUILDS | GUILD_PRESENCES, GUILDS | GUILD_MEMBERS])
async def test_a_member_leaving_is_told_only_with_the_members_intent(
    gateway: FakeGateway, intents: int
) -> None:
    socket = await identify(gateway, intents)

    await gateway.remove_member(TEAM, DAVE)
    await gateway.remove_bot_from(FRIENDS)  # a later event, to see what came before it
    events = [(await next_message(socket))["t"]]
    if events[0] != "GUILD_DELETE":
        events.append((await next_message(socket))["t"])

    expected = ["GUILD_MEMBER_REMOVE"] if intents & GUILD_MEMBERS else []
    assert events == [*expected, "GUILD_DELETE"]
    assert DAVE not in gateway.guilds[TEAM].members
    await socket.close()


async def test_guild_member_remove_carries_the_guild_and_the_user(gateway: FakeGateway) -> None:
    socket = await identify(gateway, GUILDS | GUILD_MEMBERS)

    await gateway.remove_member(TEAM, DAVE)
    message = await next_message(socket)

    assert message["t"] == "GUILD_MEMBER_REMOVE"
    assert message["d"]["guild_id"] == TEAM
    assert (message["d"]["user"]["id"], message["d"]["user"]["username"]) == (DAVE, "dave")
    await socket.close()
