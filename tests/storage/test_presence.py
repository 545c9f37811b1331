"""The presence cache and history: round trips, speed, pruning, values from newer versions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from presence_tray.core.history import PresenceTransition
from presence_tray.core.identity import Identity, Platform
from presence_tray.core.presence import (
    Activity,
    ActivityKind,
    PresenceSource,
    PresenceState,
)
from presence_tray.storage.repositories import (
    HistoryRepository,
    PeopleRepository,
    PresenceCacheRepository,
    write_batch,
)
from tests.storage.helpers import NOW, key, raw, transition, value

if TYPE_CHECKING:
    import logging

    from presence_tray.storage.database import Database


def test_cache_round_trip_marks_values_as_cached(db: Database) -> None:
    cache = PresenceCacheRepository(db)
    meeting = Activity(ActivityKind.IN_A_MEETING, "Weekly", "📅", until=NOW + 1800)
    values = [
        value(key("U1"), PresenceState.BUSY, dnd=True, activity=meeting),
        value(
            key("@a:matrix.org", Platform.MATRIX),
            PresenceState.IDLE,
            NOW - 60,
            source=PresenceSource.POLL,
            last_active_at=NOW - 600,
        ),
        value(
            key("+4412345", Platform.WHATSAPP),
            PresenceState.UNKNOWN,
            source=PresenceSource.LAST_INTERACTION,
            note="WhatsApp does not share presence",
        ),
    ]
    cache.upsert_many(values)
    assert sorted(cache.load()) == sorted(v._replace(source=PresenceSource.CACHE) for v in values)


def test_cache_keeps_one_latest_value_per_identity(db: Database) -> None:
    cache = PresenceCacheRepository(db)
    cache.upsert_many(
        [value(key("U1"), PresenceState.ONLINE, activity=Activity(ActivityKind.IN_A_CALL))]
    )
    cache.upsert_many([value(key("U1"), PresenceState.AWAY, NOW + 5)])
    (loaded,) = cache.load()
    assert (loaded.state, loaded.observed_at, loaded.activity) == (
        PresenceState.AWAY,
        NOW + 5,
        None,
    )


def test_loading_30000_cached_values_is_fast(db: Database) -> None:
    cache = PresenceCacheRepository(db)
    meeting = Activity(ActivityKind.IN_A_MEETING, "Planning")
    cache.upsert_many(
        value(key(f"U{n}"), PresenceState.BUSY, NOW + n, activity=meeting if n % 3 else None)
        for n in range(30_000)
    )
    started = time.perf_counter()
    loaded = cache.load()
    elapsed = time.perf_counter() - started
    assert len(loaded) == 30_000
    assert elapsed < 1.0, f"{elapsed * 1000:.0f} ms"  # the benchmark holds the real target


def test_unknown_words_from_a_newer_version(
    db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    cache = PresenceCacheRepository(db)
    cache.upsert_many([value(key(f"U{n}")) for n in range(4)])
    raw(db.path, "UPDATE presence_cache SET state = 'in_orbit' WHERE remote_id = 'U1'")
    raw(
        db.path,
        "UPDATE presence_cache SET activity_kind = 'webinar', activity_text = 'Q3'"
        " WHERE remote_id = 'U2'",
    )
    raw(db.path, "UPDATE presence_cache SET platform = 'myspace' WHERE remote_id = 'U3'")
    loaded = {v.identity.remote_id: v for v in cache.load()}
    assert set(loaded) == {"U0", "U1", "U2"}
    assert loaded["U1"].state is PresenceState.UNKNOWN
    assert loaded["U2"].activity == Activity(ActivityKind.CUSTOM, "Q3")
    assert len(expected_warnings) == 1  # one line for the whole read


def test_history_round_trip_by_identity_and_time(db: Database) -> None:
    history = HistoryRepository(db)
    alice, bob = key("U1"), key("U2")
    rows = [
        PresenceTransition(alice, PresenceState.ONLINE, dnd=False, activity=None, at=NOW + 2),
        PresenceTransition(
            bob, PresenceState.BUSY, dnd=True, activity=ActivityKind.IN_A_CALL, at=NOW
        ),
        PresenceTransition(alice, PresenceState.AWAY, dnd=False, activity=None, at=NOW + 1),
        PresenceTransition(alice, PresenceState.OFFLINE, dnd=False, activity=None, at=NOW - 10),
    ]
    assert history.append_many(iter(rows)) == 4
    assert history.count() == 4
    assert history.for_identities([alice], since=NOW) == [rows[2], rows[0]]  # oldest first
    assert history.for_identities({alice, bob}, since=NOW) == [rows[1], rows[2], rows[0]]
    assert history.for_identities([key("U3")], since=0) == []
    assert history.append_many([]) == 0


def test_history_for_many_identities_at_once(db: Database) -> None:
    history = HistoryRepository(db)
    keys = [key(f"U{n}") for n in range(2500)]  # more than one IN (...) list
    history.append_many(transition(k, at=NOW + n) for n, k in enumerate(keys))
    assert len(history.for_identities(keys, since=0)) == 2500


def test_prune_removes_only_older_transitions(db: Database) -> None:
    history = HistoryRepository(db)
    history.append_many(transition(key(f"U{n % 7}"), at=NOW + n) for n in range(50_000))
    assert history.prune(older_than=NOW + 45_000) == 45_000
    assert history.count() == 5000
    remaining = history.for_identities([key(f"U{n}") for n in range(7)], since=0)
    assert min(t.at for t in remaining) == NOW + 45_000
    assert history.prune(older_than=NOW) == 0


def test_write_batch_writes_identities_cache_and_history_together(db: Database) -> None:
    write_batch(
        db,
        [value(key("U1"), PresenceState.IDLE)],
        [transition(key("U1"), PresenceState.IDLE)],
        [Identity(key("U1"), "Alice", person_id="alice")],
    )
    assert [v.state for v in PresenceCacheRepository(db).load()] == [PresenceState.IDLE]
    assert HistoryRepository(db).count() == 1
    assert [i.person_id for i in PeopleRepository(db).load_identities()] == ["alice"]
    write_batch(db, [], [])  # an empty batch is fine
