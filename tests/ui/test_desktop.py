"""The tray app on a real X server with a real tray host (Xvfb + trayer), driven by xdotool.

Run inside the test desktop: ``scripts/run-tests.sh`` starts it, or
``scripts/desktop-session.sh start`` and source its env file. The tray icon's place on screen is
``QSystemTrayIcon.geometry()`` once trayer has embedded it (it is (0, 0) until then).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from presence_tray.core.client import AccountHealth
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.own_status import OwnStatusChoice
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import AccountStatus, ClientSupervisor
from presence_tray.ui.aio import wait_for_signal
from presence_tray.ui.badges import Badge
from presence_tray.ui.contacts_model import Role
from presence_tray.ui.contacts_window import WINDOW_TITLE, ContactsWindow
from presence_tray.ui.shell import TrayShell
from tests.ui.connect_fakes import FakeAccountsBackend, Row

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.ui.tray import PresenceTrayIcon
    from tests.ui.helpers import AddressBook

pytestmark = pytest.mark.desktop

S = PresenceState
EMBED_TIMEOUT_MS = 5000
UI_TIMEOUT_MS = 3000


def run(*command: str) -> str:
    """Run an X tool and return its output."""
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=20)
    return done.stdout.strip()


class Mouse:
    """Real clicks from outside the app, through the X server.

    Two clicks closer than the double-click interval would reach Qt as a double click (which
    the tray deliberately ignores), so clicks are spaced like a person's.
    """

    def __init__(self, qtbot: QtBot) -> None:
        self._qtbot = qtbot
        self._last = -1e9

    def click(self, point: QPoint, button: int) -> None:
        gap_ms = QApplication.doubleClickInterval() + 100
        waited_ms = (time.monotonic() - self._last) * 1000
        if waited_ms < gap_ms:
            self._qtbot.wait(round(gap_ms - waited_ms))
        run("xdotool", "mousemove", str(point.x()), str(point.y()), "click", str(button))
        self._last = time.monotonic()


@pytest.fixture
def mouse(qtbot: QtBot) -> Mouse:
    return Mouse(qtbot)


def screenshot(path: Path) -> QImage:
    """The whole X screen, as a person would see it."""
    run("import", "-window", "root", str(path))
    image = QImage(str(path))
    assert not image.isNull()
    return image


def embedded(tray: QSystemTrayIcon) -> bool:
    geometry = tray.geometry()
    return geometry.width() > 0 and not geometry.topLeft().isNull()


@pytest.fixture
def supervisor(hub: PresenceHub, clock: ManualClock) -> ClientSupervisor:
    return ClientSupervisor(hub, clock)


@pytest.fixture
def shell(
    book: AddressBook,
    hub: PresenceHub,
    clock: ManualClock,
    supervisor: ClientSupervisor,
    qtbot: QtBot,
) -> Iterator[TrayShell]:
    assert QApplication.platformName() == "xcb"
    assert QSystemTrayIcon.isSystemTrayAvailable(), "no tray host: is trayer running?"
    for name, platform, state in [
        ("Alice Chen", Platform.SLACK, S.ONLINE),
        ("Bob Stone", Platform.TEAMS, S.BUSY),
        ("Carol Diaz", Platform.ZOOM, S.OFFLINE),
    ]:
        book.person(name, platform)
        book.set(name, state, platform)
    book.flush()
    tray_shell = TrayShell(hub, supervisor, clock, simulated_network=True)
    tray_shell.start()
    tray = tray_shell.tray_icon
    assert tray is not None
    qtbot.waitUntil(lambda: embedded(tray), timeout=EMBED_TIMEOUT_MS)
    yield tray_shell
    tray.menu.hide()
    tray_shell.close()
    if tray_shell.contacts_window is not None:
        tray_shell.contacts_window.deleteLater()
    qtbot.wait(50)  # let trayer drop the icon before the next test embeds one


def tray_of(shell: TrayShell) -> PresenceTrayIcon:
    tray = shell.tray_icon
    assert tray is not None
    return tray


def window_of(shell: TrayShell) -> ContactsWindow:
    window = shell.contacts_window
    assert window is not None
    return window


def is_app_blue(colour: QColor) -> bool:
    return colour.blue() > 170 and colour.red() < 110 and 70 < colour.green() < 160


def test_tray_icon_is_embedded_and_painted(shell: TrayShell, qtbot: QtBot, tmp_path: Path):
    tray = tray_of(shell)
    assert tray.isVisible()
    geometry = tray.geometry()
    screen = QApplication.primaryScreen().geometry()
    assert screen.contains(geometry)
    assert tray.toolTip() == "Presence Tray — 1 available · 1 busy · 1 offline"

    def icon_on_screen() -> bool:
        image = screenshot(tmp_path / "tray.png")
        background = image.pixelColor(geometry.topLeft())
        pixels = [
            image.pixelColor(x, y)
            for x in range(geometry.left(), geometry.right() + 1)
            for y in range(geometry.top(), geometry.bottom() + 1)
        ]
        differ = sum(pixel != background for pixel in pixels)
        blue = sum(is_app_blue(pixel) for pixel in pixels)
        return differ > 0.2 * len(pixels) and blue > 0.1 * len(pixels)

    qtbot.waitUntil(icon_on_screen, timeout=UI_TIMEOUT_MS)


def test_left_click_opens_the_window_near_the_tray_and_again_hides_it(
    shell: TrayShell, qtbot: QtBot, mouse: Mouse, tmp_path: Path
):
    tray = tray_of(shell)
    anchor = tray.geometry()
    assert shell.contacts_window is None  # built on first open
    mouse.click(anchor.center(), 1)
    qtbot.waitUntil(lambda: shell.contacts_window is not None, timeout=UI_TIMEOUT_MS)
    window = window_of(shell)
    qtbot.waitUntil(window.isVisible, timeout=UI_TIMEOUT_MS)
    qtbot.waitExposed(window)

    found = run("xdotool", "search", "--onlyvisible", "--name", "^Presence Tray")
    assert found, "the contacts window is not mapped on the X server"
    assert WINDOW_TITLE in [run("xdotool", "getwindowname", wid) for wid in found.split()]
    # trayer sits at the bottom right: the window opens just above the icon.
    frame = window.frameGeometry()
    assert frame.bottom() < anchor.top()
    assert abs(frame.right() - anchor.right()) < 30
    qtbot.waitUntil(window.search_field.hasFocus, timeout=UI_TIMEOUT_MS)

    # On screen, the first person's badge is green (Alice is available; row 0 is the header).
    view = window.list_view
    first = view.visualRect(window.proxy.index(1, 0))
    assert window.proxy.index(1, 0).data(Role.NAME) == "Alice Chen"
    badge = view.viewport().mapToGlobal(QPoint(first.left() + 14, first.center().y()))

    def badge_is_green() -> bool:
        pixel = screenshot(tmp_path / "window.png").pixelColor(badge)
        return pixel.green() > pixel.red() + 60

    qtbot.waitUntil(badge_is_green, timeout=UI_TIMEOUT_MS)

    mouse.click(anchor.center(), 1)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=UI_TIMEOUT_MS)


def test_right_click_opens_the_menu_and_quit_quits(shell: TrayShell, qtbot: QtBot, mouse: Mouse):
    tray = tray_of(shell)
    menu = tray.menu
    mouse.click(tray.geometry().center(), 3)
    qtbot.waitUntil(menu.isVisible, timeout=UI_TIMEOUT_MS)
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["Set my status", "Do not disturb", "Open contacts", "Settings…", "Quit"]
    run("xdotool", "key", "Escape")
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=UI_TIMEOUT_MS)

    mouse.click(tray.geometry().center(), 3)
    qtbot.waitUntil(menu.isVisible, timeout=UI_TIMEOUT_MS)
    quit_action = menu.actions()[-1]
    target: QRect = menu.actionGeometry(quit_action)
    with qtbot.waitSignal(shell.quit_requested, timeout=UI_TIMEOUT_MS):
        mouse.click(menu.mapToGlobal(target.center()), 1)


def test_open_contacts_from_the_menu(shell: TrayShell, qtbot: QtBot, mouse: Mouse):
    tray = tray_of(shell)
    mouse.click(tray.geometry().center(), 3)
    qtbot.waitUntil(tray.menu.isVisible, timeout=UI_TIMEOUT_MS)
    (open_action,) = [a for a in tray.menu.actions() if a.text() == "Open contacts"]
    mouse.click(tray.menu.mapToGlobal(tray.menu.actionGeometry(open_action).center()), 1)
    qtbot.waitUntil(
        lambda: shell.contacts_window is not None and shell.contacts_window.isVisible(),
        timeout=UI_TIMEOUT_MS,
    )
    assert not window_of(shell).no_tray_notice.isVisible()


def test_tooltip_and_icon_follow_people_and_accounts(
    shell: TrayShell, book: AddressBook, supervisor: ClientSupervisor, qtbot: QtBot
):
    tray = tray_of(shell)
    book.set("Carol Diaz", S.ONLINE, Platform.ZOOM)
    book.flush()
    qtbot.waitUntil(
        lambda: tray.toolTip() == "Presence Tray — 2 available · 1 busy", timeout=UI_TIMEOUT_MS
    )
    zoom = AccountRef(Platform.ZOOM, "acct")
    supervisor.set_status(AccountStatus(zoom, AccountHealth.RECONNECTING))
    qtbot.waitUntil(lambda: tray.toolTip().endswith("\nZoom reconnecting"), timeout=UI_TIMEOUT_MS)
    assert not tray.warning
    supervisor.set_status(AccountStatus(zoom, AccountHealth.NEEDS_RECONNECT))
    qtbot.waitUntil(lambda: tray.warning, timeout=UI_TIMEOUT_MS)
    assert tray.toolTip().endswith("\nZoom needs reconnecting")


async def test_set_my_status_away_through_the_real_menu(
    shell: TrayShell, qtbot: QtBot, mouse: Mouse, tmp_path: Path
):
    """Right click, hover "Set my status", click "Away": the badge in the tray turns away."""
    tray = tray_of(shell)
    assert tray.badge.state is S.UNKNOWN
    before = screenshot(tmp_path / "before.png").copy(tray.geometry())
    mouse.click(tray.geometry().center(), 3)
    qtbot.waitUntil(tray.menu.isVisible, timeout=UI_TIMEOUT_MS)
    (status_item,) = [a for a in tray.menu.actions() if a.text() == "Set my status"]
    hover = tray.menu.mapToGlobal(tray.menu.actionGeometry(status_item).center())
    run("xdotool", "mousemove", str(hover.x()), str(hover.y()))
    submenu = tray.status_menu
    qtbot.waitUntil(submenu.isVisible, timeout=UI_TIMEOUT_MS)
    away = tray.choice_action(OwnStatusChoice.AWAY)
    waiter = asyncio.ensure_future(wait_for_signal(shell.own_status_applied))
    await asyncio.sleep(0)
    target = submenu.mapToGlobal(submenu.actionGeometry(away).center())
    run("xdotool", "mousemove", str(target.x()), str(target.y()))
    qtbot.wait(QApplication.doubleClickInterval() + 100)
    mouse.click(target, 1)
    # The click reaches Qt during this wait; the status is then set on the asyncio loop.
    qtbot.waitUntil(lambda: not tray.menu.isVisible(), timeout=UI_TIMEOUT_MS)
    await asyncio.wait_for(waiter, 2)
    assert tray.badge == Badge(S.AWAY)
    assert away.isChecked()

    def icon_changed() -> bool:
        return screenshot(tmp_path / "after.png").copy(tray.geometry()) != before

    qtbot.waitUntil(icon_changed, timeout=UI_TIMEOUT_MS)


def test_a_saved_account_needing_a_reconnect_marks_the_tray(shell: TrayShell, qtbot: QtBot):
    tray = tray_of(shell)
    slack = AccountRef(Platform.SLACK, "T1:U1")
    backend = FakeAccountsBackend(rows={Platform.SLACK: [Row(slack, "alice · Acme")]})
    shell.use_settings(backend)
    assert not tray.warning
    backend.rows[Platform.SLACK] = [
        Row(slack, "alice · Acme", state="needs reconnecting", needs_reconnect=True)
    ]
    backend.changed(slack)
    qtbot.waitUntil(lambda: tray.warning, timeout=UI_TIMEOUT_MS)
    assert tray.toolTip().endswith("\nSlack needs reconnecting")
    backend.rows[Platform.SLACK] = [Row(slack, "alice · Acme")]
    backend.changed(slack)
    qtbot.waitUntil(lambda: not tray.warning, timeout=UI_TIMEOUT_MS)
    assert "Slack" not in tray.toolTip()


def test_the_tooltip_follows_a_steady_flow_of_changes(
    shell: TrayShell, book: AddressBook, qtbot: QtBot
):
    tray = tray_of(shell)
    seen: set[str] = set()
    for state in [S.ONLINE, S.BUSY] * 20:  # a change every 50 ms for two seconds
        book.set("Carol Diaz", state, Platform.ZOOM)
        book.flush()
        qtbot.wait(50)
        seen.add(tray.toolTip())
    # Throttled, not postponed until the flow stops: both counts were shown along the way.
    assert {"Presence Tray — 2 available · 1 busy", "Presence Tray — 1 available · 2 busy"} <= seen
