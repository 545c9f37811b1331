"""The start-up look at the saved accounts: one read-only query that never fails."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from presence_tray.storage.probe import saved_account_kinds
from presence_tray.storage.repositories import AccountsRepository

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.storage.database import Database


def test_no_file_has_no_accounts(db_path: Path) -> None:
    assert saved_account_kinds(db_path) == []
    assert not db_path.exists()  # looking never creates the file


def test_a_database_without_accounts_has_none(db: Database, db_path: Path) -> None:
    del db
    assert saved_account_kinds(db_path) == []


def test_each_saved_account_with_how_it_was_connected_and_the_file_left_alone(
    db: Database, db_path: Path
) -> None:
    accounts = AccountsRepository(db)
    accounts.save(
        Account(AccountRef(Platform.DISCORD, "bot"), "Bot", settings={"method": "bot_token"})
    )
    accounts.save(Account(AccountRef(Platform.SLACK, "T1"), "Acme workspace"))  # no method
    before = db_path.read_bytes()
    assert sorted(saved_account_kinds(db_path)) == [("discord", "bot_token"), ("slack", None)]
    assert db_path.read_bytes() == before


def test_a_damaged_or_foreign_file_has_no_accounts(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    assert saved_account_kinds(garbage) == []
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    assert saved_account_kinds(foreign) == []
    assert saved_account_kinds(tmp_path) == []  # a folder, not a file
