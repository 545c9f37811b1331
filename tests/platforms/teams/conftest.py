"""Fixtures for the Teams client tests: a fake tenant served over HTTP and a wired client."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.platforms.teams.rig import AnswerLog, TeamsRig
from tests.platforms.teams.stepped_clock import SteppedClock
from tests.servers.graph import GraphFake
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

START = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
COLLEAGUES = (
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Edsger Dijkstra",
    "Barbara Liskov",
)


@pytest.fixture
def clock() -> SteppedClock:
    """The time of the tenant, the client and the hub."""
    return SteppedClock(START)


@pytest.fixture
def tenant(clock: SteppedClock) -> GraphFake:
    """Ada (the signed-in user) and five colleagues, all available."""
    fake = GraphFake(clock.now)
    for name in ("Ada Lovelace", *COLLEAGUES):
        fake.add_user(name)
    return fake


@pytest.fixture
async def rig(tenant: GraphFake, clock: SteppedClock) -> AsyncIterator[TeamsRig]:
    """The tenant served on 127.0.0.1, Ada signed in; start the client with ``rig.start()``."""
    log = AnswerLog(tenant, clock)
    server = await FakeHttpServer(log.handle).start()
    me = next(iter(tenant.users.values()))
    rig = TeamsRig(tenant, server, log, clock, me)
    await rig.sign_in()
    yield rig
    await rig.aclose()
