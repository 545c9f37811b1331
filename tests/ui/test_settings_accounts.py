"""The Accounts tab over the real settings service: every platform with what it can do, the
simulated accounts following their state, Connect enabled or saying why not, and the simulated
network switched live and remembered; and the shell's one settings window. (Connect,
Reconnect and Disconnect themselves: test_settings_accounts_connect.py.)"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from presence_tray.core.client import AccountHealth
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.supervisor import AccountStatus
from presence_tray.platforms.capabilities import PLATFORM_CAPABILITIES
from presence_tray.ui.settings.platform_section import capability_words
from presence_tray.ui.shell import TrayShell
from tests.fakes import StatusSettingClient
from tests.ui.settings_helpers import Harness, settings_dialog, started_shell

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub

SLACK = AccountRef(Platform.SLACK, "acct")


@pytest.fixture
async def harness(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[Harness]:
    clients = [StatusSettingClient(Platform.SLACK), StatusSettingClient(Platform.MATRIX)]
    async with settings_dialog(qtbot, tmp_path, hub, clock, clients=clients) as opened:
        await asyncio.sleep(0)  # the clients report live
        yield opened


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        (Platform.SLACK, "polled every 60 s · can set my status"),
        (Platform.DISCORD, "live"),
        (Platform.MATRIX, "live · can set my status"),
        (Platform.WHATSAPP, "last interaction only"),
        (Platform.LINKEDIN, "no presence"),
    ],
)
def test_capability_words(platform: Platform, words: str) -> None:
    assert capability_words(PLATFORM_CAPABILITIES[platform]) == words


async def test_every_platform_is_listed_with_its_simulated_account_following_its_state(
    harness: Harness, qtbot: QtBot
) -> None:
    tab = harness.dialog.accounts
    service = harness.service
    assert set(tab.sections) == set(Platform)
    slack = tab.sections[Platform.SLACK]
    assert list(slack.lines) == [SLACK]
    simulated = slack.lines[SLACK]
    assert simulated.label.text() == "Slack (simulated)"
    assert simulated.disconnect_button.isHidden()  # (the dialog itself is not shown)
    assert simulated.reconnect_button.isHidden()
    assert slack.connect_button.text() == "Connect…"
    assert not tab.sections[Platform.DISCORD].no_account.isHidden()
    assert slack.no_account.isHidden()
    for platform, section in tab.sections.items():  # enabled, or disabled saying why
        reason = (
            ""
            if service.connect_methods(platform)
            else service.connect_unavailable_reason(platform)
        )
        assert section.connect_button.isEnabled() == (not reason)
        assert section.connect_button.toolTip() == reason
    harness.runtime.supervisor.set_status(
        AccountStatus(SLACK, AccountHealth.NEEDS_RECONNECT, message="Slack refused the sign-in")
    )
    (row,) = service.account_rows(Platform.SLACK)
    qtbot.waitUntil(lambda: simulated.state.text() == row.state, timeout=1000)
    assert "needs reconnect" in row.state


async def test_the_simulated_network_switches_live_and_is_remembered(
    harness: Harness, qtbot: QtBot
) -> None:
    tab = harness.dialog.accounts
    supervisor = harness.runtime.supervisor
    tab.simulated_network.setChecked(False)
    await harness.settle(qtbot)
    assert {status.health for status in supervisor.statuses()} == {AccountHealth.STOPPED}
    assert not (await harness.saved())[0].simulated_network
    tab.simulated_network.setChecked(True)
    await harness.settle(qtbot)
    await asyncio.sleep(0)
    assert {status.health for status in supervisor.statuses()} == {AccountHealth.LIVE}
    assert (await harness.saved())[0].simulated_network


async def test_the_shell_opens_one_settings_window_and_raises_it(
    harness: Harness, hub: PresenceHub, clock: ManualClock
) -> None:
    shell = TrayShell(
        hub, harness.runtime.supervisor, clock, simulated_network=True, tray_available=False
    )
    notices: list[str] = []
    shell.show_notice = notices.append  # type: ignore[method-assign]
    try:
        shell.open_settings()  # before saved data has loaded: a sentence, no window
        assert shell.settings_dialog is None
        assert notices == ["Settings open once your saved data has loaded; try again shortly."]
        shell.use_settings(harness.service)
        shell.open_settings()
        first = shell.settings_dialog
        assert first is not None
        assert first.isVisible()
        first.hide()
        shell.open_settings()
        assert shell.settings_dialog is first
        assert first.isVisible()
    finally:
        shell.close()
    assert not first.isVisible()


async def test_ctrl_comma_in_the_contacts_window_opens_the_settings(
    harness: Harness, hub: PresenceHub, clock: ManualClock, qtbot: QtBot
) -> None:
    shell = TrayShell(
        hub, harness.runtime.supervisor, clock, simulated_network=True, tray_available=False
    )
    shell.use_settings(harness.service)
    try:
        shell.start()  # no tray: the contacts window opens
        window = shell.contacts_window
        assert window is not None
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=1000)
        qtbot.keyClick(window.search_field, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        assert shell.settings_dialog is not None
        assert shell.settings_dialog.isVisible()
    finally:
        shell.close()


async def test_the_shell_remembers_the_size_the_user_gives_the_window(
    harness: Harness, hub: PresenceHub, clock: ManualClock
) -> None:
    with started_shell(harness, hub, clock, tray_available=False) as shell:
        window = shell.contacts_window
        assert window is not None
        shell.use_settings(harness.service)
        window.size_chosen.emit(480, 640)
        assert harness.service.preferences.contacts_window_size == (480, 640)
        await harness.service.flush()
        saved, _ = await harness.saved()
        assert saved.contacts_window_size == (480, 640)
        window.size_chosen.emit(0, 640)  # no screen has that: the old size stays
        assert harness.service.preferences.contacts_window_size == (480, 640)
    # The next start's window opens at that size (settings are there before the window).
    again = TrayShell(
        hub, harness.runtime.supervisor, clock, simulated_network=True, tray_available=False
    )
    again.use_settings(harness.service)
    again.start()
    try:
        window = again.contacts_window
        assert window is not None
        assert (window.width(), window.height()) == (480, 640)
    finally:
        again.close()
