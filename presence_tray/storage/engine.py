"""A SQLAlchemy engine on the SQLite file, for migrations only (Alembic needs one).

The running app uses plain ``sqlite3`` connections (:mod:`presence_tray.storage.connections`);
this module imports SQLAlchemy, so only :func:`presence_tray.storage.schema.upgrade`, the
Alembic command line and the tests import it. Its connections get the same pragmas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import URL, create_engine, event
from sqlalchemy.pool import NullPool

from presence_tray.storage.connections import apply_pragmas

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from sqlalchemy import Connection, Engine
    from sqlalchemy.pool import ConnectionPoolEntry

BEGIN_OPTION: Final = "presence_tray_begin"
"""Execution option naming the statement that opens a transaction (default ``BEGIN``)."""

BEGIN_IMMEDIATE: Final = {BEGIN_OPTION: "BEGIN IMMEDIATE"}
"""Execution options for a write transaction.

A deferred transaction that reads and then writes cannot wait for the write lock (SQLite
returns "busy" at once, ignoring the busy timeout); taking the lock up front makes writers
queue behind each other for up to the busy timeout instead.
"""


def create_sqlite_engine(path: Path, *, foreign_keys: bool = True, pooled: bool = True) -> Engine:
    """An engine on ``path`` with :func:`~presence_tray.storage.connections.pragmas` and our
    own BEGIN.

    ``foreign_keys=False`` is for migrations only (SQLite's table rebuilds would cascade
    deletes otherwise; see :mod:`presence_tray.storage.schema`). ``pooled=False`` opens a
    connection per use, for short-lived engines that must leave no connection behind.
    """
    url = URL.create("sqlite+pysqlite", database=str(path))
    engine = create_engine(url) if pooled else create_engine(url, poolclass=NullPool)

    def configure(dbapi_connection: sqlite3.Connection, _entry: ConnectionPoolEntry) -> None:
        # The sqlite3 module's own transaction handling skips BEGIN before DDL and SELECT;
        # turn it off and let the "begin" hook below say BEGIN every time (SQLAlchemy's
        # documented recipe), so migrations are real transactions too.
        dbapi_connection.isolation_level = None
        apply_pragmas(dbapi_connection, foreign_keys=foreign_keys)

    def begin(connection: Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(BEGIN_OPTION, "BEGIN"))

    event.listen(engine, "connect", configure)
    event.listen(engine, "begin", begin)
    return engine
