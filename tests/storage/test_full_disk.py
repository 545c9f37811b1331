"""A full disk, on a real SQLite file: saving stops and resumes, the app never does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.storage.connections import ConnectionPool, connect
from presence_tray.storage.local_store import LocalStore

if TYPE_CHECKING:
    import logging
    import sqlite3
    from pathlib import Path

NOW = 1_700_000_000.0
KEYS = [IdentityKey(Platform.TEAMS, "work", f"guid-{n}") for n in range(300)]


async def test_a_full_disk_makes_saving_wait_and_loses_nothing(
    tmp_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    path = tmp_path / "full.sqlite3"
    store = await LocalStore.open(path)
    disk_full = True

    def open_connection() -> sqlite3.Connection:
        connection = connect(path)
        if disk_full:
            # SQLite's own "database or disk is full" (SQLITE_FULL): the file may not grow.
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    store.db.pool.close()
    store.db.pool = ConnectionPool(open_connection)
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities(Identity(key, f"Person {key.remote_id}") for key in KEYS)
    hub.flush()
    problems: list[str | None] = []
    writer = store.write_behind(hub, history_enabled=lambda: True, on_problem=problems.append)
    for round_, state in enumerate([PresenceState.ONLINE, PresenceState.AWAY, PresenceState.BUSY]):
        for key in KEYS:
            hub.ingest(PlatformPresence(key, state, NOW + round_))
        hub.flush()
        assert (await writer.flush()).written == 0  # refused, kept
    assert writer.problem is not None
    assert "disk is full" in writer.problem
    assert problems == [writer.problem]  # said once
    disk_full = False
    store.db.pool.close()  # the connections that may not grow the file go
    report = await writer.flush()
    assert report.written > 0
    assert writer.problem is None
    assert problems[-1] is None
    last_known = await store.load_last_known()
    assert len(last_known.identities) == len(KEYS)
    assert {v.state for v in last_known.values} == {PresenceState.BUSY}  # the latest kept
    assert store.history.count() == 3 * len(KEYS)  # every transition, none lost
    assert expected_warnings
    await store.aclose()
