"""A Slack client running for real: fake workspace over HTTP, TokenHolder, supervisor, hub.

The ``rig`` fixture serves a :class:`~tests.servers.slack.SlackWorkspaceFake` on 127.0.0.1,
keeps the account's rotating tokens in a memory secret store behind a real
:class:`~presence_tray.accounts.tokens.TokenHolder` (renewing at the fake's
``oauth.v2.access``), and runs a :class:`SlackClient` under a real :class:`ClientSupervisor`
feeding a :class:`PresenceHub`, all on one :class:`ManualClock`: the poll loop's waits move
the clock, so a simulated hour passes in a moment. Tests assert what reaches the hub.
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
from presence_tray.platforms.slack.client import SlackClient
from tests.accounts.stores import MemorySecretStore
from tests.platforms.running import run_until
from tests.servers.http_fake import FakeHttpServer, FakeRequest
from tests.servers.slack import API_PREFIX, CLIENT_ID, TOKEN_METHOD, SlackWorkspaceFake

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.supervisor import AccountStatus

WEDNESDAY_MORNING = 1_795_597_200.0  # 2026-11-25 09:00 UTC
ACCOUNT = AccountRef(Platform.SLACK, "fake-workspace")
ME, BOB, CAROL, DAVE = "U0ME", "U0BOB", "U0CAROL", "U0DAVE"
FIRST_ACCESS_TOKEN = "xoxe.xoxp-FAKE-NOT-A-SECRET-first"
FIRST_REFRESH_TOKEN = "xoxe-1-FAKE-NOT-A-SECRET-first"


def key_of(user_id: str) -> IdentityKey:
    """The identity key of a workspace member seen through ``ACCOUNT``."""
    return IdentityKey(Platform.SLACK, ACCOUNT.account_id, user_id)


@dataclass
class SlackRig:
    """Everything of one running Slack account, for a test to drive and inspect."""

    clock: ManualClock
    fake: SlackWorkspaceFake
    server: FakeHttpServer
    store: MemorySecretStore
    tokens: TokenHolder
    hub: PresenceHub
    supervisor: ClientSupervisor
    favourites: set[IdentityKey] = field(default_factory=set)
    statuses: list[AccountStatus] = field(default_factory=list)
    _client: SlackClient | None = None

    @property
    def client(self) -> SlackClient:
        """The client (made on first use, so a test can set favourites first)."""
        if self._client is None:
            self._client = SlackClient(
                ACCOUNT,
                tokens=self.tokens,
                clock=self.clock,
                is_priority=self.favourites.__contains__,
                base_url=self.server.url + API_PREFIX,
                timeout=0.2,
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

    def aggregate(self, user_id: str) -> AggregatedPresence | None:
        """What the hub shows for the member ``user_id`` now."""
        self.hub.flush()
        return self.hub.aggregate(unlinked_person_id(key_of(user_id)))

    def presence_calls(self, user_id: str) -> list[float]:
        """When ``users.getPresence`` was answered about ``user_id`` (fake clock times)."""
        return [
            at
            for request, at in self._answered_requests()
            if request.path.endswith("users.getPresence") and request.query.get("user") == [user_id]
        ]

    def calls_with_token(self, token: str) -> list[float]:
        """When calls carrying ``token`` were answered (fake clock times)."""
        bearer = f"Bearer {token}"
        return [
            at
            for request, at in self._answered_requests()
            if request.headers.get("authorization") == bearer
        ]

    def _answered_requests(self) -> list[tuple[FakeRequest, float]]:
        """Every request with the fake clock's time of its answer (the server and the fake
        see the same calls in the same order)."""
        times = [call.at for call in self.fake.answered]
        return list(zip(self.server.requests, times, strict=True))


@pytest.fixture
async def rig() -> AsyncIterator[SlackRig]:
    """Me (who signed in), Bob, Carol and Dave in a fake workspace; nothing running yet."""
    clock = ManualClock(WEDNESDAY_MORNING)
    fake = SlackWorkspaceFake(clock=clock.now)
    me = fake.add_person(ME, "me", "Mia Example")
    me.email = "mia@example.org"
    for user_id in (BOB, CAROL, DAVE):
        person = fake.add_person(user_id, user_id.removeprefix("U0").lower())
        person.email = f"{person.name}@example.org"
    fake.issue_token(FIRST_ACCESS_TOKEN, ME, refresh_token=FIRST_REFRESH_TOKEN)
    server = await FakeHttpServer(fake.handle).start()
    store = MemorySecretStore()
    await store.put(ACCOUNT, TokenSet(FIRST_ACCESS_TOKEN, FIRST_REFRESH_TOKEN).to_secret())
    endpoint = RefreshEndpoint("Slack", server.url + API_PREFIX + TOKEN_METHOD, CLIENT_ID)
    holder = TokenHolder(ACCOUNT, store, endpoint, wall_clock=clock.now)
    hub = PresenceHub(clock)
    rig = SlackRig(clock, fake, server, store, holder, hub, ClientSupervisor(hub, clock))
    yield rig
    await rig.supervisor.aclose()
    await rig.client.aclose()
    await server.aclose()
