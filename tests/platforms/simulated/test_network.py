"""The whole simulated network against a real hub and supervisor, on a ManualClock."""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth, PresenceMode
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.core.supervisor import AccountStatus, ClientSupervisor
from presence_tray.platforms.simulated.network import build_simulated_network
from presence_tray.platforms.wire import UnknownValueLog
from tests.platforms.simulated.helpers import WEDNESDAY_10_UTC, assert_no_task_left

if TYPE_CHECKING:
    import logging

    from presence_tray.core.aggregation import AggregatedPresence

ZOOM = AccountRef(Platform.ZOOM, "simulated")


class Harness:
    """The simulated network feeding a real hub through a real supervisor."""

    def __init__(self, *, seed: int = 7, size: int = 24, unknown: UnknownValueLog | None = None):
        self.clock = ManualClock(WEDNESDAY_10_UTC)
        self.hub = PresenceHub(self.clock)
        self.supervisor = ClientSupervisor(self.hub, self.clock, rng=random.Random(0))
        self.unknown = UnknownValueLog() if unknown is None else unknown
        self.clients = build_simulated_network(
            seed=seed, size=size, clock=self.clock, unknown=self.unknown
        )
        # Each batch sorted: the hub does not promise an order within a batch.
        self.changes: list[list[tuple[str, PresenceState]]] = []
        self.hub.subscribe(
            lambda batch: self.changes.append(
                sorted((change.person.person_id, change.new.state) for change in batch)
            )
        )

    async def run(self, seconds: float) -> None:
        """Run every client for ``seconds`` of simulated time, then stop them all."""
        asyncio.get_running_loop().set_debug(True)
        for client in self.clients:
            self.supervisor.start(client)
        end = self.clock.now() + seconds
        try:
            while self.clock.now() < end:
                await asyncio.sleep(0)
                self.hub.refresh_staleness()
        finally:
            await self.supervisor.aclose()
        assert_no_task_left()

    def aggregates(self) -> list[AggregatedPresence]:
        """Every person's current aggregate."""
        return [aggregate_of(self.hub, person.person_id) for person in self.hub.people()]


def aggregate_of(hub: PresenceHub, person_id: str) -> AggregatedPresence:
    aggregate = hub.aggregate(person_id)
    assert aggregate is not None
    return aggregate


def test_one_client_per_platform_with_simulated_accounts():
    clients = build_simulated_network(clock=ManualClock())
    assert [client.account.platform for client in clients] == list(Platform)
    assert {client.account.account_id for client in clients} == {"simulated"}
    modes = {client.account.platform: client.capabilities.presence for client in clients}
    assert modes[Platform.DISCORD] is PresenceMode.LIVE
    assert modes[Platform.SLACK] is PresenceMode.POLLED


@pytest.mark.parametrize("size", [0, 10_001])
def test_size_is_checked(size):
    with pytest.raises(ValueError, match="1 to 10,000 people"):
        build_simulated_network(size=size, clock=ManualClock())


def test_ten_thousand_people_build_in_reasonable_time():
    started = time.perf_counter()
    clients = build_simulated_network(size=10_000, clock=ManualClock())
    assert time.perf_counter() - started < 5.0
    assert len(clients) == len(Platform)


async def test_people_have_different_statuses_across_platforms(expected_warnings):
    harness = Harness()
    await harness.run(5 * 60)
    hub = harness.hub
    # 24 people, two of whom have one account the network leaves for the user to link.
    assert len(hub.people()) == 26
    assert len([person for person in hub.people() if len(person.identities) < 2]) == 2
    aggregates = harness.aggregates()
    assert len({aggregate.state for aggregate in aggregates}) >= 2
    deciders = {a.decided_by.identity.platform for a in aggregates if a.decided_by is not None}
    assert len(deciders) >= 3
    by_platform: dict[Platform, set[PresenceState]] = {}
    for value in (value for aggregate in aggregates for value in aggregate.values):
        by_platform.setdefault(value.identity.platform, set()).add(value.state)
    assert by_platform[Platform.SLACK].isdisjoint({PresenceState.IDLE, PresenceState.OFFLINE})
    assert PresenceState.ONLINE not in by_platform[Platform.WHATSAPP]
    assert by_platform[Platform.LINKEDIN] == {PresenceState.UNKNOWN}
    assert len({state for states in by_platform.values() for state in states}) >= 4
    assert all(status.health is AccountHealth.STOPPED for status in harness.supervisor.statuses())
    _assert_each_warning_once(expected_warnings)


async def test_same_seed_same_changes(expected_warnings):
    runs = []
    unknown = UnknownValueLog()
    for _ in range(2):
        harness = Harness(unknown=unknown)
        await harness.run(30 * 60)
        runs.append(harness.changes)
    assert runs[0] == runs[1]
    assert sum(len(batch) for batch in runs[0]) > 24
    _assert_each_warning_once(expected_warnings)


async def test_zoom_drops_reconnects_and_its_values_go_stale_meanwhile(expected_warnings):
    harness = Harness()
    hub, supervisor = harness.hub, harness.supervisor
    history: list[AccountHealth] = []
    restarts: list[int] = []
    stale_while_down: list[bool] = []

    def on_status(status: AccountStatus) -> None:
        if status.account != ZOOM:
            return
        history.append(status.health)
        restarts.append(status.restarts)
        if status.health is AccountHealth.LIVE and AccountHealth.RECONNECTING in history:
            # Back, before the first poll: the values from before the drop are old now.
            hub.refresh_staleness()
            zoom_values = [
                (aggregate, value)
                for aggregate in harness.aggregates()
                for value in aggregate.values
                if value.identity.account == ZOOM
            ]
            stale_while_down.append(
                bool(zoom_values)
                and all(
                    value.source is PresenceSource.POLL and aggregate.is_value_stale(value)
                    for aggregate, value in zoom_values
                )
            )

    supervisor.subscribe(on_status)
    await harness.run(4 * 3600)
    assert AccountHealth.RECONNECTING in history
    assert history.count(AccountHealth.LIVE) >= 2
    assert stale_while_down
    assert all(stale_while_down)
    assert max(restarts) >= 2  # the drop, then at least one refused attempt while down
    _assert_each_warning_once(expected_warnings)


def _assert_each_warning_once(records: list[logging.LogRecord]) -> None:
    """Odd payloads are logged once each, by the wire log, however often they recur."""
    messages = [record.getMessage() for record in records]
    assert len(messages) == len(set(messages)), messages
    assert all(record.name == "presence_tray.platforms.wire" for record in records)
