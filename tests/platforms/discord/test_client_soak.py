"""A day of a flaky Discord on the stepped clock: the client ends connected, nothing lost.

Every simulated hour, everyone's presence changes (half the hours the updates are lost in
flight), then one fault from the lot strikes: a dropped connection, RECONNECT, a resumable or
a spent INVALID_SESSION, a zombie connection, a 4008 close. The clock moves on while the
client recovers; the hub must then show everyone as the fake last said. At the end the
client is live on one connection, no task is left over, and the memory the app's own code
holds has not grown since the first hours (traced with ``tracemalloc``).
"""

from __future__ import annotations

import asyncio
import random
import time
import tracemalloc
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from tests.platforms.discord.conftest import EVERYONE, GUILD

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from tests.platforms.discord.conftest import DiscordRig

HOURS = 24
REAL_SECONDS_PER_HOUR = 3.0
MORE_MEMBERS = tuple(f"4100{n:04d}" for n in range(200))
"""Members beside Bob, Carol and Dave, so that a leak per change or per reconnect shows."""
WARM_HOURS = 6
"""Memory is compared from here on: every cache has filled and most faults have struck."""
MEMORY_GROWTH_LIMIT = 32 * 1024
"""Bytes the app's code may hold more at the end than after the warm hours (it is ~0)."""
STATES = {
    "online": PresenceState.ONLINE,
    "idle": PresenceState.IDLE,
    "dnd": PresenceState.BUSY,
    "offline": PresenceState.OFFLINE,
}


async def _recover(rig: DiscordRig, condition: Callable[[], bool], *, what: str) -> None:
    """Move the clock a second at a time until ``condition`` holds (op 9's wait, the
    identify budget and heartbeats all run on it)."""
    deadline = time.monotonic() + REAL_SECONDS_PER_HOUR
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        rig.clock.advance(1.0)
        await asyncio.sleep(0.002)


async def _zombie(rig: DiscordRig) -> None:
    resumes = len(rig.gateway.resumes)
    rig.gateway.ack_heartbeats = False
    await _recover(rig, lambda: len(rig.gateway.resumes) > resumes, what="zombie resumed")
    rig.gateway.ack_heartbeats = True


def _faults(rig: DiscordRig) -> list[Callable[[], Awaitable[None]]]:
    gateway = rig.gateway
    return [
        gateway.drop,
        gateway.send_reconnect,
        lambda: gateway.invalidate_sessions(resumable=True),
        lambda: gateway.invalidate_sessions(resumable=False),
        lambda: gateway.close_with(4008, "Rate limited."),
        lambda: _zombie(rig),
    ]


@pytest.fixture
def traced_memory() -> Iterator[None]:
    """tracemalloc on for one test, off afterwards even if it fails."""
    tracemalloc.start()
    yield
    tracemalloc.stop()


def _app_memory() -> int:
    """Bytes allocated by the app's own modules and still held (tracemalloc must be on)."""
    snapshot = tracemalloc.take_snapshot()
    own = snapshot.filter_traces(
        [tracemalloc.Filter(inclusive=True, filename_pattern="*/presence_tray/*")]
    )
    return sum(trace.size for trace in own.traces)


async def test_a_day_of_drops_invalid_sessions_and_zombies_loses_no_change(
    rig: DiscordRig, traced_memory: None
) -> None:
    rng = random.Random(2026)
    guild = rig.gateway.guilds[GUILD]
    for user in MORE_MEMBERS:
        guild.add(user, f"member{user}", "online")
    everyone = (*EVERYONE, *MORE_MEMBERS)
    await rig.live()
    tasks_when_live = len(asyncio.all_tasks())
    said: dict[str, str] = {}

    def hub_agrees() -> bool:
        return rig.health() is AccountHealth.LIVE and all(
            rig.state(user) is STATES[status] for user, status in said.items()
        )

    faults = _faults(rig)
    warm_memory = 0
    for hour in range(HOURS):
        if hour == WARM_HOURS:
            warm_memory = _app_memory()
        hour_ends = rig.clock.now() + 3600.0
        rig.gateway.lose_dispatches = hour % 2 == 1
        for user in everyone:
            said[user] = rng.choice(list(STATES))
            await rig.gateway.change_presence(GUILD, user, said[user])
        rig.gateway.lose_dispatches = False
        await rng.choice(faults)()
        await _recover(rig, hub_agrees, what=f"hour {hour}: everyone as the fake said")
        if rig.clock.now() < hour_ends:
            rig.clock.advance(hour_ends - rig.clock.now())

    await _recover(rig, hub_agrees, what="connected at the end of the day")
    assert rig.gateway.connected
    assert len(rig.gateway.resumes) >= HOURS // 3  # most faults were resumed, not re-identified
    await rig.run_until(
        lambda: len(asyncio.all_tasks()) <= tasks_when_live, what="no task left over"
    )
    end_memory = _app_memory()
    assert end_memory - warm_memory < MEMORY_GROWTH_LIMIT, (warm_memory, end_memory)
