"""Small builders and database tricks shared by the storage tests."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from presence_tray.core.history import PresenceTransition
from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.storage.connections import ConnectionPool, connect
from tests.core.helpers import NOW, identity
from tests.core.helpers import value as core_value

__all__ = [
    "NOW",
    "fixed_clock",
    "identity",
    "key",
    "on_every_connection",
    "raw",
    "transition",
    "value",
]

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from presence_tray.storage.database import Database

STAMP = datetime(2026, 11, 26, 9, 45, tzinfo=UTC)
STAMP_TEXT = "20261126T094500"


def fixed_clock() -> datetime:
    """The clock that names moved-aside files and backups in these tests."""
    return STAMP


def key(
    remote_id: str = "U1", platform: Platform = Platform.SLACK, account: str = "work"
) -> IdentityKey:
    """An identity key with sensible defaults."""
    return IdentityKey(platform, account, remote_id)


def value(
    k: IdentityKey,
    state: PresenceState = PresenceState.ONLINE,
    at: float = NOW,
    *,
    source: PresenceSource = PresenceSource.PUSH,
    **details: Any,
) -> PlatformPresence:
    """A platform presence value (pushed and online unless told otherwise)."""
    return core_value(k, state, at, source=source, **details)


def transition(
    k: IdentityKey, state: PresenceState = PresenceState.ONLINE, at: float = NOW
) -> PresenceTransition:
    """A history transition without DND or activity."""
    return PresenceTransition(k, state, dnd=False, activity=None, at=at)


def raw(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on a plain sqlite3 connection (as another program would) and commit."""
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(sql, params).fetchall()
        connection.commit()
    return rows


def on_every_connection(db: Database, *pragmas: str) -> Callable[[], None]:
    """Run ``pragmas`` on every connection ``db`` lends from now on; return the undo.

    ``db`` gets a pool of its own meanwhile, and each pool is closed when left, so that no
    connection made before escapes the change, nor one made during it outlives it.
    """

    def open_connection() -> sqlite3.Connection:
        connection = connect(db.path)
        for pragma in pragmas:
            connection.execute(pragma)
        return connection

    usual = db.pool
    usual.close()
    db.pool = ConnectionPool(open_connection)

    def undo() -> None:
        db.pool.close()
        db.pool = usual

    return undo
