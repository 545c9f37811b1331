"""Connecting LinkedIn from the Accounts tab: OpenID Connect at the real test server (a
scripted user logs in and consents), the token in the real keyring, and the account listed as
signed in with the sentence that LinkedIn shares no presence."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QApplication

from presence_tray.accounts_service import AccountsService
from presence_tray.core.dnd import DndSchedule
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Preferences
from presence_tray.core.secrets import SECRET_NAMES
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.runtime import Runtime
from presence_tray.settings_service import SettingsService
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.storage.secrets import KeyringSecretStore
from presence_tray.ui.settings.accounts_tab import AccountsTab
from tests.accounts.browser import ScriptedUser

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.servers.oidc_server import OidcServer

pytestmark = [pytest.mark.oidc, pytest.mark.keyring]

NO_PRESENCE = "LinkedIn shares no presence, so there is nothing more to read"


async def wait_for(condition: Callable[[], bool], seconds: float = 40.0) -> None:
    """Run the loop and Qt's events until ``condition`` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        QApplication.processEvents()
        await asyncio.sleep(0.02)


async def test_linkedin_connects_and_is_listed_as_sharing_no_presence(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock, oidc_server: OidcServer
) -> None:
    user = ScriptedUser(username=f"user-{uuid.uuid4().hex[:10]}")
    store = await LocalStore.open(tmp_path / "presence-tray.sqlite3")
    keyring = KeyringSecretStore()
    accounts = AccountsService(
        AccountsRepository(store.db),
        secrets=keyring,
        open_browser=user.open_browser,
        sign_in_server=oidc_server.issuer,
        sign_in_timeout=30,
        http_timeout=10,
    )
    runtime = Runtime(
        clock,
        hub,
        ClientSupervisor(hub, clock),
        [],
        simulated=True,
        preferences=Preferences(),
        store=None,
        notices=[],
    )
    tab = AccountsTab(SettingsService(runtime, DndSchedule(), accounts=accounts))
    qtbot.addWidget(tab)
    ref = AccountRef(Platform.LINKEDIN, user.username)
    try:
        section = tab.sections[Platform.LINKEDIN]
        assert section.capabilities.text() == "no presence"
        section.connect_button.click()
        dialog = tab.connect_dialog
        assert dialog is not None
        dialog.form.fields["client_id"].setText("desktop-app")
        dialog.connect_button.click()
        await wait_for(lambda: tab.connect_dialog is None)
        await user.finished()

        label = f"User {user.username} ({user.username}@example.org)"
        assert tab.message.sentence == f"Connected to LinkedIn as {label}; {NO_PRESENCE}."
        line = section.lines[ref]
        assert line.label.text() == label
        assert line.state.text() == f"signed in as {label}; {NO_PRESENCE}"
        assert await keyring.get(ref)  # the token is in the keyring
    finally:
        tab.close()
        await accounts.aclose()
        for name in SECRET_NAMES:
            await keyring.delete(ref, name=name)
        await store.aclose()
