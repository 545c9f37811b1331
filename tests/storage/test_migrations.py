"""Migrations are the one truth about the schema; upgrading keeps the data and a copy."""

from __future__ import annotations

import sqlite3
import tomllib
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.storage import schema
from presence_tray.storage.database import open_database
from presence_tray.storage.engine import create_sqlite_engine
from presence_tray.storage.repositories import (
    AccountsRepository,
    HistoryRepository,
    PeopleRepository,
    PreferencesRepository,
    PresenceCacheRepository,
    WebhooksRepository,
)
from presence_tray.storage.tables import metadata
from tests.storage.helpers import NOW, STAMP_TEXT, fixed_clock, key, raw

if TYPE_CHECKING:
    from presence_tray.storage.database import Database

REPOSITORY = Path(__file__).parents[2]


def schema_differences(path: Path) -> list[object]:
    engine = create_sqlite_engine(path, pooled=False)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def revision_of(path: Path) -> list[tuple[object, ...]]:
    return raw(path, "SELECT version_num FROM alembic_version")


def test_a_new_database_is_made_by_the_migrations_and_matches_the_models(db: Database) -> None:
    assert revision_of(db.path) == [(schema.head_revision(),)]
    assert schema_differences(db.path) == []


def test_the_revisions_form_one_line_from_0001() -> None:
    assert schema.head_revision() == "0005"
    assert schema.known_revisions() == {"0001", "0002", "0003", "0004", "0005"}
    assert schema.is_known_revision("0001")
    assert not schema.is_known_revision("0099")


def test_head_sql_is_exactly_what_the_migrations_make(tmp_path: Path) -> None:
    """A new database is created from head.sql (no Alembic); it must be the migrations' own
    schema, statement for statement, at Alembic's head revision."""
    migrated = tmp_path / "migrated.sqlite3"
    schema.upgrade(migrated)
    assert schema.head_schema_sql(migrated) == schema.HEAD_SCHEMA.read_text(encoding="utf-8"), (
        "head.sql is out of date: run `.venv/bin/python -m presence_tray.storage.schema`"
    )
    assert schema.head_revision() == schema.alembic_head_revision()


def test_a_created_database_has_the_migrated_schema(tmp_path: Path) -> None:
    created, migrated = tmp_path / "created.sqlite3", tmp_path / "migrated.sqlite3"
    schema.create(created)
    schema.upgrade(migrated)
    listing = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name"
    assert raw(created, listing) == raw(migrated, listing)
    assert revision_of(created) == revision_of(migrated)
    assert schema_differences(created) == []


FIRST_SCHEMA_DATA = """
INSERT INTO people (person_id, display_name, favourite) VALUES ('alice', NULL, 1);
INSERT INTO identities
    (platform, account_id, remote_id, display_name, handles_json, person_id, linked_by_user)
    VALUES ('slack', 'work', 'U1', 'Alice Chen', '["alice@example.org"]', 'alice', 0);
INSERT INTO preferences (key, value_json) VALUES ('history_retention_days', '7');
INSERT INTO presence_cache (platform, account_id, remote_id, state, dnd, source, observed_at)
    VALUES ('slack', 'work', 'U1', 'busy', 1, 'push', 1700000000.0);
"""


def seed_first_schema(path: Path) -> None:
    """A database as the first release made it, with data in every kind of table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    schema.upgrade(path, "0001")
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(FIRST_SCHEMA_DATA)
        connection.executemany(
            "INSERT INTO presence_history (platform, account_id, remote_id, state, dnd, at)"
            " VALUES ('slack', 'work', 'U1', 'online', 0, ?)",
            [(NOW + n,) for n in range(100)],
        )


def test_upgrading_a_first_schema_database_keeps_the_data_and_a_copy(db_path: Path) -> None:
    seed_first_schema(db_path)
    assert revision_of(db_path) == [("0001",)]

    db = open_database(db_path, clock=fixed_clock)
    try:
        backup = db_path.with_name(f"{db_path.name}.before-0001-{STAMP_TEXT}.bak")
        assert db.notices == [
            f"Your data was upgraded to a new format; a copy of the old file is at {backup}."
        ]
        # The copy is the old database, whole and usable.
        assert revision_of(backup) == [("0001",)]
        assert raw(backup, "SELECT count(*) FROM presence_history") == [(100,)]
        assert raw(backup, "PRAGMA integrity_check") == [("ok",)]
        # The upgraded database is at the newest schema, with everything in it.
        assert revision_of(db_path) == [(schema.head_revision(),)]
        assert schema_differences(db_path) == []
        people = PeopleRepository(db)
        (alice,) = people.load_identities()
        assert (alice.key, alice.person_id, alice.handles) == (
            key("U1"),
            "alice",
            ("alice@example.org",),
        )
        assert people.favourites() == {"alice"}
        assert PreferencesRepository(db).get().history_retention_days == 7
        (cached,) = PresenceCacheRepository(db).load()
        assert (cached.state, cached.dnd, cached.source) == (
            PresenceState.BUSY,
            True,
            PresenceSource.CACHE,
        )
        assert HistoryRepository(db).count() == 100
        assert key("U1").platform is Platform.SLACK
    finally:
        db.close()

    again = open_database(db_path, clock=fixed_clock)
    again.close()
    assert again.notices == []  # upgraded once, not at every start


def test_upgrading_to_0003_keeps_the_accounts_with_no_sign_in_problem(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    schema.upgrade(db_path, "0002")
    raw(
        db_path,
        "INSERT INTO accounts (platform, account_id, label, enabled, settings_json)"
        " VALUES ('slack', 'work', 'Work', 0, '{\"team\":\"T1\"}')",
    )

    db = open_database(db_path, clock=fixed_clock)
    try:
        (account,) = AccountsRepository(db).list()
        assert account.ref == AccountRef(Platform.SLACK, "work")
        assert (account.label, account.enabled, dict(account.settings)) == (
            "Work",
            False,
            {"team": "T1"},
        )
        assert account.sign_in_problem is None
        assert revision_of(db_path) == [(schema.head_revision(),)]
    finally:
        db.close()


def test_every_revision_downgrades_and_upgrades_again(db: Database) -> None:
    db.close()
    engine = create_sqlite_engine(db.path, foreign_keys=False, pooled=False)
    try:
        with engine.begin() as connection:
            command.downgrade(schema.alembic_config(connection), "base")
    finally:
        engine.dispose()
    assert {
        name for (name,) in raw(db.path, "SELECT name FROM sqlite_schema WHERE type = 'table'")
    } == {"alembic_version"}
    schema.upgrade(db.path)
    assert schema_differences(db.path) == []


def test_the_migration_scripts_ship_in_the_wheel() -> None:
    """Alembic's files are not Python packages: package-data must name every one of them."""
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["presence_tray"]
    package = REPOSITORY / "presence_tray"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    needed = {
        path
        for path in schema.MIGRATIONS_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert needed
    assert needed <= shipped, sorted(str(p.relative_to(package)) for p in needed - shipped)


def test_upgrading_to_0004_adds_an_empty_webhooks_table_and_keeps_the_rest(
    db_path: Path,
) -> None:
    db_path.parent.mkdir(parents=True)
    schema.upgrade(db_path, "0003")
    raw(
        db_path,
        "INSERT INTO accounts (platform, account_id, label, enabled, settings_json)"
        " VALUES ('slack', 'work', 'Work', 1, '{}')",
    )

    db = open_database(db_path, clock=fixed_clock)
    try:
        assert [account.label for account in AccountsRepository(db).list()] == ["Work"]
        assert WebhooksRepository(db).list() == []
        assert revision_of(db_path) == [(schema.head_revision(),)]
    finally:
        db.close()


def test_upgrading_to_0005_keeps_every_identity_listed_with_its_link(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    schema.upgrade(db_path, "0004")
    with closing(sqlite3.connect(db_path)) as connection, connection:
        connection.executescript(
            """
            INSERT INTO people (person_id, display_name, favourite) VALUES ('alice', 'Al', 1);
            INSERT INTO identities (platform, account_id, remote_id, display_name,
                handles_json, person_id, linked_by_user)
            VALUES ('teams', 'corp', 'T1', 'Alice Chen', '[]', 'alice', 1);
            """
        )

    db = open_database(db_path, clock=fixed_clock)
    try:
        people = PeopleRepository(db)
        stored = people.load_by_listing()
        assert [(i.key, i.person_id) for i in stored.listed] == [
            (key("T1", Platform.TEAMS, "corp"), "alice")
        ]
        assert stored.unlisted == []
        assert people.favourites() == {"alice"}
        assert raw(db_path, "SELECT linked_by_user, unlisted_at FROM identities") == [(1, None)]
        assert revision_of(db_path) == [("0005",)]
    finally:
        db.close()
