"""The presence cache (last value per identity) and presence history (transitions).

Both are written by the thousand and the cache is read whole at start-up, so this module
writes with ``executemany`` and positional tuples, and builds the named tuples directly from
the rows ``sqlite3`` returns.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from presence_tray.core.history import PresenceTransition
from presence_tray.core.identity import IdentityKey
from presence_tray.core.presence import (
    Activity,
    ActivityKind,
    PlatformPresence,
    PresenceSource,
    PresenceState,
)
from presence_tray.storage.repositories._common import (
    KEY_COLUMNS,
    PLATFORMS,
    UnknownValues,
    chunked,
    flat,
    key_of,
    key_row,
    key_rows,
)
from presence_tray.storage.repositories.people import forget_contacts, save_identities

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Sequence

    from presence_tray.core.identity import Identity
    from presence_tray.storage.database import Database

_STATES: Final = {state.value: state for state in PresenceState}
_KINDS: Final = {kind.value: kind for kind in ActivityKind}

PRUNE_CHUNK: Final = 20_000
"""History rows deleted per transaction, so pruning never holds the write lock for long."""

_LOAD_CACHE_SQL: Final = """
    SELECT platform, account_id, remote_id, state, dnd, activity_kind, activity_text,
        activity_emoji, activity_until, note, observed_at, last_active_at
    FROM presence_cache
"""

_HISTORY_SELECT: Final = """
    SELECT platform, account_id, remote_id, state, dnd, activity_kind, at FROM presence_history
"""
_HISTORY_ORDER: Final = " ORDER BY at, id"
_LOAD_HISTORY_SQL: Final = _HISTORY_SELECT + _HISTORY_ORDER
_PRUNE_SQL: Final = """
    DELETE FROM presence_history
    WHERE id IN (SELECT id FROM presence_history WHERE at < ? LIMIT ?)
"""
_COUNT_HISTORY_SQL: Final = "SELECT count(*) FROM presence_history"


def _history_of_keys_sql(count: int) -> str:
    """The history of ``count`` identity keys at or after a time, oldest first."""
    keys_match = f"{KEY_COLUMNS} IN ({key_rows(count)})"
    return f"{_HISTORY_SELECT} WHERE {keys_match} AND at >= ? {_HISTORY_ORDER}"


class PresenceCacheRepository:
    """The last known value of every identity, for showing something at start-up."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def upsert_many(self, values: Iterable[PlatformPresence]) -> None:
        """Store each value as its identity's last known one, in one transaction."""
        with self._db.writing() as connection:
            upsert_cache(connection, values)

    def load(self) -> list[PlatformPresence]:
        """Every cached value, marked as coming from the cache (times as observed)."""
        with self._db.reading() as connection:
            rows = connection.execute(_LOAD_CACHE_SQL).fetchall()
        return _cached_values(rows)


class HistoryRepository:
    """Presence transitions per identity, pruned by age."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def append_many(self, transitions: Iterable[PresenceTransition]) -> int:
        """Add transitions in one transaction; return how many."""
        with self._db.writing() as connection:
            return append_history(connection, transitions)

    def for_identities(self, keys: Iterable[IdentityKey], since: float) -> list[PresenceTransition]:
        """The transitions of ``keys`` at or after ``since``, oldest first."""
        rows = [key_row(key) for key in set(keys)]
        unknown = UnknownValues("presence history")
        found: list[PresenceTransition] = []
        with self._db.reading() as connection:
            for chunk in chunked(rows):
                cursor = connection.execute(_history_of_keys_sql(len(chunk)), [*flat(chunk), since])
                found.extend(_transitions(cursor.fetchall(), unknown))
        unknown.report("read as unknown")
        found.sort(key=lambda transition: transition.at)  # merge the chunks, each in order
        return found

    def load_all(self) -> list[PresenceTransition]:
        """Every stored transition, oldest first (for exports)."""
        unknown = UnknownValues("presence history")
        with self._db.reading() as connection:
            found = _transitions(connection.execute(_LOAD_HISTORY_SQL).fetchall(), unknown)
        unknown.report("skipped or read as unknown")
        return found

    def prune(self, older_than: float) -> int:
        """Delete transitions before ``older_than``; return how many went."""
        removed = 0
        while True:
            with self._db.writing() as connection:
                count = connection.execute(_PRUNE_SQL, (older_than, PRUNE_CHUNK)).rowcount
            removed += count
            if count < PRUNE_CHUNK:
                return removed

    def count(self) -> int:
        """How many transitions are stored."""
        with self._db.reading() as connection:
            (count,) = connection.execute(_COUNT_HISTORY_SQL).fetchone()
        return int(count)


def write_batch(
    db: Database,
    cache_values: Iterable[PlatformPresence],
    transitions: Iterable[PresenceTransition],
    identities: Iterable[Identity] = (),
    forgotten_contacts: Sequence[IdentityKey] = (),
    forgotten_at: float | None = None,
) -> None:
    """Write new identities, cache values and history in ONE transaction (the write-behind),
    after forgetting the contacts no account lists any more, as of ``forgotten_at`` (now
    when None; see :func:`~presence_tray.storage.repositories.people.forget_contacts`; one
    listed again since comes back with this batch's identities).

    Raises :class:`~presence_tray.storage.database.StorageWriteError` when the disk refuses;
    nothing of the batch is then written.
    """
    at = time.time() if forgotten_at is None else forgotten_at
    with db.writing() as connection:
        forget_contacts(connection, forgotten_contacts, at=at)
        save_identities(connection, identities)
        upsert_cache(connection, cache_values)
        append_history(connection, transitions)


def _insert_sql(table_name: str, columns: Sequence[str]) -> str:
    # Built once at import from our own table and column names; values go in as parameters.
    names = ", ".join(columns)
    places = ", ".join("?" * len(columns))
    return f"INSERT INTO {table_name} ({names}) VALUES ({places})"  # noqa: S608


# Positional parameters and tuples through executemany: several times faster than
# dictionaries, which matters for the write-behind's batches (thousands of rows, written
# while the app runs).
_CACHE_COLUMNS = (
    "platform",
    "account_id",
    "remote_id",
    "state",
    "dnd",
    "activity_kind",
    "activity_text",
    "activity_emoji",
    "activity_until",
    "note",
    "source",
    "observed_at",
    "last_active_at",
)
_UPSERT_CACHE_SQL = (
    _insert_sql("presence_cache", _CACHE_COLUMNS)
    + " ON CONFLICT (platform, account_id, remote_id) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in _CACHE_COLUMNS[3:])
)
_HISTORY_COLUMNS = ("platform", "account_id", "remote_id", "state", "dnd", "activity_kind", "at")
_APPEND_HISTORY_SQL = _insert_sql("presence_history", _HISTORY_COLUMNS)


def upsert_cache(connection: sqlite3.Connection, values: Iterable[PlatformPresence]) -> None:
    """Upsert cache rows in the caller's transaction."""
    rows = []
    for value in values:
        key = value.identity
        activity = value.activity
        rows.append(
            (
                key.platform.value,
                key.account_id,
                key.remote_id,
                value.state.value,
                value.dnd,
                None if activity is None else activity.kind.value,
                None if activity is None else activity.text,
                None if activity is None else activity.emoji,
                None if activity is None else activity.until,
                value.note,
                value.source.value,
                value.observed_at,
                value.last_active_at,
            )
        )
    if rows:
        connection.executemany(_UPSERT_CACHE_SQL, rows)


def append_history(
    connection: sqlite3.Connection, transitions: Iterable[PresenceTransition]
) -> int:
    """Insert history rows in the caller's transaction; return how many."""
    rows = [
        (
            transition.identity.platform.value,
            transition.identity.account_id,
            transition.identity.remote_id,
            transition.state.value,
            transition.dnd,
            None if transition.activity is None else transition.activity.value,
            transition.at,
        )
        for transition in transitions
    ]
    if rows:
        connection.executemany(_APPEND_HISTORY_SQL, rows)
    return len(rows)


def _cached_values(rows: Iterable[Sequence[Any]]) -> list[PlatformPresence]:
    # The start-up hot path (tens of thousands of rows): names bound locally, one pass.
    unknown = UnknownValues("presence cache")
    platforms, states, kinds = PLATFORMS, _STATES, _KINDS
    cache_source, unknown_state, custom = (
        PresenceSource.CACHE,
        PresenceState.UNKNOWN,
        ActivityKind.CUSTOM,
    )
    values: list[PlatformPresence] = []
    append = values.append
    for row in rows:
        platform = platforms.get(row[0])
        if platform is None:
            unknown.note("platform", row[0])
            continue
        state = states.get(row[3])
        if state is None:
            unknown.note("state", row[3])
            state = unknown_state
        activity = None
        kind_word = row[5]
        if kind_word is not None:
            kind = kinds.get(kind_word)
            if kind is None:
                unknown.note("activity", kind_word)
                # Keep what a newer version's activity said, as custom text.
                kind = custom if row[6] or row[7] else None
            if kind is not None:
                activity = Activity(kind, row[6], row[7], row[8])
        append(
            PlatformPresence(
                IdentityKey(platform, row[1], row[2]),
                state,
                row[10],
                cache_source,
                bool(row[4]),
                activity,
                row[11],
                row[9],
            )
        )
    unknown.report("skipped or read as unknown")
    return values


def _transitions(rows: Iterable[Sequence[Any]], unknown: UnknownValues) -> list[PresenceTransition]:
    found: list[PresenceTransition] = []
    for platform_word, account_id, remote_id, state_word, dnd, kind_word, at in rows:
        key = key_of(platform_word, account_id, remote_id)
        if key is None:
            unknown.note("platform", platform_word)
            continue
        state = _STATES.get(state_word)
        if state is None:
            unknown.note("state", state_word)
            state = PresenceState.UNKNOWN
        kind = None if kind_word is None else _KINDS.get(kind_word)
        if kind_word is not None and kind is None:
            unknown.note("activity", kind_word)
        found.append(PresenceTransition(key, state, bool(dnd), kind, at))
    return found
