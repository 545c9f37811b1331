"""Opening the database: check the file, set it aside if it is bad, migrate, connect.

:func:`open_database` never leaves the app in a crash loop: a damaged file, or one written by
a newer version, is renamed with a timestamp and a fresh database takes its place, with a
sentence for the user in :attr:`Database.notices`. Only a folder that cannot hold a database
at all raises :class:`StorageUnavailableError`.

The open database lends plain ``sqlite3`` connections, one transaction per use
(:meth:`Database.reading`, :meth:`Database.writing`); SQLAlchemy is not imported unless the
file must be upgraded.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PresenceError
from presence_tray.storage import health, schema
from presence_tray.storage.connections import ConnectionPool, connect
from presence_tray.storage.health import Problem
from presence_tray.storage.paths import DATA_DIR_ENV

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

_log = logging.getLogger(__name__)

STAMP_FORMAT: Final = "%Y%m%dT%H%M%S"
"""Timestamps in the names of moved and backed-up files (UTC)."""

# SQLite's primary result codes, as Python 3.11+ names them on sqlite3 errors, in words that
# fit "cannot save to its database (...)".
_REASONS: Final = (
    ("SQLITE_FULL", "the disk is full"),
    ("SQLITE_READONLY", "the database is read-only"),
    ("SQLITE_BUSY", "the database is locked by another program"),
    ("SQLITE_LOCKED", "the database is locked by another program"),
    ("SQLITE_IOERR", "the disk reported an input/output error"),
    ("SQLITE_CANTOPEN", "the database file cannot be opened"),
    ("SQLITE_PERM", "access to the database file was denied"),
    ("SQLITE_CORRUPT", "the database file is damaged"),
    ("SQLITE_NOTADB", "the database file is damaged"),
)


class StorageError(PresenceError):
    """Root of the storage failures; the message is a phrase for the user."""


class StorageUnavailableError(StorageError):
    """The database cannot be opened or created at all (read-only folder, disk full...)."""


class StorageWriteError(StorageError):
    """Writes failed (disk full, read-only, locked); the caller keeps the data and retries."""


class StorageReadError(StorageError):
    """Reading failed (a disk error, a file damaged while in use)."""


def failure_reason(error: BaseException) -> str | None:
    """Words for an SQLite failure of the disk or file, or None for any other error."""
    name = getattr(error, "sqlite_errorname", "")
    return next((words for code, words in _REASONS if name.startswith(code)), None)


_BEGIN_READ: Final = "BEGIN"
_BEGIN_WRITE: Final = "BEGIN IMMEDIATE"
"""A deferred transaction that reads and then writes cannot wait for the write lock (SQLite
returns "busy" at once, ignoring the busy timeout); taking the lock up front makes writers
queue behind each other for up to the busy timeout instead."""


@dataclass
class Database:
    """An open database: its connections, the file, and what the user should be told."""

    pool: ConnectionPool
    """The ``sqlite3`` connections; use them through :meth:`reading` and :meth:`writing`."""
    path: Path
    notices: list[str] = field(default_factory=list)
    """Sentences for the user about what happened while opening (moved aside, upgraded)."""

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection in one read transaction (a consistent snapshot)."""
        try:
            with _transaction(self.pool, _BEGIN_READ) as connection:
                yield connection
        except sqlite3.Error as err:
            reason = failure_reason(err)
            if reason is None:
                raise
            raise StorageReadError(reason) from err

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A connection in one write transaction, committed when the block ends and rolled
        back when it raises."""
        try:
            with _transaction(self.pool, _BEGIN_WRITE) as connection:
                yield connection
        except sqlite3.IntegrityError:
            raise  # a bug of ours, not the disk's
        except sqlite3.Error as err:
            reason = failure_reason(err)
            if reason is None:
                raise
            raise StorageWriteError(reason) from err

    def close(self) -> None:
        """Close every connection (the last one checkpoints and removes the WAL file)."""
        self.pool.close()


@contextmanager
def _transaction(pool: ConnectionPool, begin: str) -> Iterator[sqlite3.Connection]:
    """A pooled connection inside one transaction opened by ``begin``: committed at the end,
    rolled back when the block (or the commit) raises."""
    with pool.connection() as connection:
        connection.execute(begin)
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                # Should this fail too, the pool closes the connection instead of reusing it.
                with suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            raise


def _utc_now() -> datetime:
    return datetime.now(UTC)


def open_database(path: Path, *, clock: Callable[[], datetime] = _utc_now) -> Database:
    """Open (creating or upgrading as needed) the database at ``path``.

    ``clock`` names moved-aside files and backups. Raises :class:`StorageUnavailableError`
    when the file cannot be opened or created at all.
    """
    _make_folder(path)
    notices: list[str] = []
    stamp = clock().strftime(STAMP_FORMAT)
    try:
        check = health.check_file(path, schema.is_known_revision)
    except (sqlite3.Error, OSError) as err:
        raise _unavailable(path, err) from err
    if check.problem is not None:
        notices.append(_set_aside(path, check.problem, check.reason, stamp))
        check = health.FileCheck()
    notices.extend(_migrate(path, check.revision, stamp))
    pool = ConnectionPool(partial(connect, path))
    try:
        with pool.connection():
            pass  # connect now, so that a failing pragma surfaces here and not on first use
    except sqlite3.Error as err:
        pool.close()
        raise _unavailable(path, err) from err
    return Database(pool, path, notices)


def _make_folder(path: Path) -> None:
    try:
        # Only the user may read the folder: it holds who talks to whom, and when.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as err:
        raise _unavailable(path, err) from err


def _migrate(path: Path, revision: str | None, stamp: str) -> list[str]:
    """Bring the file to the newest schema; return notices. A brand-new file starts here too."""
    if revision == schema.head_revision():
        return []
    if revision is None:
        _on_disk(schema.create, path)  # a new file: no Alembic needed
        return []
    copy = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    try:
        schema.backup(path, copy)
    except (sqlite3.Error, OSError) as err:
        # Never upgrade without a way back.
        raise _unavailable(path, err, doing="make a copy before upgrading") from err
    _log.info("upgrading %s from schema %s; copy at %s", path, revision, copy)
    try:
        _on_disk(schema.upgrade, path)
    except StorageUnavailableError:
        raise
    except Exception as err:  # noqa: BLE001 - any bug in a migration script; logged in full
        # The migration rolled back, so the file is as it was; set it aside rather than fail
        # again at every start.
        _log.exception("upgrading %s from schema %s failed", path, revision)
        notice = _set_aside(path, Problem.UPGRADE_FAILED, f"the upgrade failed: {err}", stamp)
        _on_disk(schema.create, path)
        return [notice, f"A copy from before the upgrade is at {copy}."]
    return [f"Your data was upgraded to a new format; a copy of the old file is at {copy}."]


def _on_disk(step: Callable[[Path], None], path: Path) -> None:
    """Run a schema ``step`` on ``path``; a disk that refuses becomes
    :class:`StorageUnavailableError`."""
    try:
        step(path)
    except (sqlite3.Error, OSError) as err:
        if isinstance(err, OSError) or failure_reason(err) is not None:
            raise _unavailable(path, err) from err
        raise


def _set_aside(path: Path, problem: Problem, reason: str, stamp: str) -> str:
    """Move the bad file aside, log it, and return the sentence for the user."""
    try:
        moved = health.move_aside(path, f"{problem.value}-{stamp}")
    except OSError as err:
        raise _unavailable(path, err, doing="move a bad database aside") from err
    _log.warning("database %s set aside as %s: %s", path, moved, reason)
    why = {
        Problem.DAMAGED: "was damaged",
        Problem.FROM_THE_FUTURE: "was written by a newer version of Presence Tray",
        Problem.UPGRADE_FAILED: "could not be upgraded to this version's format",
    }[problem]
    return (
        f"The database at {path} {why}; it was moved to {moved} and Presence Tray "
        "started with a fresh one."
    )


def _unavailable(
    path: Path, err: BaseException, doing: str = "open or create"
) -> StorageUnavailableError:
    reason = failure_reason(err)
    if reason is None:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return StorageUnavailableError(
        f"Presence Tray cannot {doing} its database at {path}: {reason}. Check that the "
        "folder is writable and the disk is not full, or choose another folder with "
        f"--data-dir or ${DATA_DIR_ENV}."
    )
