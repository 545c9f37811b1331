"""The shell without a tray (any platform); the tray side is in test_desktop.py."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.ui.contacts_window import NO_TRAY_NOTICE
from presence_tray.ui.shell import TrayShell

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from tests.ui.helpers import AddressBook


@pytest.fixture
def shell(hub: PresenceHub, clock: ManualClock, book: AddressBook) -> Iterator[TrayShell]:
    book.person("Alice Chen")
    book.set("Alice Chen", PresenceState.ONLINE)
    book.flush()
    supervisor = ClientSupervisor(hub, clock)
    tray_shell = TrayShell(hub, supervisor, clock, simulated_network=True, tray_available=False)
    yield tray_shell
    tray_shell.close()
    if tray_shell.contacts_window is not None:
        tray_shell.contacts_window.deleteLater()


def test_nothing_is_built_before_start(shell: TrayShell):
    assert shell.contacts_window is None
    assert shell.tray_icon is None
    assert shell.model is None
    with pytest.raises(RuntimeError, match="start"):
        shell.open_contacts()


def test_without_a_tray_the_window_is_shown_and_says_why(shell: TrayShell, qtbot: QtBot):
    shell.start()
    window = shell.contacts_window
    assert window is not None
    qtbot.waitExposed(window)
    assert shell.tray_icon is None
    assert window.no_tray_notice.isVisible()
    assert window.no_tray_notice.text() == NO_TRAY_NOTICE
    assert window.banner.isVisible()
    assert window.proxy.people_count() == 1
    shell.start()  # a second start changes nothing
    assert shell.contacts_window is window


def test_toggle_hides_and_shows(shell: TrayShell, qtbot: QtBot):
    shell.start()
    window = shell.contacts_window
    assert window is not None
    qtbot.waitExposed(window)
    shell.toggle_contacts()
    assert not window.isVisible()
    shell.toggle_contacts()
    assert window.isVisible()


async def test_closing_the_only_window_quits(shell: TrayShell):
    shell.start()
    window = shell.contacts_window
    assert window is not None
    waiter = asyncio.ensure_future(shell.wait_for_quit())
    await asyncio.sleep(0)
    assert not waiter.done()
    window.close()
    await asyncio.wait_for(waiter, 1)


async def test_quit_is_remembered(shell: TrayShell, qtbot: QtBot):
    shell.start()
    with qtbot.waitSignal(shell.quit_requested, timeout=500):
        shell.request_quit()
    with qtbot.assertNotEmitted(shell.quit_requested):
        shell.request_quit()
    await asyncio.wait_for(shell.wait_for_quit(), 1)  # already chosen: returns at once


def test_close_stops_listening(shell: TrayShell, book: AddressBook):
    shell.start()
    model = shell.model
    assert model is not None
    shell.close()
    book.person("Bob Stone")
    book.flush()
    assert model.rowCount() == 1
    assert shell.contacts_window is not None
    assert not shell.contacts_window.isVisible()


def test_asks_qt_whether_there_is_a_tray(
    hub: PresenceHub, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
):
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    shell = TrayShell(hub, ClientSupervisor(hub, clock), clock, simulated_network=False)
    shell.start()
    try:
        assert shell.tray_icon is None
        window = shell.contacts_window
        assert window is not None
        qtbot.waitExposed(window)
        assert window.no_tray_notice.isVisible()
        assert not window.banner.isVisible()
    finally:
        shell.close()


def test_notices_reach_the_window_before_and_after_it_opens(
    hub: PresenceHub, clock: ManualClock, qtbot: QtBot
):
    supervisor = ClientSupervisor(hub, clock)
    tray_shell = TrayShell(hub, supervisor, clock, simulated_network=True, tray_available=True)
    tray_shell.start()
    tray_shell.show_notice("The database was damaged; it was set aside.")
    tray_shell.open_contacts()
    window = tray_shell.contacts_window
    assert window is not None
    qtbot.waitExposed(window)
    assert window.app_notice.isVisible()
    tray_shell.show_notice("Saving works again.")
    assert window.app_notice.text() == (
        "The database was damaged; it was set aside.\nSaving works again."
    )
    tray_shell.close()
    window.deleteLater()
