"""SQLAlchemy engines on one SQLite file, with the connection settings every connection gets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import URL, create_engine, event
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from sqlalchemy import Connection, Engine
    from sqlalchemy.pool import ConnectionPoolEntry

BUSY_TIMEOUT_MS: Final = 5000
"""How long a statement waits for another connection's lock before failing."""

BEGIN_OPTION: Final = "presence_tray_begin"
"""Execution option naming the statement that opens a transaction (default ``BEGIN``)."""

BEGIN_IMMEDIATE: Final = {BEGIN_OPTION: "BEGIN IMMEDIATE"}
"""Execution options for a write transaction.

A deferred transaction that reads and then writes cannot wait for the write lock (SQLite
returns "busy" at once, ignoring the busy timeout); taking the lock up front makes writers
queue behind each other for up to the busy timeout instead.
"""


def create_sqlite_engine(path: Path, *, foreign_keys: bool = True, pooled: bool = True) -> Engine:
    """An engine on ``path``: WAL journal, foreign keys, a busy timeout, our own BEGIN.

    ``foreign_keys=False`` is for migrations only (SQLite's table rebuilds would cascade
    deletes otherwise; see :mod:`presence_tray.storage.schema`). ``pooled=False`` opens a
    connection per use, for short-lived engines that must leave no connection behind.
    """
    url = URL.create("sqlite+pysqlite", database=str(path))
    engine = create_engine(url) if pooled else create_engine(url, poolclass=NullPool)
    pragmas = (
        # journal_mode first: it cannot change inside a transaction, and WAL lets readers
        # carry on while the write-behind writes.
        "PRAGMA journal_mode=WAL",
        f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits.
        "PRAGMA synchronous=NORMAL",
    )

    def configure(dbapi_connection: sqlite3.Connection, _entry: ConnectionPoolEntry) -> None:
        # The sqlite3 module's own transaction handling skips BEGIN before DDL and SELECT;
        # turn it off and let the "begin" hook below say BEGIN every time (SQLAlchemy's
        # documented recipe), so migrations and reads are real transactions too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    def begin(connection: Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(BEGIN_OPTION, "BEGIN"))

    event.listen(engine, "connect", configure)
    event.listen(engine, "begin", begin)
    return engine
