"""Plain ``sqlite3`` connections to the database file: the one place for their settings.

The running app speaks SQL through Python's ``sqlite3`` module directly; SQLAlchemy (about
27 MB of memory to import) is loaded only to migrate an older file
(:mod:`presence_tray.storage.schema`).

Every connection gets the same pragmas (:func:`pragmas`), with the ``sqlite3`` module's own
transaction handling turned off (``isolation_level=None``): it skips ``BEGIN`` before
``SELECT`` and DDL, so the callers say ``BEGIN`` themselves and every read is a real
snapshot.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

BUSY_TIMEOUT_MS: Final = 5000
"""How long a statement waits for another connection's lock before failing."""

IDLE_CONNECTIONS: Final = 5
"""Connections a pool keeps open between uses; more are opened when threads need them."""


def pragmas(*, foreign_keys: bool = True) -> tuple[str, ...]:
    """The settings every connection starts with, in the order they must run.

    ``foreign_keys=False`` is for migrations only: SQLite's table rebuilds would cascade
    deletes otherwise (see :mod:`presence_tray.storage.schema`).
    """
    return (
        # journal_mode first: it cannot change inside a transaction, and WAL lets readers
        # carry on while the write-behind writes.
        "PRAGMA journal_mode=WAL",
        f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits.
        "PRAGMA synchronous=NORMAL",
    )


def apply_pragmas(connection: sqlite3.Connection, *, foreign_keys: bool = True) -> None:
    """Run :func:`pragmas` on a connection that is not in a transaction."""
    for pragma in pragmas(foreign_keys=foreign_keys):
        connection.execute(pragma)


def connect(path: Path) -> sqlite3.Connection:
    """A new connection to ``path`` with the settings above, usable from any thread (one
    thread at a time: :class:`ConnectionPool` sees to that)."""
    connection = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        apply_pragmas(connection)
    except BaseException:
        connection.close()
        raise
    return connection


class ConnectionPool:
    """Connections to one file, lent to one thread at a time.

    Repositories run in worker threads (``asyncio.to_thread``) and on the event loop's
    thread; each use takes an idle connection or opens one, and gives it back after. A
    connection given back inside a transaction (its ROLLBACK failed) is closed, never reused.
    """

    def __init__(
        self, open_connection: Callable[[], sqlite3.Connection], idle: int = IDLE_CONNECTIONS
    ) -> None:
        """Open connections with ``open_connection``; keep at most ``idle`` between uses."""
        self._open_connection = open_connection
        self._max_idle = idle
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._lent: set[sqlite3.Connection] = set()
        self._retired: set[sqlite3.Connection] = set()
        """Lent when :meth:`close` ran: closed when given back."""

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for this thread alone until the block ends."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = self._open_connection()
        with self._lock:
            self._lent.add(connection)
        try:
            yield connection
        finally:
            self._give_back(connection)

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            self._lent.discard(connection)
            reusable = (
                connection not in self._retired
                and not connection.in_transaction
                and len(self._idle) < self._max_idle
            )
            self._retired.discard(connection)
            if reusable:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close every idle connection now and each lent one when it is given back.

        The last connection to close checkpoints the write-ahead log into the file and
        removes it. The pool stays usable: a later use opens a new connection.
        """
        with self._lock:
            idle, self._idle = self._idle, []
            self._retired |= self._lent
        for connection in idle:
            connection.close()
