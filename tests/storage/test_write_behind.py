"""Write-behind: batching by time and size, nothing lost on failure, a full flush at exit."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import TransientError
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.storage import write_behind as write_behind_module
from presence_tray.storage.write_behind import Batch, FlushReport, WriteBehind

if TYPE_CHECKING:
    import logging

    from presence_tray.core.history import PresenceTransition

NOW = 1_700_000_000.0
KEYS = [IdentityKey(Platform.SLACK, "work", f"U{n}") for n in range(5)]


class Disk:
    """A stand-in for the database: records batches, or refuses them while ``full``."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.full = False

    def write(self, batch: Batch) -> None:
        if self.full:
            msg = "database or disk is full"
            raise TransientError(msg)
        self.batches.append(batch)

    def cache(self) -> dict[IdentityKey, PlatformPresence]:
        return {v.identity: v for b in self.batches for v in b.cache}

    def history(self) -> list[PresenceTransition]:
        return [t for b in self.batches for t in b.history]


@pytest.fixture
def hub() -> PresenceHub:
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities(Identity(key, f"Person {key.remote_id}") for key in KEYS)
    hub.flush()
    return hub


def feed(hub: PresenceHub, key: IdentityKey, state: PresenceState, at: float = NOW) -> None:
    hub.ingest(PlatformPresence(key, state, at))
    hub.flush()


def make(hub: PresenceHub, disk: Disk, **kwargs: object) -> WriteBehind:
    writer = WriteBehind(disk.write, hub.identity, **kwargs)  # type: ignore[arg-type]
    hub.subscribe(writer.on_changes)
    return writer


async def test_flush_writes_identities_latest_values_and_transitions(hub: PresenceHub) -> None:
    disk = Disk()
    writer = make(hub, disk)
    feed(hub, KEYS[0], PresenceState.ONLINE)
    feed(hub, KEYS[0], PresenceState.AWAY, NOW + 1)
    feed(hub, KEYS[1], PresenceState.BUSY)
    report = await writer.flush()
    assert report.written == len(disk.batches[0])
    assert report.loop_seconds < 0.05
    (batch,) = disk.batches
    assert {i.key for i in batch.identities} == {KEYS[0], KEYS[1]}
    assert disk.cache()[KEYS[0]].state is PresenceState.AWAY  # coalesced to the latest
    assert [t.state for t in disk.history()] == [
        PresenceState.ONLINE,
        PresenceState.AWAY,
        PresenceState.BUSY,
    ]
    # Identities are saved once; an empty flush writes nothing.
    feed(hub, KEYS[0], PresenceState.ONLINE, NOW + 2)
    await writer.flush()
    assert disk.batches[1].identities == []
    assert (await writer.flush()).written == 0
    assert len(disk.batches) == 2


async def test_history_switched_off_keeps_the_cache_only(hub: PresenceHub) -> None:
    disk = Disk()
    writer = make(hub, disk, history_enabled=lambda: False)
    feed(hub, KEYS[0], PresenceState.ONLINE)
    await writer.flush()
    assert disk.history() == []
    assert KEYS[0] in disk.cache()


async def test_cached_values_are_not_written_back(hub: PresenceHub) -> None:
    disk = Disk()
    writer = make(hub, disk)
    hub.ingest(PlatformPresence(KEYS[2], PresenceState.ONLINE, NOW - 60, PresenceSource.CACHE))
    hub.flush()
    await writer.flush()
    assert disk.cache() == {}
    assert disk.history() == []


async def test_a_full_batch_is_written_before_the_interval(hub: PresenceHub) -> None:
    disk = Disk()
    writer = make(hub, disk, flush_interval=3600, max_batch=3)
    task = asyncio.create_task(writer.run())
    feed(hub, KEYS[0], PresenceState.ONLINE)
    feed(hub, KEYS[1], PresenceState.ONLINE)
    for _ in range(100):
        await asyncio.sleep(0.01)
        if disk.batches:
            break
    assert disk.batches, "a full batch must not wait for the hour"
    await writer.aclose(task)


async def test_the_interval_flushes_small_batches(hub: PresenceHub) -> None:
    disk = Disk()
    writer = make(hub, disk, flush_interval=0.05)
    task = asyncio.create_task(writer.run())
    feed(hub, KEYS[3], PresenceState.IDLE)
    await asyncio.sleep(0.3)
    assert KEYS[3] in disk.cache()
    await writer.aclose(task)


async def test_with_nothing_to_write_it_sleeps_until_a_change(hub: PresenceHub) -> None:
    """No wake-up every interval while nothing changes (the idle app's CPU), and a change
    is still written one interval later."""
    disk = Disk()
    writer = make(hub, disk, flush_interval=0.01)
    flushes: list[int] = []
    flush = writer.flush

    async def counted_flush() -> FlushReport:
        flushes.append(writer.pending())
        return await flush()

    writer.flush = counted_flush  # type: ignore[method-assign]
    task = asyncio.create_task(writer.run())
    await asyncio.sleep(0.2)
    assert flushes == []  # twenty intervals, nothing to write, no wake-up
    feed(hub, KEYS[2], PresenceState.ONLINE)
    for _ in range(100):
        await asyncio.sleep(0.01)
        if disk.batches:
            break
    assert KEYS[2] in disk.cache()
    await asyncio.sleep(0.1)
    assert len(flushes) == 1  # back to sleep once written
    await writer.aclose(task)


async def test_failed_writes_lose_nothing_and_recover(
    hub: PresenceHub, expected_warnings: list[logging.LogRecord]
) -> None:
    disk = Disk()
    problems: list[str | None] = []
    writer = make(hub, disk, on_problem=problems.append)
    disk.full = True
    feed(hub, KEYS[0], PresenceState.ONLINE)
    assert (await writer.flush()).written == 0
    feed(hub, KEYS[0], PresenceState.BUSY, NOW + 1)
    feed(hub, KEYS[1], PresenceState.AWAY, NOW + 1)
    assert (await writer.flush()).written == 0
    assert writer.problem is not None
    assert "cannot save" in writer.problem
    assert len(problems) == 1  # told once per outage
    assert len(expected_warnings) == 1
    disk.full = False
    await writer.flush()
    assert writer.problem is None
    assert problems == [problems[0], None]
    assert disk.cache()[KEYS[0]].state is PresenceState.BUSY  # the newer value, not the old
    assert [t.state for t in disk.history()] == [
        PresenceState.ONLINE,
        PresenceState.BUSY,
        PresenceState.AWAY,
    ]
    assert {i.key for i in disk.batches[0].identities} == {KEYS[0], KEYS[1]}


async def test_history_backlog_is_bounded_while_the_disk_is_dead(
    hub: PresenceHub,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[logging.LogRecord],
) -> None:
    monkeypatch.setattr(write_behind_module, "MAX_HISTORY_BACKLOG", 3)
    disk = Disk()
    disk.full = True
    writer = make(hub, disk)
    for n, state in enumerate([PresenceState.ONLINE, PresenceState.AWAY] * 3):
        feed(hub, KEYS[0], state, NOW + n)
        await writer.flush()
    disk.full = False
    await writer.flush()
    assert [t.at for t in disk.history()] == [NOW + 3, NOW + 4, NOW + 5]  # the newest kept
    assert expected_warnings


async def test_retry_delay_grows_while_failing(
    hub: PresenceHub, expected_warnings: list[logging.LogRecord]
) -> None:
    disk = Disk()
    disk.full = True
    writer = make(hub, disk, flush_interval=2.0)
    delays = []
    for n in range(7):
        feed(hub, KEYS[0], PresenceState.ONLINE if n % 2 else PresenceState.AWAY, NOW + n)
        await writer.flush()
        delays.append(writer.next_delay())
    assert delays == sorted(delays)
    assert delays[-1] == write_behind_module.RETRY_DELAYS_SECONDS[-1]
    assert expected_warnings


async def test_close_writes_everything_and_warns_if_it_cannot(
    hub: PresenceHub, expected_warnings: list[logging.LogRecord]
) -> None:
    disk = Disk()
    writer = make(hub, disk)
    task = asyncio.create_task(writer.run())
    feed(hub, KEYS[4], PresenceState.ONLINE)
    await writer.aclose(task)
    assert KEYS[4] in disk.cache()
    disk.full = True
    feed(hub, KEYS[4], PresenceState.OFFLINE, NOW + 5)
    await writer.aclose()
    assert any("could not be saved" in r.getMessage() for r in expected_warnings)


async def test_cached_values_remember_when_the_person_was_last_seen(hub: PresenceHub) -> None:
    disk = Disk()
    writer = make(hub, disk)
    feed(hub, KEYS[0], PresenceState.ONLINE, NOW)
    feed(hub, KEYS[0], PresenceState.OFFLINE, NOW + 3600)
    await writer.flush()
    cached = disk.cache()[KEYS[0]]
    assert cached.state is PresenceState.OFFLINE
    assert cached.last_active_at == NOW


async def test_an_identity_the_hub_forgot_before_the_write_is_not_written(
    hub: PresenceHub,
) -> None:
    disk = Disk()
    writer = make(hub, disk, removed_identities=lambda: hub.removed_identities)
    feed(hub, KEYS[0], PresenceState.ONLINE)
    feed(hub, KEYS[1], PresenceState.BUSY)
    assert hub.removed_identities == 0
    hub.remove_identity(KEYS[1])  # added by hand and removed again within the interval
    await writer.flush()
    (batch,) = disk.batches
    assert {i.key for i in batch.identities} == {KEYS[0]}
    assert set(disk.cache()) == {KEYS[0]}
    assert {t.identity for t in disk.history()} == {KEYS[0]}
