"""The runtime's start-up checks: the keyring is asked only when a saved account needs it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from presence_tray import cli
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from presence_tray.runtime import keyring_problem_for_saved_accounts, new_runtime
from presence_tray.storage import secrets
from presence_tray.storage.repositories import AccountsRepository

if TYPE_CHECKING:
    from presence_tray.storage.local_store import LocalStore

NO_KEYRING = "No system keyring was found."


@pytest.fixture
def keyring_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every keyring check made; each answers that there is no keyring."""
    checks: list[str] = []

    def check_backend() -> str:
        checks.append("checked")
        return NO_KEYRING

    monkeypatch.setattr(secrets, "check_backend", check_backend)
    return checks


async def test_without_a_saved_account_the_keyring_is_not_asked(
    store: LocalStore, keyring_checks: list[str]
) -> None:
    assert await keyring_problem_for_saved_accounts(store) is None
    assert keyring_checks == []


async def test_without_storage_the_keyring_is_not_asked(keyring_checks: list[str]) -> None:
    assert await keyring_problem_for_saved_accounts(None) is None
    assert keyring_checks == []


async def test_a_saved_account_has_the_keyring_checked_at_start(
    store: LocalStore, keyring_checks: list[str]
) -> None:
    AccountsRepository(store.db).save(Account(AccountRef(Platform.SLACK, "work"), "Work"))
    assert await keyring_problem_for_saved_accounts(store) == NO_KEYRING
    assert keyring_checks == ["checked"]


async def test_the_simulated_day_starts_where_start_says() -> None:
    wednesday_nine = datetime(2026, 11, 25, 9, 0, tzinfo=UTC).timestamp()
    options = cli.build_parser().parse_args(["--start", "2026-11-25T09:00Z"])
    runtime = new_runtime(options)
    assert wednesday_nine <= runtime.clock.now() < wednesday_nine + 60 * 60
