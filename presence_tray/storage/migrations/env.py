"""Alembic's entry point: run the migrations on the connection the app hands over.

At run time :func:`presence_tray.storage.schema.upgrade` passes an open connection inside a
transaction. From the command line (for developers, see README.md here) the database is the
``-x db=PATH`` argument.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlalchemy import Connection

from presence_tray.storage.engine import BEGIN_IMMEDIATE, create_sqlite_engine
from presence_tray.storage.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters tables by copying them; autogenerate writes batch operations.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on_command_line_database() -> None:
    database = context.get_x_argument(as_dictionary=True).get("db")
    if not database:
        msg = "name the database to compare with or migrate: alembic ... -x db=PATH"
        raise SystemExit(msg)
    engine = create_sqlite_engine(Path(database), foreign_keys=False, pooled=False)
    try:
        with engine.connect() as connection:
            connection.execution_options(**BEGIN_IMMEDIATE)
            with connection.begin():
                _run(connection)
    finally:
        engine.dispose()


_connection = context.config.attributes.get("connection")
if isinstance(_connection, Connection):
    _run(_connection)
else:
    _run_on_command_line_database()
