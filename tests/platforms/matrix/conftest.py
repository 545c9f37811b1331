"""A Matrix client running for real against a real Synapse (tests/servers/synapse_server.py).

One homeserver serves the module that asks for ``synapse``. Each test gets fresh users (so no
test sees another's presence or rooms): me, who the client signs in as, and a colleague who
shares a private room with me and changes presence with their own token over the
client-server API. The :class:`MatrixRig` runs a :class:`MatrixClient` under a real
:class:`ClientSupervisor` feeding a real :class:`PresenceHub`, on the system clock (the
homeserver lives in real time).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pytest

from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.supervisor import Backoff, ClientSupervisor
from presence_tray.platforms.matrix.client import MatrixClient
from tests.platforms.running import run_until as wait_until
from tests.servers.synapse_server import SynapseServer, run_synapse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.client import AccountHealth
    from presence_tray.core.supervisor import AccountStatus

"""How long a test waits for something the homeserver should do within a second or two."""
SYNC_TIMEOUT = 5.0
"""The client's long-poll in the tests: short, so a dropped server is noticed soon."""
FAST_BACKOFF = Backoff(base_seconds=0.2, cap_seconds=1.0)
_users = itertools.count(1)


@dataclass(frozen=True)
class MatrixUser:
    """A signed-in user of the test homeserver."""

    server: SynapseServer
    user_id: str
    access_token: str

    def call(self, method: str, path: str, body: object = None) -> dict[str, object]:
        """One client-server API call with this user's token; its JSON answer."""
        answer = httpx.request(
            method,
            f"{self.server.url}/_matrix/client/v3{path}",
            headers={"Authorization": f"Bearer {self.access_token}"},
            json=body,
            timeout=10,
        )
        answer.raise_for_status()
        result: dict[str, object] = answer.json()
        return result

    def set_presence(self, presence: str, status_msg: str | None = None) -> None:
        """Set this user's presence (and status message)."""
        body = {"presence": presence}
        if status_msg is not None:
            body["status_msg"] = status_msg
        self.call("PUT", f"/presence/{quote(self.user_id)}/status", body)

    def presence_of(self, other: MatrixUser) -> dict[str, object]:
        """``other``'s presence as this user sees it."""
        return self.call("GET", f"/presence/{quote(other.user_id)}/status")


def sign_up(server: SynapseServer, name: str) -> MatrixUser:
    """Register ``name`` (made unique) and sign in; the user with a fresh token."""
    user = f"{name}{next(_users)}"
    password = f"pw-{user}"
    user_id = server.register(user, password)
    answer = httpx.post(
        f"{server.url}/_matrix/client/v3/login",
        json={
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return MatrixUser(server, user_id, str(answer.json()["access_token"]))


def share_a_room(me: MatrixUser, other: MatrixUser) -> str:
    """``me`` creates a private room and ``other`` joins it; the room id."""
    room_id = str(me.call("POST", "/createRoom", {"preset": "private_chat"})["room_id"])
    me.call("POST", f"/rooms/{quote(room_id)}/invite", {"user_id": other.user_id})
    other.call("POST", f"/rooms/{quote(room_id)}/join", {})
    return room_id


@dataclass
class MatrixRig:
    """Me, a colleague in a room with me, and my client under a supervisor and a hub."""

    server: SynapseServer
    me: MatrixUser
    colleague: MatrixUser
    clock: SystemClock = field(default_factory=SystemClock)
    statuses: list[AccountStatus] = field(default_factory=list)
    _client: MatrixClient | None = None

    def __post_init__(self) -> None:
        self.account = AccountRef(Platform.MATRIX, self.me.user_id)
        self.hub = PresenceHub(self.clock)
        self.supervisor = ClientSupervisor(self.hub, self.clock, backoff=FAST_BACKOFF)
        self.supervisor.subscribe(self.statuses.append)

    @property
    def client(self) -> MatrixClient:
        """My client (made on first use)."""
        if self._client is None:
            self._client = MatrixClient(
                self.account,
                homeserver=self.server.url,
                access_token=self.me.access_token,
                clock=self.clock,
                timeout=5.0,
                sync_timeout=SYNC_TIMEOUT,
            )
        return self._client

    def key(self, user: MatrixUser) -> IdentityKey:
        """``user``'s identity key, seen through my account."""
        return IdentityKey(Platform.MATRIX, self.account.account_id, user.user_id)

    def aggregate(self, user: MatrixUser) -> AggregatedPresence | None:
        """What the hub shows for ``user`` now."""
        self.hub.flush()
        return self.hub.aggregate(unlinked_person_id(self.key(user)))

    def health(self) -> AccountHealth | None:
        """My account's health now."""
        status = self.supervisor.status(self.account)
        return None if status is None else status.health

    async def start(self) -> None:
        """Run the client under the supervisor until the colleague is a contact."""
        self.supervisor.start(self.client)
        await run_until(
            lambda: self.hub.identity(self.key(self.colleague)) is not None, what="contacts"
        )

    async def aclose(self) -> None:
        """Stop the client and close its connections."""
        await self.supervisor.aclose()
        if self._client is not None:
            await self._client.aclose()


async def run_until(condition: Callable[[], bool], *, what: str) -> None:
    """Let everything run until ``condition`` holds (real seconds, within the shared limit)."""
    await wait_until(condition, what=what, pause=0.02)


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One real homeserver for the module's tests."""
    with run_synapse(tmp_path_factory.mktemp("synapse")) as server:
        yield server


@pytest.fixture
async def rig(synapse: SynapseServer) -> AsyncIterator[MatrixRig]:
    """Fresh me and colleague sharing a room; the client made but not started."""

    def two_in_a_room() -> tuple[MatrixUser, MatrixUser]:
        me, colleague = sign_up(synapse, "me"), sign_up(synapse, "colleague")
        share_a_room(me, colleague)
        return me, colleague

    me, colleague = await asyncio.to_thread(two_in_a_room)  # off the loop: it blocks
    rig = MatrixRig(synapse, me, colleague)
    yield rig
    await rig.aclose()
