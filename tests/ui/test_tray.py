"""The tray icon's words, badge and menu (its on-screen life is in test_desktop.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from presence_tray.core.client import AccountHealth
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import AccountStatus
from presence_tray.ui.badges import Badge
from presence_tray.ui.tray import (
    NEUTRAL_BADGE,
    PresenceTrayIcon,
    account_problems,
    needs_attention,
    tray_tooltip,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

S = PresenceState
ZOOM = AccountRef(Platform.ZOOM, "z1")
SLACK = AccountRef(Platform.SLACK, "s1")
TEAMS = AccountRef(Platform.TEAMS, "t1")


@pytest.fixture
def tray() -> Iterator[PresenceTrayIcon]:
    icon = PresenceTrayIcon()
    yield icon
    icon.deleteLater()


def test_tooltip_counts_and_problems():
    counts = {S.ONLINE: 5, S.BUSY: 3, S.OFFLINE: 12}
    assert tray_tooltip(counts, []) == "Presence Tray — 5 available · 3 busy · 12 offline"
    statuses = [
        AccountStatus(ZOOM, AccountHealth.RECONNECTING),
        AccountStatus(SLACK, AccountHealth.NEEDS_RECONNECT),
        AccountStatus(TEAMS, AccountHealth.LIVE),
    ]
    assert tray_tooltip(counts, statuses).splitlines() == [
        "Presence Tray — 5 available · 3 busy · 12 offline",
        "Zoom reconnecting",
        "Slack needs reconnecting",
    ]


def test_problems_and_attention():
    assert account_problems([AccountStatus(TEAMS, AccountHealth.CONNECTING)]) == []
    assert account_problems([AccountStatus(TEAMS, AccountHealth.FAILED)]) == [
        "Teams stopped working"
    ]
    assert account_problems([AccountStatus(ZOOM, AccountHealth.DEGRADED)]) == [
        "Zoom working with limits"
    ]
    assert not needs_attention([AccountStatus(ZOOM, AccountHealth.RECONNECTING)])
    assert needs_attention([AccountStatus(SLACK, AccountHealth.NEEDS_RECONNECT)])


def test_menu_has_only_what_is_built(tray: PresenceTrayIcon):
    texts = [action.text() for action in tray.menu.actions() if not action.isSeparator()]
    assert texts == ["Open contacts", "Quit"]
    assert tray.contextMenu() is tray.menu


def test_menu_actions_and_left_click_report_requests(tray: PresenceTrayIcon, qtbot: QtBot):
    open_action, _separator, quit_action = tray.menu.actions()
    with qtbot.waitSignal(tray.open_requested, timeout=500):
        open_action.trigger()
    with qtbot.waitSignal(tray.quit_requested, timeout=500):
        quit_action.trigger()
    with qtbot.waitSignal(tray.toggle_requested, timeout=500):
        tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    with qtbot.assertNotEmitted(tray.toggle_requested):
        tray.activated.emit(QSystemTrayIcon.ActivationReason.DoubleClick)
        tray.activated.emit(QSystemTrayIcon.ActivationReason.Context)


def test_own_state_and_warning_change_the_icon(tray: PresenceTrayIcon):
    assert tray.badge == NEUTRAL_BADGE
    neutral = tray.icon().pixmap(22, 22).toImage()
    tray.set_own_state(S.BUSY, dnd=True)
    assert tray.badge == Badge(S.BUSY, dnd=True)
    busy = tray.icon().pixmap(22, 22).toImage()
    assert busy != neutral
    tray.set_summary({S.ONLINE: 1}, [AccountStatus(SLACK, AccountHealth.NEEDS_RECONNECT)])
    assert tray.warning
    assert tray.icon().pixmap(22, 22).toImage() != busy
    assert tray.toolTip() == "Presence Tray — 1 available\nSlack needs reconnecting"
    tray.set_summary({S.ONLINE: 1}, [AccountStatus(SLACK, AccountHealth.LIVE)])
    assert not tray.warning
    assert tray.icon().pixmap(22, 22).toImage() == busy
    tray.set_own_state(None)
    assert tray.badge == NEUTRAL_BADGE
