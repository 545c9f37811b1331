"""Fixtures for the storage tests: a real SQLite database file in a temporary folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.storage import schema
from presence_tray.storage.database import open_database
from presence_tray.storage.paths import DATABASE_FILE
from tests.storage.helpers import fixed_clock

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from presence_tray.storage.database import Database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test database lives."""
    return tmp_path / "data" / DATABASE_FILE


@pytest.fixture(params=["created", "migrated"])
def db(db_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A new database, closed after the test: once created from ``head.sql`` as the app
    does, once made by running every Alembic migration, so that every repository's SQL is
    checked against the schema the migrations make."""
    if request.param == "migrated":
        db_path.parent.mkdir(mode=0o700, parents=True)  # as open_database makes it
        schema.upgrade(db_path)
    database = open_database(db_path, clock=fixed_clock)
    yield database
    database.close()
