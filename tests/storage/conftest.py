"""Fixtures for the storage tests: a real SQLite database file in a temporary folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

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


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A freshly created database, closed after the test."""
    database = open_database(db_path, clock=fixed_clock)
    yield database
    database.close()
