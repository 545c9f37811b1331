"""A Zoom client running for real: fake account over HTTP, TokenHolder, supervisor, hub.

The ``rig`` fixture serves a :class:`~tests.servers.zoom.ZoomAccountFake` on 127.0.0.1,
keeps the account's rotating tokens in a memory secret store behind a real
:class:`~presence_tray.accounts.tokens.TokenHolder` (renewing at the fake's ``/oauth/token``),
and runs a :class:`ZoomClient` under a real :class:`ClientSupervisor` feeding a
:class:`PresenceHub`, all on one :class:`ManualClock`: the poll loop's waits move the clock, so
simulated minutes pass in a moment. Tests assert what reaches the hub and the fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.tokens import RefreshEndpoint, TokenHolder
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.zoom.client import ZoomClient
from presence_tray.platforms.zoom.endpoints import PRO_LIMITS
from tests.accounts.stores import MemorySecretStore
from tests.platforms.running import run_until
from tests.servers.http_fake import FakeHttpServer
from tests.servers.zoom import API_PREFIX, CLIENT_ID, TOKEN_PATH, ZoomAccountFake

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.supervisor import AccountStatus
    from presence_tray.platforms.zoom.endpoints import ZoomLimits
    from tests.servers.zoom import IssuedTokens, ZoomUser

WEDNESDAY_MORNING = 1_795_597_200.0  # 2026-11-25 09:00 UTC
ACCOUNT = AccountRef(Platform.ZOOM, "fake-zoom-account")


def key_of(user: ZoomUser) -> IdentityKey:
    """The identity key of a person of the fake account seen through ``ACCOUNT``: a company
    contact's id, an external contact's member id under ``external:``."""
    remote_id = f"external:{user.member_id}" if user.external else user.id
    return IdentityKey(Platform.ZOOM, ACCOUNT.account_id, remote_id)


@dataclass
class ZoomRig:
    """Everything of one running Zoom account, for a test to drive and inspect."""

    clock: ManualClock
    fake: ZoomAccountFake
    server: FakeHttpServer
    me: ZoomUser
    first_tokens: IssuedTokens
    store: MemorySecretStore
    tokens: TokenHolder
    hub: PresenceHub
    supervisor: ClientSupervisor
    favourites: set[IdentityKey] = field(default_factory=set)
    statuses: list[AccountStatus] = field(default_factory=list)
    poll_interval: float = 60.0
    limits: ZoomLimits = PRO_LIMITS
    answer_within: float = 0.2
    """The client's timeout per request: short, so a slow answer times out quickly."""
    _client: ZoomClient | None = None

    @property
    def client(self) -> ZoomClient:
        """The client (made on first use, so a test can set favourites and limits first)."""
        if self._client is None:
            self._client = ZoomClient(
                ACCOUNT,
                tokens=self.tokens,
                clock=self.clock,
                is_priority=self.favourites.__contains__,
                poll_interval=self.poll_interval,
                base_url=self.server.url + API_PREFIX,
                limits=self.limits,
                timeout=self.answer_within,
            )
        return self._client

    def start(self) -> None:
        """Run the client under the supervisor."""
        self.supervisor.subscribe(self.statuses.append)
        self.supervisor.start(self.client)

    async def run_until(self, condition: Callable[[], bool], *, what: str) -> None:
        """Let the client run until ``condition`` holds (a couple of real seconds at most)."""
        await run_until(condition, what=what, pause=0.001)

    async def run_for(self, seconds: float) -> None:
        """Let the client run until the clock has moved ``seconds`` on."""
        until = self.clock.now() + seconds
        await self.run_until(lambda: self.clock.now() >= until, what=f"{seconds} s passing")

    def aggregate(self, user: ZoomUser) -> AggregatedPresence | None:
        """What the hub shows for ``user`` now."""
        self.hub.flush()
        return self.hub.aggregate(unlinked_person_id(key_of(user)))

    def presence_calls(self, user: ZoomUser) -> list[float]:
        """When the fake was asked for ``user``'s contact details (fake clock times)."""
        identifier = user.member_id if user.external else user.id
        path = f"{API_PREFIX}/chat/users/me/contacts/{identifier}"
        return [at for at, method, asked in self.fake.request_times if asked == path]


@pytest.fixture
async def rig() -> AsyncIterator[ZoomRig]:
    """Me (who signed in), Grace, Alan and Katherine in a fake account; nothing running yet."""
    clock = ManualClock(WEDNESDAY_MORNING)
    fake = ZoomAccountFake(clock.now)
    me = fake.add_user("Ada", "Lovelace")
    for first, last in (("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson")):
        fake.add_user(first, last)
    first_tokens = fake.issue_token(me.id)
    server = await FakeHttpServer(fake.handle).start()
    store = MemorySecretStore()
    tokens = TokenSet(first_tokens.access_token, first_tokens.refresh_token)
    await store.put(ACCOUNT, tokens.to_secret())
    endpoint = RefreshEndpoint("Zoom", server.url + TOKEN_PATH, CLIENT_ID)
    holder = TokenHolder(ACCOUNT, store, endpoint, wall_clock=clock.now)
    hub = PresenceHub(clock)
    supervisor = ClientSupervisor(hub, clock)
    rig = ZoomRig(clock, fake, server, me, first_tokens, store, holder, hub, supervisor)
    yield rig
    await rig.supervisor.aclose()
    await rig.client.aclose()
    await server.aclose()


def user_named(rig: ZoomRig, first_name: str) -> ZoomUser:
    """The fake's person called ``first_name``."""
    return next(user for user in rig.fake.users.values() if user.first_name == first_name)
