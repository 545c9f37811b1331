"""The local API served for real on 127.0.0.1 (a free port) over a real hub and supervisor,
and an httpx client that talks to it with the token."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.local_api.openapi import OPENAPI_PATH
from presence_tray.local_api.routes import ApiRoutes
from presence_tray.local_api.server import LocalApi
from presence_tray.local_api.sources import ApiSources
from tests.fakes import keyring_for_tests
from tests.ui.helpers import START, AddressBook

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Collection, Mapping

TOKEN = "test-token-not-a-real-one"


@dataclass
class Served:
    """The running API, what it serves, and a client carrying the token."""

    server: LocalApi
    routes: ApiRoutes
    hub: PresenceHub
    supervisor: ClientSupervisor
    book: AddressBook
    client: httpx.AsyncClient
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        assert self.server.url is not None
        return self.server.url


def fill(book: AddressBook) -> None:
    """Alice (Slack away, Teams online), Bob (Zoom, do not disturb), Carol (unknown yet)."""
    book.person("Alice Chen", Platform.SLACK, Platform.TEAMS)
    book.person("Bob Stone", Platform.ZOOM)
    book.person("Carol Diaz", Platform.DISCORD)
    book.set("Alice Chen", PresenceState.AWAY, Platform.SLACK)
    book.set("Alice Chen", PresenceState.ONLINE, Platform.TEAMS)
    book.set("Bob Stone", PresenceState.BUSY, Platform.ZOOM, dnd=True)
    book.flush()


@contextlib.asynccontextmanager
async def serve(
    *,
    allowed_origins: Collection[str] = (),
    extra: Mapping[str, object] | None = None,
) -> AsyncIterator[Served]:
    """The API over a filled hub on a free port, stopped afterwards."""
    clock = ManualClock(START)
    hub = PresenceHub(clock)
    book = AddressBook(hub, clock)
    fill(book)
    supervisor = ClientSupervisor(hub, clock, own_status_timeout=2.0)
    sections = dict(extra or {})
    routes = ApiRoutes(
        ApiSources(
            hub, supervisor, clock, keyring=keyring_for_tests, extra_statistics=lambda: sections
        )
    )
    server = LocalApi(
        routes.table(),
        token=TOKEN,
        port=0,
        token_free_paths={OPENAPI_PATH},
        allowed_origins=allowed_origins,
    )
    url = await server.start()
    routes.start()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
            yield Served(server, routes, hub, supervisor, book, client, sections)
    finally:
        routes.close()
        await server.stop()
        await supervisor.aclose()


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    """The API with no origin allowed."""
    async with serve() as running:
        yield running
