"""Cross-check: the official ``discord.py`` against the same fake Discord sees what we see.

``discord.py`` has no option for another server, so two class attributes are patched (the
recipe in shared/reference/real-servers): ``Route.BASE`` for REST and
``DiscordWebSocket.DEFAULT_GATEWAY`` for the gateway. It asks for ``compress=zlib-stream``,
which the fake serves. Both clients run at once on the fake; one PRESENCE_UPDATE must reach
``discord.py``'s ``on_presence_update`` and our hub alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from typing import TYPE_CHECKING, Any

import pytest
import yarl

from presence_tray.core.presence import ActivityKind, PresenceState
from tests.platforms.discord.conftest import BOB, GUILD, TOKEN
from tests.servers.discord_fake import API_PREFIX

with warnings.catch_warnings():
    # discord.py imports audioop (voice), which Python 3.11 says is deprecated.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    import discord.gateway
    import discord.http

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.platforms.discord.conftest import DiscordRig

from tests.platforms.running import REAL_SECONDS_ALLOWED


@pytest.fixture
async def official_client(
    rig: DiscordRig, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[discord.Client, asyncio.Queue[Any]]]:
    """A ``discord.py`` client on the fake, started and ready; presence updates queued."""
    monkeypatch.setattr(discord.http.Route, "BASE", rig.server.url + API_PREFIX)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(rig.gateway.url)
    )
    intents = discord.Intents.none()
    # discord.py keeps members (and so fires on_presence_update) only with the members intent.
    intents.guilds = intents.members = intents.presences = True
    client = discord.Client(intents=intents, chunk_guilds_at_startup=False, guild_ready_timeout=0.2)
    ready = asyncio.Event()
    updates: asyncio.Queue[Any] = asyncio.Queue()

    @client.event
    async def on_ready() -> None:
        ready.set()

    @client.event
    async def on_presence_update(before: Any, after: Any) -> None:
        updates.put_nowait(after)

    task = asyncio.create_task(client.start(TOKEN))
    try:
        async with asyncio.timeout(REAL_SECONDS_ALLOWED):
            await ready.wait()
        yield client, updates
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_discord_py_and_our_client_see_the_same_presence(
    rig: DiscordRig, official_client: tuple[discord.Client, asyncio.Queue[Any]]
) -> None:
    client, updates = official_client
    await rig.live()
    assert rig.gateway.connect_paths[0] == "/?v=10&encoding=json&compress=zlib-stream"
    assert [identify["intents"] for identify in rig.gateway.identifies] == [259, 257]
    guild = client.get_guild(int(GUILD))
    assert guild is not None
    assert guild.name == "Team"

    await rig.gateway.change_presence(
        GUILD, BOB, "idle", custom_status="Out for lunch", client_status={"mobile": "idle"}
    )
    async with asyncio.timeout(REAL_SECONDS_ALLOWED):
        member = await updates.get()
    await rig.run_until(lambda: rig.state(BOB) is PresenceState.IDLE, what="Bob idle in the hub")

    assert member.id == int(BOB)
    assert member.status is discord.Status.idle
    assert member.mobile_status is discord.Status.idle
    assert member.desktop_status is discord.Status.offline
    assert isinstance(member.activity, discord.CustomActivity)
    assert member.activity.name == "Out for lunch"
    bob = rig.aggregate(BOB)
    assert bob is not None
    assert bob.decided_by is not None
    assert bob.decided_by.activity is not None
    assert (bob.decided_by.activity.kind, bob.decided_by.activity.text) == (
        ActivityKind.CUSTOM,
        "Out for lunch",
    )
