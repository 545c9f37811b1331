"""A bad database file is set aside with a timestamp, the user is told, and the app starts fresh.

Never a crash loop: the next start opens the fresh file without a word.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from presence_tray.core.preferences import Preferences
from presence_tray.storage import schema
from presence_tray.storage.database import open_database
from presence_tray.storage.repositories import HistoryRepository, PreferencesRepository
from tests.storage.helpers import NOW, STAMP_TEXT, fixed_clock, key, raw, transition

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def make_database(path: Path, *, history_rows: int = 0) -> None:
    """A real database with a saved preference and some history."""
    db = open_database(path, clock=fixed_clock)
    PreferencesRepository(db).save(Preferences(history_retention_days=7))
    if history_rows:
        HistoryRepository(db).append_many(
            transition(key(f"U{n % 50}"), at=NOW + n) for n in range(history_rows)
        )
    db.close()


def assert_fresh_start(path: Path, moved: Path, records: list[logging.LogRecord]) -> None:
    """``path`` was moved to ``moved`` and a working, empty database took its place."""
    db = open_database(path, clock=fixed_clock)
    try:
        assert len(db.notices) == 1
        assert str(moved) in db.notices[0]
        assert "started with a fresh one" in db.notices[0]
        assert moved.exists()
        assert [r.levelno for r in records] == [logging.WARNING]
        assert str(moved) in records[0].getMessage()
        preferences = PreferencesRepository(db)
        assert preferences.get() == Preferences()  # nothing carried over from the bad file
        preferences.save(Preferences(history_enabled=False))  # and it takes writes
    finally:
        db.close()
    # The next start is an ordinary one: no notice, no warning, the data is there.
    again = open_database(path, clock=fixed_clock)
    try:
        assert again.notices == []
        assert len(records) == 1
        assert PreferencesRepository(again).get().history_enabled is False
    finally:
        again.close()


def test_garbage_bytes(db_path: Path, expected_warnings: list[logging.LogRecord]) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    db_path.write_bytes(garbage)
    moved = db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}")
    assert_fresh_start(db_path, moved, expected_warnings)
    assert moved.read_bytes() == garbage  # kept as it was, for the curious


def test_a_truncated_database(db_path: Path, expected_warnings: list[logging.LogRecord]) -> None:
    make_database(db_path, history_rows=20_000)
    size = db_path.stat().st_size
    with db_path.open("r+b") as file:
        file.truncate(size // 2)
    assert_fresh_start(
        db_path, db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}"), expected_warnings
    )
    assert "truncated" in expected_warnings[0].getMessage()


def test_a_file_cut_inside_its_header(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    make_database(db_path)
    with db_path.open("r+b") as file:
        file.truncate(50)
    assert_fresh_start(
        db_path, db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}"), expected_warnings
    )


def test_damaged_pages_fail_the_integrity_check(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    make_database(db_path, history_rows=20_000)
    page_size = raw(db_path, "PRAGMA page_size")[0][0]
    assert isinstance(page_size, int)
    with db_path.open("r+b") as file:
        # Scribble over the middle of the file, header intact: only SQLite's own check sees it.
        file.seek(page_size * 10)
        file.write(b"\xa5" * page_size * 20)
    assert_fresh_start(
        db_path, db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}"), expected_warnings
    )


def test_a_database_from_a_future_version(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    make_database(db_path)
    raw(db_path, "UPDATE alembic_version SET version_num = '9999_from_the_future'")
    moved = db_path.with_name(f"{db_path.name}.future-{STAMP_TEXT}")
    assert_fresh_start(db_path, moved, expected_warnings)
    assert raw(moved, "SELECT version_num FROM alembic_version") == [("9999_from_the_future",)]


def test_a_notice_says_what_happened(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    make_database(db_path)
    raw(db_path, "UPDATE alembic_version SET version_num = 'ffff'")
    db = open_database(db_path, clock=fixed_clock)
    db.close()
    assert db.notices == [
        (
            f"The database at {db_path} was written by a newer version of Presence Tray; it was "
            f"moved to {db_path}.future-{STAMP_TEXT} and Presence Tray started with a fresh one."
        )
    ]
    assert expected_warnings


def test_someone_elses_sqlite_file(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    db_path.parent.mkdir(parents=True)
    raw(db_path, "CREATE TABLE recipes (name TEXT)")
    moved = db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}")
    assert_fresh_start(db_path, moved, expected_warnings)
    assert "not a Presence Tray database" in expected_warnings[0].getMessage()


def test_the_write_ahead_log_goes_with_the_file(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"garbage" * 1000)
    wal = db_path.with_name(db_path.name + "-wal")
    wal.write_bytes(b"an old log that must not be replayed into the fresh file")
    db = open_database(db_path, clock=fixed_clock)
    db.close()
    assert (wal.parent / f"{wal.name}.corrupt-{STAMP_TEXT}").exists()
    assert expected_warnings


def test_two_bad_files_in_one_second_both_kept(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    db_path.parent.mkdir(parents=True)
    for content in (b"first" * 100, b"second" * 100):
        db_path.write_bytes(content)
        open_database(db_path, clock=fixed_clock).close()
    assert db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}").read_bytes() == b"first" * 100
    assert (
        db_path.with_name(f"{db_path.name}.corrupt-{STAMP_TEXT}-2").read_bytes() == b"second" * 100
    )
    assert len(expected_warnings) == 2


def test_an_empty_file_is_a_new_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    db = open_database(db_path, clock=fixed_clock)
    db.close()
    assert db.notices == []


def test_a_failed_upgrade_is_set_aside_not_retried_forever(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, expected_warnings: list[logging.LogRecord]
) -> None:
    db_path.parent.mkdir(parents=True)
    schema.upgrade(db_path, "0001")
    real_upgrade = schema.upgrade
    calls: list[Path] = []

    def upgrade_failing_once(path: Path, target: str = "head") -> None:
        calls.append(path)
        if len(calls) == 1:
            msg = "a migration with a bug"
            raise RuntimeError(msg)
        real_upgrade(path, target)

    monkeypatch.setattr(schema, "upgrade", upgrade_failing_once)
    db = open_database(db_path, clock=fixed_clock)
    db.close()
    moved = db_path.with_name(f"{db_path.name}.failed-upgrade-{STAMP_TEXT}")
    backup = db_path.with_name(f"{db_path.name}.before-0001-{STAMP_TEXT}.bak")
    assert moved.exists()
    assert backup.exists()
    assert "could not be upgraded" in db.notices[0]
    assert str(backup) in db.notices[1]
    assert {r.levelname for r in expected_warnings} == {"ERROR", "WARNING"}


def test_a_migration_that_breaks_the_data_is_rolled_back_and_set_aside(
    db_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    db_path.parent.mkdir(parents=True)
    schema.upgrade(db_path, "0001")
    # An identity whose person is missing: the foreign key check after migrating refuses it.
    raw(
        db_path,
        "INSERT INTO identities (platform, account_id, remote_id, display_name, person_id)"
        " VALUES ('slack', 'work', 'U1', 'Alice', 'nobody')",
    )
    db = open_database(db_path, clock=fixed_clock)
    db.close()
    moved = db_path.with_name(f"{db_path.name}.failed-upgrade-{STAMP_TEXT}")
    # All or nothing: the set-aside file is still the first schema, without 0002's index.
    assert raw(moved, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert raw(moved, "SELECT name FROM sqlite_schema WHERE name = 'ix_presence_history_at'") == []
    assert raw(db_path, "SELECT version_num FROM alembic_version") == [(schema.head_revision(),)]
    assert "could not be upgraded" in db.notices[0]
    error, warning = expected_warnings
    assert error.exc_info is not None
    assert error.exc_info[0] is schema.MigrationError
    assert "set aside" in warning.getMessage()


def test_a_log_left_without_its_database_is_not_replayed(db_path: Path) -> None:
    """SQLite drops a log found next to an empty database; this guards that assumption."""
    make_database(db_path, history_rows=10)
    # Keep a write-ahead log from the old file, then delete the file itself by hand.
    keeper = open_database(db_path)
    HistoryRepository(keeper).append_many([transition(key("U1"), at=NOW)])
    wal = db_path.with_name(db_path.name + "-wal")
    stray = wal.read_bytes()
    keeper.close()
    db_path.unlink()
    wal.write_bytes(stray)
    db = open_database(db_path, clock=fixed_clock)
    try:
        assert db.notices == []
        assert HistoryRepository(db).count() == 0
    finally:
        db.close()
