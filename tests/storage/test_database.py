"""Opening the database: connection settings, folders, and disks that refuse writes."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.errors import PresenceError
from presence_tray.core.preferences import Preferences
from presence_tray.storage.database import (
    StorageUnavailableError,
    StorageWriteError,
    open_database,
)
from presence_tray.storage.paths import DATABASE_FILE
from presence_tray.storage.repositories import (
    HistoryRepository,
    PreferencesRepository,
    PresenceCacheRepository,
    write_batch,
)
from tests.storage.helpers import NOW, key, on_every_connection, transition, value

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.storage.database import Database


def test_every_connection_has_the_pragmas(db: Database) -> None:
    with ExitStack() as lent:
        # Several connections at once, as several threads would have them.
        connections = [lent.enter_context(db.pool.connection()) for _ in range(3)]
        assert len(set(map(id, connections))) == 3
        for connection in connections:
            found = [
                connection.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            ]
            assert found == ["wal", 1, 5000, 1]  # synchronous 1: NORMAL


def test_a_new_database_has_no_notices_and_a_private_folder(db: Database) -> None:
    assert db.notices == []
    assert db.path.exists()
    assert db.path.parent.stat().st_mode & 0o077 == 0


def test_a_folder_that_cannot_exist_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageUnavailableError) as caught:
        open_database(blocker / DATABASE_FILE)
    assert isinstance(caught.value, PresenceError)
    assert str(blocker / DATABASE_FILE) in str(caught.value)
    assert "--data-dir" in str(caught.value)


def test_a_folder_in_place_of_the_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    path.mkdir()
    with pytest.raises(StorageUnavailableError, match="cannot open or create"):
        open_database(path)


def test_a_full_disk_fails_writes_clearly_and_loses_nothing_already_saved(db: Database) -> None:
    history = HistoryRepository(db)
    history.append_many([transition(key("U1"))])
    undo = on_every_connection(db, "PRAGMA max_page_count = 1")  # never below the file's size
    try:
        with pytest.raises(StorageWriteError, match="the disk is full") as caught:
            history.append_many(transition(key(f"U{n}"), at=NOW + n) for n in range(5000))
        assert isinstance(caught.value, PresenceError)
        assert caught.value.__cause__ is not None
        assert history.count() == 1  # the failed batch left nothing behind; reads still work
    finally:
        undo()
    assert history.append_many(transition(key(f"U{n}"), at=NOW + n) for n in range(5000)) == 5000
    assert history.count() == 5001


def test_a_read_only_database_fails_writes_clearly_but_reads(db: Database) -> None:
    preferences = PreferencesRepository(db)
    undo = on_every_connection(db, "PRAGMA query_only = ON")
    try:
        with pytest.raises(StorageWriteError, match="read-only"):
            preferences.save(Preferences(history_enabled=False))
        assert preferences.get() == Preferences()
    finally:
        undo()
    preferences.save(Preferences(history_enabled=False))
    assert preferences.get().history_enabled is False


def test_write_batch_is_all_or_nothing(db: Database) -> None:
    cache, history = PresenceCacheRepository(db), HistoryRepository(db)
    undo = on_every_connection(db, "PRAGMA max_page_count = 1")
    try:
        with pytest.raises(StorageWriteError):
            write_batch(
                db,
                [value(key("U1"))],
                [transition(key(f"U{n}"), at=NOW + n) for n in range(5000)],
            )
    finally:
        undo()
    assert cache.load() == []
    assert history.count() == 0


def test_repositories_are_safe_to_use_from_several_threads(db: Database) -> None:
    history = HistoryRepository(db)
    cache = PresenceCacheRepository(db)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for batch in range(20):
                at = NOW + n * 1000 + batch
                write_batch(db, [value(key(f"U{n}"), at=at)], [transition(key(f"U{n}"), at=at)])
                cache.load()
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert history.count() == 80
    assert len(cache.load()) == 4
