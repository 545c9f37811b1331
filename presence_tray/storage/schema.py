"""The schema's versions: Alembic migrations run from code, and a copy before each upgrade.

No ``alembic.ini`` is read at run time; the migration scripts ship inside the package
(``migrations/``). ``migrations/README.md`` says how to add a revision.

SQLAlchemy (27 MB of memory to import) and Alembic (with the parts of SQLAlchemy it pulls
in: the ORM, every dialect, Mako, Pygments: about 25 MB more, and 0.3 s) are imported only to
upgrade an older file. A database at the newest revision is recognised by a plain query
(:func:`is_known_revision`), and a new one is created from ``migrations/head.sql``
(:func:`create`): the exact schema that running every revision makes, written by this
module (``python -m presence_tray.storage.schema``) and checked by
tests/storage/test_migrations.py.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from presence_tray.storage.connections import BUSY_TIMEOUT_MS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
HEAD_SCHEMA: Final = MIGRATIONS_DIR / "head.sql"
"""The schema at the newest revision, as SQL statements (see :func:`head_schema_sql`)."""
_HEAD_LINE: Final = "-- head: "


class MigrationError(Exception):
    """A migration left the data inconsistent (foreign keys violated); it was rolled back."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for our scripts; ``connection`` is what ``env.py`` uses."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Without it Alembic warns that it falls back to legacy path splitting.
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@cache
def head_revision() -> str:
    """The newest schema revision this version knows (from ``head.sql``; no Alembic)."""
    with HEAD_SCHEMA.open(encoding="utf-8") as file:
        for line in file:
            if line.startswith(_HEAD_LINE):
                return line.removeprefix(_HEAD_LINE).strip()
    msg = f"{HEAD_SCHEMA} names no head revision"  # pragma: no cover - the package ships it
    raise RuntimeError(msg)


def alembic_head_revision() -> str | None:
    """The newest revision among the migration scripts (imports Alembic)."""
    return _scripts().get_current_head()


def known_revisions() -> frozenset[str]:
    """Every schema revision this version knows (imports Alembic)."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def is_known_revision(revision: str) -> bool:
    """Whether this version knows ``revision``; Alembic is imported only for an older one."""
    return revision == head_revision() or revision in known_revisions()


def create(path: Path) -> None:
    """Make a new database at ``path`` with the newest schema, in one transaction.

    The same tables, indexes and revision as :func:`upgrade` from nothing, without
    importing Alembic. A file that gained tables meanwhile (another process created it) is
    upgraded instead.
    """
    with closing(
        sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    ) as connection:
        connection.execute("BEGIN IMMEDIATE")
        (tables,) = connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        if not tables:
            for statement in _statements(HEAD_SCHEMA.read_text(encoding="utf-8")):
                connection.execute(statement)
            connection.execute("COMMIT")
            return
        connection.execute("ROLLBACK")
    upgrade(path)  # pragma: no cover - only when another process raced us to it


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script``, one at a time (comment lines skipped)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def upgrade(path: Path, target: str = "head") -> None:
    """Migrate the database at ``path`` to ``target`` in one transaction (all or nothing).

    Foreign keys are off while migrating: SQLite alters a table by copying it and dropping
    the old one, and a drop with foreign keys on would cascade into the referring tables.
    They are checked once at the end instead, before the commit.

    A failure of the database itself is raised as the :class:`sqlite3.Error` under
    SQLAlchemy's wrapper, the kind the rest of the storage layer handles.
    """
    from alembic import command
    from sqlalchemy.exc import DBAPIError

    from presence_tray.storage.engine import BEGIN_IMMEDIATE, create_sqlite_engine

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
    except DBAPIError as err:
        if isinstance(err.orig, sqlite3.Error):
            raise err.orig from err
        raise
    finally:
        engine.dispose()


def head_schema_sql(path: Path) -> str:
    """The text of ``head.sql`` for the database at ``path`` (migrated to the newest revision):
    its revision, then every table's, index's, trigger's and view's SQL as SQLite keeps it
    (tables first), then the statement that records the revision."""
    with closing(sqlite3.connect(path)) as connection:
        (revision, record) = connection.execute(
            "SELECT version_num, 'INSERT INTO alembic_version (version_num) VALUES ('"
            " || quote(version_num) || ')' FROM alembic_version"
        ).fetchone()
        definitions = [
            sql
            for (sql,) in connection.execute(
                "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL"
                " ORDER BY type != 'table', rowid"
            )
        ]
    lines = [
        f"-- The schema at revision {revision}, exactly as running every migration makes it.",
        "-- Written by `python -m presence_tray.storage.schema`: do not edit by hand.",
        f"{_HEAD_LINE}{revision}",
        *(f"{sql};" for sql in (*definitions, record)),
    ]
    return "\n".join(lines) + "\n"


def write_head_schema() -> None:
    """Rewrite ``head.sql`` from the migrations (after adding a revision)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / "head.sqlite3"
        upgrade(scratch)
        HEAD_SCHEMA.write_text(head_schema_sql(scratch), encoding="utf-8")


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


if __name__ == "__main__":
    write_head_schema()
    print(f"wrote {HEAD_SCHEMA} (revision {head_revision()})")
