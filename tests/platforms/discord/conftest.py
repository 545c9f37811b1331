"""A Discord client running for real: fake REST and gateway over sockets, supervisor, hub.

The ``rig`` fixture serves a :class:`~tests.servers.discord.DiscordRestFake` (HTTP) and a
:class:`~tests.servers.discord.FakeGateway` (WebSocket) on 127.0.0.1 and runs a
:class:`DiscordClient` under a real :class:`ClientSupervisor` feeding a :class:`PresenceHub`.
Time is a :class:`SteppedClock`: it moves only when a test says, so heartbeats, back-offs and
the identify budget happen exactly when the test decides. Tests assert what reaches the hub.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.discord.client import DiscordClient
from tests.platforms.running import run_until
from tests.servers.discord import DiscordRestFake, FakeGateway
from tests.servers.discord_fake import API_PREFIX
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.supervisor import AccountStatus

WEDNESDAY_MORNING = 1_795_597_200.0  # 2026-11-25 09:00 UTC
TOKEN = "FAKE-NOT-A-SECRET.bot-token.discord"
BOT_ID = "1180000000000000001"
ACCOUNT = AccountRef(Platform.DISCORD, BOT_ID)
GUILD = "1300000000000000001"
BOB, CAROL, DAVE = "1200000000000000002", "1200000000000000003", "1200000000000000004"
EVERYONE = (BOB, CAROL, DAVE)
SEED = 7
HEARTBEAT_SECONDS = 45.0
FIRST_BEAT = HEARTBEAT_SECONDS * random.Random(SEED).random()
"""When the client's first heartbeat is due: the interval times its first random number."""
ROUNDING = 1e-6
"""A sleep ends when the clock is this close to its end (sums of floats lose the last bit)."""


def key_of(user_id: str) -> IdentityKey:
    """The identity key of a guild member seen through ``ACCOUNT``."""
    return IdentityKey(Platform.DISCORD, ACCOUNT.account_id, user_id)


class SteppedClock:
    """Time that moves only by :meth:`advance`; ``sleep`` waits until it has moved far enough."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The current stepped time."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock has been advanced ``seconds`` from now."""
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        waiter = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, waiter))
        try:
            await waiter
        finally:
            self._sleepers = [(at, w) for at, w in self._sleepers if w is not waiter]

    def advance(self, seconds: float) -> None:
        """Move time on and wake whoever's sleep is over."""
        self._now += seconds
        for at, waiter in self._sleepers:
            if at <= self._now + ROUNDING and not waiter.done():
                waiter.set_result(None)


@dataclass
class DiscordRig:
    """Everything of one running Discord bot account, for a test to drive and inspect."""

    clock: SteppedClock
    gateway: FakeGateway
    rest: DiscordRestFake
    server: FakeHttpServer
    hub: PresenceHub
    supervisor: ClientSupervisor
    client: DiscordClient
    statuses: list[AccountStatus] = field(default_factory=list)

    def start(self) -> None:
        """Run the client under the supervisor."""
        self.supervisor.subscribe(self.statuses.append)
        self.supervisor.start(self.client)

    async def run_until(self, condition: Callable[[], bool], *, what: str) -> None:
        """Let everything run until ``condition`` holds (a few real seconds at most)."""
        await run_until(condition, what=what, pause=0.002)

    async def settle(self) -> None:
        """Give the sockets a moment (for asserting that something did NOT happen)."""
        await asyncio.sleep(0.05)

    async def live(self) -> None:
        """Start and wait until the client is live and has everyone's presence."""
        self.start()
        await self.run_until(self.everyone_known, what="live with everyone's presence")

    def everyone_known(self) -> bool:
        """Whether the account is live and the hub knows how Bob, Carol and Dave are."""
        known = all(self.state(user) not in {None, PresenceState.UNKNOWN} for user in EVERYONE)
        return known and self.health() is AccountHealth.LIVE

    def aggregate(self, user_id: str) -> AggregatedPresence | None:
        """What the hub shows for the member ``user_id`` now."""
        self.hub.flush()
        return self.hub.aggregate(unlinked_person_id(key_of(user_id)))

    def state(self, user_id: str) -> PresenceState | None:
        """The hub's state for ``user_id`` (None before anything arrived)."""
        aggregate = self.aggregate(user_id)
        return None if aggregate is None else aggregate.state

    def health(self) -> object:
        """The account's health as the supervisor reports it."""
        status = self.supervisor.status(ACCOUNT)
        return None if status is None else status.health


@pytest.fixture
async def rig() -> AsyncIterator[DiscordRig]:
    """A bot in one guild with Bob (online, custom status), Carol (idle) and Dave (offline)."""
    clock = SteppedClock(WEDNESDAY_MORNING)
    gateway = FakeGateway(TOKEN, bot_id=BOT_ID, heartbeat_interval_ms=int(HEARTBEAT_SECONDS * 1000))
    guild = gateway.guild(GUILD, "Team")
    guild.add(BOT_ID, "PresenceBot", "online")
    guild.add(BOB, "bob", "online", custom_status="Deploying", emoji="🚀")
    guild.add(CAROL, "carol", "idle", client_status={"mobile": "idle"})
    guild.add(DAVE, "dave")
    await gateway.start()
    rest = DiscordRestFake(TOKEN, bot_id=BOT_ID, gateway=gateway)
    server = await FakeHttpServer(rest.handle).start()
    hub = PresenceHub(clock)
    client = DiscordClient(
        ACCOUNT,
        token=TOKEN,
        clock=clock,
        rng=random.Random(SEED),
        api_base=server.url + API_PREFIX,
        timeout=2.0,
    )
    rig = DiscordRig(clock, gateway, rest, server, hub, ClientSupervisor(hub, clock), client)
    yield rig
    await rig.supervisor.aclose()
    await client.aclose()
    await gateway.aclose()
    await server.aclose()
