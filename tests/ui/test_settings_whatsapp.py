""" "Receive WhatsApp messages" in the Accounts tab: what it explains, the callback path (or
that the local API is off), the secrets kept in the keyring and never shown back, Remove; over
the agreed backend protocol (a fake) and over the real settings service (keyring in memory,
a real database): a saved webhook is an account the section lists, with no Disconnect of its
own, saying it is read from the next start while the simulated network shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.rows import NEXT_START
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.settings_service import SettingsService
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.ui.settings.accounts_tab import AccountsTab
from presence_tray.ui.settings.platform_section import PlatformSection
from presence_tray.ui.settings.whatsapp_setup import (
    LOCAL_API_OFF,
    NEVER_SHOWN,
    NOT_RECEIVING,
    NOT_SAVED,
    SAVED,
    SAVED_PLACEHOLDER,
    TITLE,
    WhatsAppSetup,
)
from presence_tray.whatsapp_account import JUST_SAVED, REMOVED, WEBHOOK_ACCOUNT, WEBHOOK_LABEL
from presence_tray.whatsapp_webhook import (
    APP_SECRET_NAME,
    VERIFY_TOKEN_NAME,
    WEBHOOK_SECRETS_ACCOUNT,
)
from tests.accounts.stores import MemorySecretStore
from tests.test_settings_service import new_runtime
from tests.ui.connect_fakes import FakeAccountsBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from PySide6.QtWidgets import QLabel
    from pytestqt.qtbot import QtBot

    from presence_tray.storage.local_store import LocalStore


class CountingSecretStore(MemorySecretStore):
    """Counts reads: opening the settings must not ask the keyring (it could prompt)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get(self, account: AccountRef, *, name: str = "") -> str | None:
        """Count, then read."""
        self.reads += 1
        return await super().get(account, name=name)


TOKEN = "correct-horse-battery"
SECRET = "b2f0c6e1a3d94e7fa1c2d3e4f5a6b7c8"


def make_setup(qtbot: QtBot, backend: FakeAccountsBackend | SettingsService) -> WhatsAppSetup:
    tab = AccountsTab(backend)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.whatsapp_setup is not None
    return tab.whatsapp_setup


def every_text(setup: WhatsAppSetup) -> str:
    """Everything the panel shows or says to a screen reader, fields included."""
    from PySide6.QtWidgets import QLabel, QLineEdit

    texts = [label.text() for label in setup.findChildren(QLabel)]
    texts += [
        f"{field.text()} {field.placeholderText()} {field.displayText()}"
        for field in setup.findChildren(QLineEdit)
    ]
    return "\n".join(texts)


def test_whatsapp_offers_receiving_messages_in_place_of_connect(qtbot: QtBot) -> None:
    backend = FakeAccountsBackend(api_address="http://127.0.0.1:8765")
    setup = make_setup(qtbot, backend)
    section = setup.parentWidget()
    assert isinstance(section, PlatformSection)
    assert section.platform is Platform.WHATSAPP
    assert setup.isVisible()
    assert section.connect_button.isHidden()
    assert setup.title.text() == TITLE
    assert "does not share presence" in setup.explanation.text()
    assert "messaged you 5 min ago" in setup.explanation.text()
    assert "tunnel" in setup.explanation.text()
    assert setup.callback.text().startswith(
        "Callback path: /webhooks/whatsapp on the local API at http://127.0.0.1:8765"
    )
    # The keyring is not asked on opening (it could prompt to unlock): nothing known yet.
    assert setup.state.sentence == NEVER_SHOWN
    assert setup.save_button.isEnabled()
    assert setup.remove_button.isEnabled()


def test_without_the_local_api_it_says_messages_cannot_arrive(qtbot: QtBot) -> None:
    setup = make_setup(qtbot, FakeAccountsBackend())
    assert setup.callback.text() == LOCAL_API_OFF


def test_save_and_remove_through_the_backend(qtbot: QtBot) -> None:
    backend = FakeAccountsBackend(webhook_known=False)
    setup = make_setup(qtbot, backend)
    assert setup.state.sentence == NOT_SAVED
    assert not setup.remove_button.isEnabled()

    setup.save_button.click()  # nothing typed: the sentence, nothing asked
    assert setup.message.sentence == "Enter both."
    assert backend.webhook_saved == []

    setup.verify_token.setText(TOKEN)
    setup.app_secret.setText(SECRET)
    setup.save_button.click()
    assert backend.webhook_saved == [(TOKEN, SECRET)]
    assert not setup.save_button.isEnabled()  # until the keyring answers
    backend.webhook_calls[-1][1](True, JUST_SAVED)  # noqa: FBT003
    assert setup.message.sentence == JUST_SAVED
    assert setup.state.sentence == SAVED
    assert setup.verify_token.text() == setup.app_secret.text() == ""  # never shown back
    assert setup.app_secret.placeholderText() == SAVED_PLACEHOLDER
    assert setup.remove_button.isEnabled()
    assert TOKEN not in every_text(setup)
    assert SECRET not in every_text(setup)

    setup.remove_button.click()
    assert backend.webhook_calls[-1][0] == "remove"
    backend.webhook_calls[-1][1](False, REMOVED)  # noqa: FBT003
    assert setup.message.sentence == REMOVED
    assert setup.state.sentence == NOT_SAVED
    assert not setup.remove_button.isEnabled()
    assert setup.app_secret.placeholderText() == ""


def test_an_answer_after_the_dialog_closed_changes_nothing(qtbot: QtBot) -> None:
    backend = FakeAccountsBackend(webhook_known=True)
    tab = AccountsTab(backend)
    qtbot.addWidget(tab)
    setup = tab.whatsapp_setup
    assert setup is not None
    assert setup.state.sentence == SAVED
    setup.remove_button.click()
    tab.close_subscriptions()
    backend.webhook_calls[-1][1](False, REMOVED)  # noqa: FBT003
    assert setup.message.sentence is None


# -- over the real settings service -----------------------------------------------------------


@dataclass
class Served:
    """The real settings service of a simulated run, its accounts in a real database."""

    settings: SettingsService
    keyring: CountingSecretStore
    accounts: AccountsRepository


@pytest.fixture
async def service(store: LocalStore) -> AsyncIterator[Served]:
    """As the app wires a simulated run: accounts saved to the accounts' own database."""
    from presence_tray.accounts_service import AccountsService

    keyring = CountingSecretStore()
    repository = AccountsRepository(store.db)
    runtime = new_runtime(None)
    served = SettingsService(
        runtime,
        accounts=AccountsService(repository, secrets=keyring, reads_now=False),
    )
    served.use_local_api_address(lambda: "http://127.0.0.1:8765")
    yield Served(served, keyring, repository)
    await served.aclose()
    await runtime.aclose()


def shown_accounts(setup: WhatsAppSetup) -> PlatformSection:
    section = setup.parentWidget()
    assert isinstance(section, PlatformSection)
    return section


async def test_saving_keeps_the_secrets_and_an_account_removing_forgets_both(
    qtbot: QtBot, service: Served
) -> None:
    settings, keyring = service.settings, service.keyring
    setup = make_setup(qtbot, settings)
    section = shown_accounts(setup)
    assert setup.state.sentence == NEVER_SHOWN
    assert keyring.reads == 0  # opening the settings asked the keyring nothing
    assert section.no_account.isVisible()
    assert section.no_account.text() == NOT_RECEIVING
    setup.verify_token.setText("short")
    setup.app_secret.setText(SECRET)
    setup.save_button.click()
    assert "at least 8 characters" in (setup.message.sentence or "")
    assert keyring.named == {}
    setup.verify_token.setText(f" {TOKEN} ")
    setup.save_button.click()
    await settings.flush()
    # The switch from the simulated network happens at the next start, and the panel says so.
    assert setup.message.sentence is not None
    assert setup.message.sentence.startswith(JUST_SAVED)
    assert NEXT_START in setup.message.sentence
    assert keyring.named == {
        (WEBHOOK_SECRETS_ACCOUNT, VERIFY_TOKEN_NAME): TOKEN,
        (WEBHOOK_SECRETS_ACCOUNT, APP_SECRET_NAME): SECRET,
    }
    assert service.accounts.list() == [WEBHOOK_ACCOUNT]
    secrets = await settings.whatsapp_secrets.current()
    assert secrets is not None
    assert secrets.app_secret == SECRET

    # The section lists it as an account set up in the panel: no Disconnect of its own.
    qtbot.waitUntil(lambda: WEBHOOK_SECRETS_ACCOUNT in section.lines)
    line = section.lines[WEBHOOK_SECRETS_ACCOUNT]
    assert line.label.text() == WEBHOOK_LABEL
    assert line.state.text() == (
        f"set up; {NEXT_START}; until then Meta keeps trying to deliver the messages"
    )
    assert not section.no_account.isVisible()
    assert line.disconnect_button.isHidden()
    assert line.reconnect_button.isHidden()
    assert TOKEN not in every_text(setup)

    setup.remove_button.click()
    await settings.flush()
    assert keyring.named == {}
    assert service.accounts.list() == []
    assert await settings.whatsapp_secrets.current() is None
    assert setup.message.sentence == REMOVED
    assert setup.state.sentence == NOT_SAVED
    qtbot.waitUntil(lambda: not section.lines)
    assert section.no_account.text() == NOT_RECEIVING


async def test_a_saved_account_says_the_secrets_are_saved_without_asking_the_keyring(
    qtbot: QtBot, store: LocalStore
) -> None:
    """The next run: the account is saved, so its secrets were (the keyring is not asked)."""
    from presence_tray.accounts_service import AccountsService

    repository = AccountsRepository(store.db)
    repository.save(WEBHOOK_ACCOUNT)
    keyring = CountingSecretStore()
    runtime = new_runtime(None)
    accounts = AccountsService(repository, repository.list(), secrets=keyring)
    settings = SettingsService(runtime, accounts=accounts)
    try:
        setup = make_setup(qtbot, settings)
        assert setup.state.sentence == SAVED
        assert keyring.reads == 0
        line = shown_accounts(setup).lines[WEBHOOK_SECRETS_ACCOUNT]
        assert line.state.text() == (
            "set up; each message Meta sends to the local API is noted as its sender's last "
            "interaction"
        )
    finally:
        await settings.aclose()
        await runtime.aclose()


def test_whatsapp_still_says_it_cannot_be_connected(qtbot: QtBot) -> None:
    backend = FakeAccountsBackend()
    tab = AccountsTab(backend)
    qtbot.addWidget(tab)
    section = tab.sections[Platform.WHATSAPP]
    assert not section.connect_button.isEnabled()
    label: QLabel = section.capabilities
    assert label.text() == "last interaction only"
