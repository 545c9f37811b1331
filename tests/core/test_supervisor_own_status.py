"""Setting my own status through the supervisor: every capable running account at once, each
with its own timeout, one failure never stopping the others, a result per account."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import (
    AccountHealth,
    Capabilities,
    OwnStatus,
    PresenceSink,
)
from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import AuthError, PermanentError, RateLimitedError, TransientError
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.own_status import OwnStatusOutcome, OwnStatusTracker
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import AccountStatus, ClientSupervisor
from presence_tray.platforms.simulated.network import build_simulated_network
from tests.fakes import CAN_SET_STATUS, CANNOT_SET_STATUS, StatusSettingClient

if TYPE_CHECKING:
    from collections.abc import Iterator

X = OwnStatusOutcome
BUSY = OwnStatus(PresenceState.BUSY)


class ReadOnlyClient:
    """Declares it can set a status but has no ``set_own_status`` (a half-built client)."""

    def __init__(self) -> None:
        self._account = AccountRef(Platform.MATRIX, "acct")

    @property
    def account(self) -> AccountRef:
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        return CAN_SET_STATUS

    async def run(self, _sink: PresenceSink) -> None:
        await asyncio.Event().wait()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def supervisor(clock: ManualClock) -> Iterator[ClientSupervisor]:
    supervisor = ClientSupervisor(PresenceHub(clock), clock, own_status_timeout=0.2)
    yield supervisor  # type: ignore[misc]
    await supervisor.aclose()


def outcomes(results: list) -> dict[Platform, tuple[OwnStatusOutcome, str]]:  # type: ignore[type-arg]
    return {r.account.platform: (r.outcome, r.message) for r in results}


async def test_sets_every_capable_account_and_records_the_request(supervisor: ClientSupervisor):
    slack, teams = StatusSettingClient(Platform.SLACK), StatusSettingClient(Platform.TEAMS)
    discord = StatusSettingClient(Platform.DISCORD, capabilities=CANNOT_SET_STATUS)
    for client in (slack, teams, discord):
        supervisor.start(client)
    seen: list[OwnStatus | None] = []
    supervisor.own_status.subscribe(seen.append)
    results = await supervisor.set_own_status(BUSY)
    assert slack.received == [BUSY]
    assert teams.received == [BUSY]
    assert discord.received == []  # never asked: it declared it cannot
    assert outcomes(results) == {
        Platform.SLACK: (X.SET, ""),
        Platform.TEAMS: (X.SET, ""),
        Platform.DISCORD: (X.UNSUPPORTED, "Discord: an app cannot set your status"),
    }
    assert [r.ok for r in results] == [True, True, False]
    assert not any(r.problem for r in results)
    assert seen == [BUSY]
    assert supervisor.own_status.current(0) == BUSY


async def test_one_failure_never_stops_the_others(supervisor: ClientSupervisor):
    clients = [
        StatusSettingClient(Platform.SLACK, AuthError("token revoked")),
        StatusSettingClient(Platform.TEAMS, TransientError("503 from Graph")),
        StatusSettingClient(Platform.ZOOM, RateLimitedError("slow down", retry_after=30)),
        StatusSettingClient(Platform.XMPP, PermanentError("the server does not allow it")),
        StatusSettingClient(Platform.MATRIX),
    ]
    for client in clients:
        supervisor.start(client)
    results = await supervisor.set_own_status(BUSY)
    assert outcomes(results) == {
        Platform.SLACK: (X.FAILED, "Slack refused the sign-in; reconnect the account in Settings"),
        Platform.TEAMS: (X.FAILED, "Teams could not be reached (503 from Graph); try again later"),
        Platform.ZOOM: (X.FAILED, "Zoom asked to slow down; try again in 30 s"),
        Platform.XMPP: (X.FAILED, "XMPP: the server does not allow it"),
        Platform.MATRIX: (X.SET, ""),
    }
    assert [r.problem for r in results] == [True, True, True, True, False]
    assert clients[-1].received == [BUSY]
    # Setting my status does not change an account's health: that is the client's business.
    assert all(s.health is not AccountHealth.NEEDS_RECONNECT for s in supervisor.statuses())


async def test_each_account_has_its_own_timeout_and_they_run_at_once(
    supervisor: ClientSupervisor,
):
    slow = [StatusSettingClient(Platform.SLACK, 5.0), StatusSettingClient(Platform.TEAMS, 5.0)]
    quick = StatusSettingClient(Platform.ZOOM, 0.05)
    for client in (*slow, quick):
        supervisor.start(client)
    started = time.monotonic()
    results = await supervisor.set_own_status(BUSY)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0  # 0.2 s timeouts, concurrently: not 0.2 + 0.2 + 0.05 in a row
    assert outcomes(results) == {
        Platform.SLACK: (X.FAILED, "Slack did not answer within 0.2 s"),
        Platform.TEAMS: (X.FAILED, "Teams did not answer within 0.2 s"),
        Platform.ZOOM: (X.SET, ""),
    }
    assert quick.received == [BUSY]


async def test_a_client_bug_is_logged_and_contained(
    supervisor: ClientSupervisor, expected_warnings: list[object]
):
    supervisor.start(StatusSettingClient(Platform.SLACK, ZeroDivisionError()))
    supervisor.start(StatusSettingClient(Platform.TEAMS))
    results = await supervisor.set_own_status(BUSY)
    assert outcomes(results) == {
        Platform.SLACK: (X.FAILED, "Slack: an unexpected error stopped it (see the log)"),
        Platform.TEAMS: (X.SET, ""),
    }
    assert len(expected_warnings) == 1


async def test_capability_without_the_method_counts_as_unsupported(
    supervisor: ClientSupervisor,
):
    supervisor.start(ReadOnlyClient())
    results = await supervisor.set_own_status(BUSY)
    assert outcomes(results) == {
        Platform.MATRIX: (X.UNSUPPORTED, "Matrix: an app cannot set your status")
    }


async def test_parked_and_stopped_accounts_are_not_asked(
    supervisor: ClientSupervisor, expected_warnings: list[object]
):
    parked = StatusSettingClient(Platform.SLACK)
    stopped = StatusSettingClient(Platform.TEAMS)
    supervisor.start(parked)
    supervisor.start(stopped)
    await asyncio.sleep(0)
    await supervisor.stop(stopped.account)
    supervisor.set_status(AccountStatus(parked.account, AccountHealth.NEEDS_RECONNECT))
    results = await supervisor.set_own_status(BUSY)
    assert outcomes(results) == {
        Platform.SLACK: (X.NOT_CONNECTED, "Slack needs reconnecting first (Settings)"),
        Platform.TEAMS: (X.NOT_CONNECTED, "Teams is not connected"),
    }
    assert all(r.problem for r in results)
    assert parked.received == stopped.received == []
    assert expected_warnings == []


async def test_no_accounts_still_records_my_status(clock: ManualClock):
    tracker = OwnStatusTracker()
    supervisor = ClientSupervisor(PresenceHub(clock), clock, own_status=tracker)
    assert await supervisor.set_own_status(BUSY) == []
    assert supervisor.own_status is tracker
    assert tracker.requested == BUSY


async def test_simulated_network_sets_where_the_real_platforms_can(
    supervisor: ClientSupervisor, clock: ManualClock
):
    clients = {c.account.platform: c for c in build_simulated_network(size=40, clock=clock)}
    assert set(clients) == set(Platform)
    for client in clients.values():
        supervisor.start(client)
    results = await supervisor.set_own_status(BUSY)
    ok = {r.account.platform for r in results if r.ok}
    unsupported = {r.account.platform for r in results if r.outcome is X.UNSUPPORTED}
    assert unsupported == {Platform.DISCORD, Platform.WHATSAPP, Platform.LINKEDIN}
    assert ok == set(Platform) - unsupported
    assert clients[Platform.DISCORD].own_status is None
    for platform in ok:
        assert clients[platform].own_status == BUSY
