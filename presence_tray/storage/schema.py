"""The schema's versions: Alembic migrations run from code, and a copy before each upgrade.

No ``alembic.ini`` is read at run time; the migration scripts ship inside the package
(``migrations/``). ``migrations/README.md`` says how to add a revision.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from presence_tray.storage.engine import BEGIN_IMMEDIATE, create_sqlite_engine

if TYPE_CHECKING:
    from sqlalchemy import Connection

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")


class MigrationError(Exception):
    """A migration left the data inconsistent (foreign keys violated); it was rolled back."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for our scripts; ``connection`` is what ``env.py`` uses."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Without it Alembic warns that it falls back to legacy path splitting.
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this version knows."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships its revisions
        msg = f"no migrations found in {MIGRATIONS_DIR}"
        raise RuntimeError(msg)
    return head


def known_revisions() -> frozenset[str]:
    """Every schema revision this version knows."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def upgrade(path: Path, target: str = "head") -> None:
    """Migrate the database at ``path`` to ``target`` in one transaction (all or nothing).

    Foreign keys are off while migrating: SQLite alters a table by copying it and dropping
    the old one, and a drop with foreign keys on would cascade into the referring tables.
    They are checked once at the end instead, before the commit.
    """
    engine = create_sqlite_engine(path, foreign_keys=False, pooled=False)
    try:
        with engine.connect() as connection:
            connection.execution_options(**BEGIN_IMMEDIATE)
            with connection.begin():
                command.upgrade(alembic_config(connection), target)
                violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if violations:
                    msg = f"migration to {target} broke {len(violations)} foreign key(s)"
                    raise MigrationError(msg)
    finally:
        engine.dispose()


def backup(path: Path, destination: Path) -> None:
    """A consistent copy of the live database at ``path`` (SQLite's online backup)."""
    partial = destination.with_name(destination.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(path, timeout=5.0)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        partial.replace(destination)  # never leave a half copy under the final name
    finally:
        partial.unlink(missing_ok=True)
