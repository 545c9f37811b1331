"""Checking an existing database file before use, and moving a bad one aside.

Runs on plain ``sqlite3`` connections, before any engine or migration touches the file.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

_HEADER_SIZE: Final = 100
_MAGIC: Final = b"SQLite format 3\x00"
_SIDECARS: Final = ("-wal", "-shm", "-journal")
_DAMAGE_ERRORS: Final = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_VERSION_TABLE: Final = "alembic_version"


class Problem(StrEnum):
    """Why a file cannot be used; the value is the suffix it is moved aside with."""

    DAMAGED = "corrupt"
    FROM_THE_FUTURE = "future"
    UPGRADE_FAILED = "failed-upgrade"


@dataclass(frozen=True, slots=True)
class FileCheck:
    """What :func:`check_file` found."""

    revision: str | None = None
    """The schema revision stored in the file; None for a new or empty file."""
    problem: Problem | None = None
    reason: str = ""
    """For the log and the user: what exactly is wrong."""


def sidecar_paths(path: Path) -> list[Path]:
    """The files SQLite keeps next to ``path`` (write-ahead log, shared memory, journal)."""
    return [path.with_name(path.name + suffix) for suffix in _SIDECARS]


def check_file(path: Path, is_known: Callable[[str], bool]) -> FileCheck:
    """Whether ``path`` is a healthy database of a schema revision this version knows
    (``is_known(revision)``).

    Raises :class:`sqlite3.Error` for failures that say nothing about the file (it cannot
    be opened, the disk fails): moving the file aside would not help with those.
    """
    if not path.exists() or path.stat().st_size == 0:
        return FileCheck()  # SQLite makes a new database of an empty file
    damage = _damaged_header(path)
    if damage:
        return FileCheck(problem=Problem.DAMAGED, reason=damage)
    try:
        with closing(sqlite3.connect(path, timeout=5.0)) as connection:
            return _check_contents(connection, is_known)
    except sqlite3.DatabaseError as err:
        if getattr(err, "sqlite_errorname", "").startswith(_DAMAGE_ERRORS):
            return FileCheck(problem=Problem.DAMAGED, reason=str(err))
        raise


def _damaged_header(path: Path) -> str | None:
    size = path.stat().st_size
    with path.open("rb") as file:
        header = file.read(_HEADER_SIZE)
    if not header.startswith(_MAGIC):
        return "it is not an SQLite database"
    if len(header) < _HEADER_SIZE:
        return "the file is truncated"
    # The header says how many pages the file has, when the "valid-for" counter matches the
    # change counter. With a write-ahead log next to it the main file may legitimately be
    # behind (pages not checkpointed yet), so only a file without one is measured.
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    header_count_valid = header[92:96] == header[24:28]
    wal = sidecar_paths(path)[0]
    has_wal = wal.exists() and wal.stat().st_size > 0
    if header_count_valid and not has_wal and size < page_size * page_count:
        return f"the file is truncated ({size} of {page_size * page_count} bytes)"
    return None


def _check_contents(connection: sqlite3.Connection, is_known: Callable[[str], bool]) -> FileCheck:
    result = [row[0] for row in connection.execute("PRAGMA quick_check")]
    if result != ["ok"]:
        return FileCheck(
            problem=Problem.DAMAGED, reason=f"integrity check failed: {'; '.join(result[:3])}"
        )
    tables = {
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if not tables:
        return FileCheck()
    if _VERSION_TABLE not in tables:
        return FileCheck(
            problem=Problem.DAMAGED, reason="it is not a Presence Tray database (no schema version)"
        )
    revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    unknown = [revision for revision in revisions if not is_known(revision)]
    if unknown:
        return FileCheck(
            revision=unknown[0],
            problem=Problem.FROM_THE_FUTURE,
            reason=f"schema revision {unknown[0]} is newer than this version of Presence Tray",
        )
    if len(revisions) != 1:
        return FileCheck(
            problem=Problem.DAMAGED, reason=f"it records {len(revisions)} schema revisions, not 1"
        )
    return FileCheck(revision=revisions[0])


def move_aside(path: Path, label: str) -> Path:
    """Rename ``path`` and its sidecar files to ``<name>.<label>``; return the new main path.

    Sidecars go first: a write-ahead log left behind next to a fresh database would be
    replayed into it.
    """
    target = _free_name(path, label)
    suffix = target.name.removeprefix(path.name)
    for sidecar in sidecar_paths(path):
        if sidecar.exists():
            sidecar.rename(sidecar.with_name(sidecar.name + suffix))
    if path.exists():
        path.rename(target)
    return target


def _free_name(path: Path, label: str) -> Path:
    """``<name>.<label>``, or ``<name>.<label>-2``... when that is taken (two in a second)."""
    candidate = path.with_name(f"{path.name}.{label}")
    attempt = 1
    while candidate.exists() or any(
        Path(f"{sidecar}{candidate.name.removeprefix(path.name)}").exists()
        for sidecar in sidecar_paths(path)
    ):
        attempt += 1
        candidate = path.with_name(f"{path.name}.{label}-{attempt}")
    return candidate
