"""The WhatsApp webhook saved and removed as an account through the settings service: the
secrets and the account row together, and when either fails, a sentence saying what is left
and never a row without its secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts_service import NO_DATABASE, AccountsService
from presence_tray.core.secrets import MAIN_SECRET, SecretStoreUnavailableError
from presence_tray.settings_service import SettingsService
from presence_tray.storage.database import StorageWriteError
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.whatsapp_account import REMOVED, WEBHOOK_ACCOUNT
from tests.accounts.stores import MemorySecretStore
from tests.test_settings_service import new_runtime

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator

    from presence_tray.core.identity import AccountRef
    from presence_tray.core.preferences import Account
    from presence_tray.storage.local_store import LocalStore

TOKEN = "correct-horse-battery"
SECRET = "b2f0c6e1a3d94e7fa1c2d3e4f5a6b7c8"
LOCKED = "The keyring is locked: unlock it and try again."


class FlakyKeyring(MemorySecretStore):
    """A keyring in memory whose writes or deletes fail while the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.puts_fail = False
        self.deletes_fail = False

    async def put(self, account: AccountRef, secret: str, *, name: str = MAIN_SECRET) -> None:
        """Store, unless writes fail."""
        if self.puts_fail:
            raise SecretStoreUnavailableError(LOCKED)
        await super().put(account, secret, name=name)

    async def delete(self, account: AccountRef, *, name: str = MAIN_SECRET) -> None:
        """Forget, unless deletes fail."""
        if self.deletes_fail:
            raise SecretStoreUnavailableError(LOCKED)
        await super().delete(account, name=name)


class FlakyAccounts(AccountsRepository):
    """The real accounts table, whose saves or deletes fail while the test says so."""

    saves_fail = False
    deletes_fail = False

    def save(self, account: Account) -> None:
        """Save, unless saves fail."""
        if self.saves_fail:
            raise StorageWriteError("the disk is full")
        super().save(account)

    def delete(self, ref: AccountRef) -> None:
        """Delete, unless deletes fail."""
        if self.deletes_fail:
            raise StorageWriteError("the disk is full")
        super().delete(ref)


@dataclass
class Setup:
    """The settings service over a real database (its accounts read now, as in a connected
    run), and what it answered."""

    settings: SettingsService
    keyring: FlakyKeyring
    accounts: FlakyAccounts
    said: list[tuple[bool, str]] = field(default_factory=list)

    async def save(self) -> tuple[bool, str]:
        self.settings.start_whatsapp_webhook_save(TOKEN, SECRET, on_done=self._heard)
        await self.settings.flush()
        return self.said[-1]

    async def remove(self) -> tuple[bool, str]:
        self.settings.start_whatsapp_webhook_removal(on_done=self._heard)
        await self.settings.flush()
        return self.said[-1]

    def _heard(self, saved: bool, sentence: str) -> None:
        self.said.append((saved, sentence))

    def saved_rows(self) -> list[Account]:
        return self.accounts.list()


@pytest.fixture
async def setup(store: LocalStore) -> AsyncIterator[Setup]:
    keyring = FlakyKeyring()
    repository = FlakyAccounts(store.db)
    runtime = new_runtime(store)
    settings = SettingsService(runtime, accounts=AccountsService(repository, secrets=keyring))
    yield Setup(settings, keyring, repository)
    await settings.aclose()
    await runtime.aclose()


async def test_saving_keeps_both_and_removing_forgets_both(setup: Setup) -> None:
    saved, sentence = await setup.save()
    assert saved
    assert sentence.endswith(
        "Each message Meta sends to the local API is noted as its sender's last interaction."
    )
    assert setup.saved_rows() == [WEBHOOK_ACCOUNT]
    assert len(setup.keyring.named) == 2
    # Saving again replaces the secrets; the account is saved already.
    setup.accounts.saves_fail = True
    assert (await setup.save())[0]
    assert setup.saved_rows() == [WEBHOOK_ACCOUNT]
    assert (await setup.remove()) == (False, REMOVED)
    assert setup.saved_rows() == []
    assert setup.keyring.named == {}


async def test_an_account_that_cannot_be_saved_takes_its_secrets_with_it(
    setup: Setup, expected_warnings: list[logging.LogRecord]
) -> None:
    setup.accounts.saves_fail = True
    saved, sentence = await setup.save()
    assert not saved
    assert sentence == (
        "Nothing was kept: the webhook could not be saved as an account (the disk is full), so "
        "Presence Tray forgot the verify token and App Secret. Try again later."
    )
    assert setup.saved_rows() == []
    assert setup.keyring.named == {}
    assert await setup.settings.whatsapp_secrets.current() is None  # the routes refuse
    assert any("could not save the account" in r.getMessage() for r in expected_warnings)


async def test_secrets_left_behind_by_a_locked_keyring_are_said(
    setup: Setup, expected_warnings: list[logging.LogRecord]
) -> None:
    setup.accounts.saves_fail = True
    setup.keyring.deletes_fail = True
    saved, sentence = await setup.save()
    assert not saved
    assert "could not be saved as an account (the disk is full)" in sentence
    assert f"its secrets stay in the keyring ({LOCKED}): press Remove" in sentence
    assert setup.saved_rows() == []  # secrets without an account, never the other way round
    assert await setup.settings.whatsapp_secrets.current() is None
    assert expected_warnings


async def test_a_locked_keyring_saves_no_account(setup: Setup) -> None:
    setup.keyring.puts_fail = True
    assert (await setup.save()) == (False, f"Nothing was saved. {LOCKED}")
    assert setup.saved_rows() == []


async def test_an_account_that_cannot_be_deleted_keeps_its_secrets(setup: Setup) -> None:
    await setup.save()
    setup.accounts.deletes_fail = True
    saved, sentence = await setup.remove()
    assert saved
    assert sentence.startswith(
        "Nothing was removed: the account could not be deleted (the disk is full), so the "
        "verify token and App Secret stay too"
    )
    assert setup.saved_rows() == [WEBHOOK_ACCOUNT]
    assert len(setup.keyring.named) == 2
    assert await setup.settings.whatsapp_secrets.current() is not None


async def test_secrets_a_locked_keyring_keeps_after_removal_are_said(setup: Setup) -> None:
    await setup.save()
    setup.keyring.deletes_fail = True
    saved, sentence = await setup.remove()
    assert not saved
    assert sentence == f"WhatsApp messages stop now, but the secrets stay in the keyring: {LOCKED}"
    assert setup.saved_rows() == []
    assert await setup.settings.whatsapp_secrets.current() is None


async def test_without_a_database_nothing_is_saved() -> None:
    keyring = MemorySecretStore()
    runtime = new_runtime(None)
    settings = SettingsService(runtime, accounts=AccountsService(None, secrets=keyring))
    said: list[tuple[bool, str]] = []
    try:
        settings.start_whatsapp_webhook_save(
            TOKEN, SECRET, on_done=lambda saved, sentence: said.append((saved, sentence))
        )
        await settings.flush()
    finally:
        await settings.aclose()
        await runtime.aclose()
    assert said == [(False, f"Nothing was saved. {NO_DATABASE}")]
    assert keyring.named == {}
