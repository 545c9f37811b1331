"""The connection pool and the transactions around each repository call."""

from __future__ import annotations

import sqlite3
import threading
from functools import partial
from typing import TYPE_CHECKING

import pytest

from presence_tray.storage.connections import ConnectionPool, connect
from presence_tray.storage.database import StorageWriteError
from tests.storage.helpers import raw

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.storage.database import Database


def is_open(connection: sqlite3.Connection) -> bool:
    try:
        connection.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True


@pytest.fixture
def pool(tmp_path: Path) -> ConnectionPool:
    return ConnectionPool(partial(connect, tmp_path / "pool.sqlite3"), idle=2)


def test_a_connection_is_lent_again_after_it_is_given_back(pool: ConnectionPool) -> None:
    with pool.connection() as first:
        pass
    with pool.connection() as second:
        assert second is first


def test_no_connection_is_lent_to_two_threads_at_once(pool: ConnectionPool) -> None:
    together = threading.Barrier(4)
    lent: list[int] = []

    def borrow() -> None:
        with pool.connection() as connection:
            lent.append(id(connection))
            together.wait(timeout=10)  # all four hold theirs at the same time

    threads = [threading.Thread(target=borrow) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(lent)) == 4


def test_at_most_idle_connections_stay_open(pool: ConnectionPool) -> None:
    with pool.connection() as a, pool.connection() as b, pool.connection() as c:
        pass
    assert [is_open(connection) for connection in (a, b, c)].count(True) == 2


def test_a_connection_given_back_inside_a_transaction_is_closed(pool: ConnectionPool) -> None:
    with pool.connection() as broken:
        broken.execute("BEGIN")
    assert not is_open(broken)
    with pool.connection() as fresh:
        assert fresh is not broken
        assert not fresh.in_transaction


def test_close_closes_idle_connections_now_and_lent_ones_when_given_back(
    pool: ConnectionPool,
) -> None:
    with pool.connection() as lent, pool.connection() as idle:
        pass
    with pool.connection() as again:  # the last given back: the other one stays idle
        assert again is lent
        pool.close()
        assert not is_open(idle)
        assert is_open(lent)  # still in use by its thread
    assert not is_open(lent)
    with pool.connection() as after:  # the pool still works, on a new connection
        assert is_open(after)


def test_closing_the_database_checkpoints_and_removes_the_write_ahead_log(db: Database) -> None:
    raw(db.path, "SELECT 1")  # nothing else holds the file open
    add_people(db, "alice")
    wal = db.path.with_name(db.path.name + "-wal")
    assert wal.exists()
    db.close()
    assert not wal.exists()
    assert raw(db.path, "SELECT person_id FROM people") == [("alice",)]


def add_people(db: Database, *person_ids: str, then_fail: bool = False) -> None:
    """Insert people in one write; ``then_fail``: raise a bug's error before the end."""
    with db.writing() as connection:
        for person_id in person_ids:
            connection.execute("INSERT INTO people (person_id) VALUES (?)", (person_id,))
        if then_fail:
            msg = "a bug in the caller"
            raise ValueError(msg)


def test_a_write_that_raises_is_rolled_back(db: Database) -> None:
    with pytest.raises(ValueError, match="a bug"):
        add_people(db, "alice", then_fail=True)
    assert raw(db.path, "SELECT count(*) FROM people") == [(0,)]
    add_people(db, "bob")  # the connection is back, and usable
    assert raw(db.path, "SELECT person_id FROM people") == [("bob",)]


def test_integrity_errors_are_raised_as_they_are(db: Database) -> None:
    """Breaking a constraint is a bug of ours, not the disk's: not a StorageWriteError."""
    with pytest.raises(sqlite3.IntegrityError):
        add_people(db, "alice", "alice")
    assert raw(db.path, "SELECT count(*) FROM people") == [(0,)]
    assert not issubclass(sqlite3.IntegrityError, StorageWriteError)


def test_a_read_sees_one_snapshot_while_another_connection_writes(db: Database) -> None:
    with db.reading() as connection:
        assert connection.execute("SELECT count(*) FROM people").fetchone() == (0,)
        add_people(db, "alice")  # on another pooled connection, as another thread would
        assert connection.execute("SELECT count(*) FROM people").fetchone() == (0,)
    with db.reading() as connection:
        assert connection.execute("SELECT count(*) FROM people").fetchone() == (1,)
