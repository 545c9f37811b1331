"""An XMPP account running for real: the test Prosody, a real supervisor and hub, a colleague.

Each test gets two fresh users on the session's Prosody (``me`` and a colleague), subscribed
to each other, and a :class:`XmppRig` that runs my account's client (built by ``client_for``
from a saved account, as the app builds it) under a :class:`ClientSupervisor` feeding a
:class:`PresenceHub` on the real clock. The colleague signs in with their own slixmpp
sessions (one per resource) to change presence and to watch mine.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
import slixmpp

from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.preferences import Account
from presence_tray.core.supervisor import Backoff, ClientSupervisor
from presence_tray.platforms.xmpp.client import XmppClient, client_for
from presence_tray.platforms.xmpp.stream import stop_send_loop

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.supervisor import AccountStatus
    from tests.servers.prosody_server import ProsodyServer

SECONDS_ALLOWED = 10.0
_users = itertools.count()


async def eventually(what: str, condition: Callable[[], bool]) -> None:
    """Wait (real time, a few seconds at most) until ``condition`` holds."""
    deadline = time.monotonic() + SECONDS_ALLOWED
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.01)


class Session:
    """One signed-in slixmpp resource of a test user, recording the presence it receives."""

    def __init__(self, server: ProsodyServer, jid: str, password: str) -> None:
        self.stream = slixmpp.ClientXMPP(jid, password)
        self.stream.enable_direct_tls = False
        self.received: list[slixmpp.Presence] = []
        self._started = asyncio.get_running_loop().create_future()
        self.stream.add_event_handler("session_start", self._on_start)
        self.stream.add_event_handler("presence", self.received.append)
        self._server = server

    async def _on_start(self, _event: object) -> None:
        await self.stream.get_roster()
        self._started.set_result(None)

    async def start(self, *, show: str | None = None, priority: int = 0) -> Session:
        """Connect, read the roster, send initial presence."""
        self.stream.connect(self._server.host, self._server.port)
        await asyncio.wait_for(self._started, SECONDS_ALLOWED)
        self.send(show=show, priority=priority)
        return self

    def send(
        self, *, show: str | None = None, status: str | None = None, priority: int = 0
    ) -> None:
        """Send this resource's presence."""
        self.stream.send_presence(pshow=show, pstatus=status, ppriority=priority)

    def subscription(self, jid: str) -> str:
        """The roster subscription with ``jid`` as this session knows it."""
        return str(self.stream.client_roster[jid]["subscription"])

    def last_from(self, jid: str) -> slixmpp.Presence | None:
        """The latest presence received from any resource of the bare address ``jid``."""
        mine = [p for p in self.received if p["from"].bare == jid]
        return mine[-1] if mine else None

    async def stop(self) -> None:
        """Sign out."""
        await asyncio.wait_for(self.stream.disconnect(wait=2.0), 3.0)
        await stop_send_loop(self.stream)


@dataclass
class XmppRig:
    """My account's client under a real supervisor and hub, and a subscribed colleague."""

    server: ProsodyServer
    me: str
    my_password: str
    colleague: str
    colleague_password: str
    hub: PresenceHub
    supervisor: ClientSupervisor
    statuses: list[AccountStatus] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    client: XmppClient | None = None

    @property
    def account(self) -> AccountRef:
        """My account's reference."""
        return AccountRef(Platform.XMPP, self.me)

    def key_of(self, jid: str) -> IdentityKey:
        """The identity key of a contact seen through my account."""
        return IdentityKey(Platform.XMPP, self.me, jid)

    def start(self, *, password: str | None = None) -> XmppClient:
        """Run my account's client (from a saved account) under the supervisor."""
        saved = Account(
            self.account,
            self.me,
            settings={"address": self.me, "host": self.server.host, "port": str(self.server.port)},
        )
        self.client = client_for(saved, password or self.my_password, clock=SystemClock())
        self.supervisor.subscribe(self.statuses.append)
        self.supervisor.start(self.client)
        return self.client

    def start_quick(self, *, keepalive_seconds: float, timeout: float) -> XmppClient:
        """Run my account's client with a fast keep-alive (from the start: no settling) and
        short step timeouts."""
        self.client = XmppClient(
            self.account,
            address=self.me,
            password=self.my_password,
            clock=SystemClock(),
            host=self.server.host,
            port=self.server.port,
            keepalive_seconds=keepalive_seconds,
            settle_seconds=0.0,
            timeout=timeout,
        )
        self.supervisor.subscribe(self.statuses.append)
        self.supervisor.start(self.client)
        return self.client

    async def colleague_session(
        self, resource: str, *, show: str | None = None, priority: int = 0
    ) -> Session:
        """Sign the colleague in from ``resource`` with that show and priority."""
        session = Session(self.server, f"{self.colleague}/{resource}", self.colleague_password)
        self.sessions.append(session)
        return await session.start(show=show, priority=priority)

    async def my_session(self, resource: str) -> Session:
        """Sign me in from another client, ``resource``."""
        session = Session(self.server, f"{self.me}/{resource}", self.my_password)
        self.sessions.append(session)
        return await session.start()

    def aggregate(self, jid: str) -> AggregatedPresence | None:
        """What the hub shows for the contact ``jid`` now."""
        self.hub.flush()
        return self.hub.aggregate(unlinked_person_id(self.key_of(jid)))

    async def hub_shows(
        self, jid: str, what: str, condition: Callable[[AggregatedPresence], bool]
    ) -> None:
        """Wait until the hub's aggregate of ``jid`` satisfies ``condition``."""

        def holds() -> bool:
            aggregate = self.aggregate(jid)
            return aggregate is not None and condition(aggregate)

        await eventually(what, holds)


async def befriend(server: ProsodyServer, me: tuple[str, str], other: tuple[str, str]) -> None:
    """Subscribe two users to each other's presence (slixmpp's default auto-authorise)."""
    mine = await Session(server, f"{me[0]}/setup", me[1]).start()
    theirs = await Session(server, f"{other[0]}/setup", other[1]).start()
    mine.stream.send_presence_subscription(pto=other[0])
    await eventually(
        "mutual subscription",
        lambda: mine.subscription(other[0]) == "both" and theirs.subscription(me[0]) == "both",
    )
    await mine.stop()
    await theirs.stop()


def new_user(server: ProsodyServer, name: str) -> tuple[str, str]:
    """Register a fresh user (unique in this test session); return (bare JID, password)."""
    password = f"pw-{name}-not-a-secret"
    return server.register(f"{name}{next(_users)}", password), password


async def new_rig(server: ProsodyServer, backoff: Backoff | None = None) -> XmppRig:
    """Two fresh users of ``server`` subscribed to each other, a supervisor and a hub."""
    me = new_user(server, "me")
    colleague = new_user(server, "colleague")
    await befriend(server, me, colleague)
    clock = SystemClock()
    hub = PresenceHub(clock)
    return XmppRig(server, *me, *colleague, hub, ClientSupervisor(hub, clock, backoff=backoff))


async def close_rig(rig: XmppRig) -> None:
    """Stop my client and sign the colleague's sessions out."""
    await rig.supervisor.aclose()
    for session in rig.sessions:
        await session.stop()


@pytest.fixture
async def rig(trusted: ProsodyServer) -> AsyncIterator[XmppRig]:
    """Me and a colleague, subscribed to each other; nothing of mine running yet."""
    rig = await new_rig(trusted)
    yield rig
    await close_rig(rig)
