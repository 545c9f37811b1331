"""The start-up look for saved accounts: one read-only query that never fails."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from presence_tray.storage.probe import has_saved_accounts
from presence_tray.storage.repositories import AccountsRepository

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.storage.database import Database


READ = (Platform.SLACK, Platform.TEAMS)


def test_no_file_has_no_accounts(db_path: Path) -> None:
    assert not has_saved_accounts(db_path, READ)
    assert not db_path.exists()  # looking never creates the file


def test_a_database_without_accounts_has_none(db: Database, db_path: Path) -> None:
    del db
    assert not has_saved_accounts(db_path, READ)


def test_a_saved_account_on_a_platform_asked_about_is_found_and_the_file_left_alone(
    db: Database, db_path: Path
) -> None:
    AccountsRepository(db).save(Account(AccountRef(Platform.DISCORD, "bot"), "Presence bot"))
    assert not has_saved_accounts(db_path, READ)  # a Discord account alone does not count
    AccountsRepository(db).save(Account(AccountRef(Platform.SLACK, "T1"), "Acme workspace"))
    before = db_path.read_bytes()
    assert has_saved_accounts(db_path, READ)
    assert not has_saved_accounts(db_path, ())
    assert db_path.read_bytes() == before


def test_a_damaged_or_foreign_file_has_no_accounts(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    assert not has_saved_accounts(garbage, READ)
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    assert not has_saved_accounts(foreign, READ)
    assert not has_saved_accounts(tmp_path, READ)  # a folder, not a file
