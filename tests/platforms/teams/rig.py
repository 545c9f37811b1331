"""A Teams client wired as the app wires it, against the fake Graph tenant over real HTTP.

:class:`TeamsRig` holds the fake tenant and its server, the account's tokens in a memory
keyring behind a real :class:`TokenHolder` (renewing at the fake's token endpoint), a
:class:`PresenceHub` and a :class:`ClientSupervisor` that runs the client. Tests assert on
the hub (what the user would see) and on the fake (what Graph would hold).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from presence_tray.accounts.tokens import RefreshEndpoint, TokenHolder
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.supervisor import AccountStatus, ClientSupervisor
from presence_tray.platforms.teams.client import TeamsClient
from tests.accounts.stores import MemorySecretStore
from tests.servers.graph import GRAPH_PREFIX

if TYPE_CHECKING:
    from presence_tray.core.client import AccountHealth
    from presence_tray.core.presence import PlatformPresence
    from tests.platforms.teams.stepped_clock import SteppedClock
    from tests.servers.graph import GraphFake, GraphUser
    from tests.servers.http_fake import FakeHttpServer, FakeRequest, FakeResponse

ACCOUNT = AccountRef(Platform.TEAMS, "contoso")
CLIENT_ID = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"
TENANT = "organizations"


@dataclass(frozen=True)
class Answer:
    """One request the fake answered: when (clock time), what, and with which status."""

    at: float
    method: str
    path: str
    status: int
    ids: tuple[str, ...] = ()


class AnswerLog:
    """Wraps the fake's handler and keeps every answer, with the clock time it was given."""

    def __init__(self, fake: GraphFake, clock: SteppedClock) -> None:
        """Log the answers of ``fake`` on ``clock``."""
        self.fake = fake
        self.clock = clock
        self.answers: list[Answer] = []

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer as the fake does, and remember it."""
        response = self.fake.handle(request)
        ids: tuple[str, ...] = ()
        if request.path.endswith("/getPresencesByUserId"):
            ids = tuple(_ids_of(request.body))
        self.answers.append(
            Answer(self.clock.now(), request.method, request.path, response.status, ids)
        )
        return response

    def presence_polls(self) -> list[Answer]:
        """The bulk presence requests, in order."""
        return [a for a in self.answers if a.path.endswith("/getPresencesByUserId")]

    def statuses(self, status: int) -> list[Answer]:
        """The answers with HTTP ``status``."""
        return [a for a in self.answers if a.status == status]


@dataclass
class TeamsRig:
    """Everything one Teams client test needs (see the module docstring)."""

    fake: GraphFake
    server: FakeHttpServer
    log: AnswerLog
    clock: SteppedClock
    me: GraphUser
    store: MemorySecretStore = field(default_factory=MemorySecretStore)
    statuses: list[AccountStatus] = field(default_factory=list)
    client: TeamsClient | None = None

    def __post_init__(self) -> None:
        self.hub = PresenceHub(self.clock)
        self.supervisor = ClientSupervisor(self.hub, self.clock, rng=random.Random(6))
        self.supervisor.subscribe(self.statuses.append)
        self.tokens = TokenHolder(
            ACCOUNT,
            self.store,
            RefreshEndpoint(
                "Microsoft",
                token_url=f"{self.server.url}/{TENANT}/oauth2/v2.0/token",
                client_id=CLIENT_ID,
            ),
            wall_clock=self.clock.now,
            http_timeout=2.0,
        )

    async def sign_in(self, *, expiry_known: bool = True) -> None:
        """Keep a fresh sign-in of ``me`` in the keyring (``expiry_known`` False: the
        stored tokens do not say when the access token expires, so only a 401 renews it)."""
        sign_in = self.fake.sign_in(self.me.id)
        expires_at = self.clock.now() + sign_in.expires_in if expiry_known else None
        tokens = TokenSet(sign_in.access_token, sign_in.refresh_token, expires_at=expires_at)
        await self.tokens.save(tokens)

    def start(self, **options: object) -> TeamsClient:
        """Start a Teams client under the supervisor; ``options`` go to its constructor."""
        client = TeamsClient(
            ACCOUNT,
            tokens=self.tokens,
            clock=self.clock,
            base_url=f"{self.server.url}{GRAPH_PREFIX}",
            rng=random.Random(6),
            **options,  # type: ignore[arg-type]
        )
        self.client = client
        self.supervisor.start(client)
        return client

    def key(self, user: GraphUser) -> IdentityKey:
        """The identity key of ``user`` as seen through the account."""
        return IdentityKey(Platform.TEAMS, ACCOUNT.account_id, user.id)

    def value(self, user: GraphUser) -> PlatformPresence | None:
        """The Teams value the hub holds for ``user`` now."""
        self.hub.flush()
        person = self.hub.person_of(self.key(user))
        aggregate = None if person is None else self.hub.aggregate(person.person_id)
        if aggregate is None:
            return None
        return next((v for v in aggregate.values if v.identity == self.key(user)), None)

    def health(self) -> AccountHealth | None:
        """The account's health now."""
        status = self.supervisor.status(ACCOUNT)
        return None if status is None else status.health

    async def aclose(self) -> None:
        """Stop the client, close its connections, then the server."""
        await self.supervisor.aclose()
        if self.client is not None:
            await self.client.aclose()
        await self.server.aclose()


def _ids_of(body: bytes) -> list[str]:
    return [str(item) for item in json.loads(body).get("ids", [])]
