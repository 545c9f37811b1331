"""The tray icon's words, badge and menu (its on-screen life is in test_desktop.py)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from presence_tray.core.client import AccountHealth, OwnStatus
from presence_tray.core.dnd import DndSchedule, Vacation
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.own_status import OwnStatusChoice, tomorrow_morning
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import AccountStatus
from presence_tray.ui.badges import Badge
from presence_tray.ui.tray import (
    NEUTRAL_BADGE,
    PresenceTrayIcon,
    account_problems,
    held_words,
    needs_attention,
    own_status_words,
    tray_tooltip,
    until_words,
)
from tests.ui.helpers import START

if TYPE_CHECKING:
    from collections.abc import Iterator

    from PySide6.QtGui import QAction
    from pytestqt.qtbot import QtBot

S = PresenceState
C = OwnStatusChoice
BERLIN = ZoneInfo("Europe/Berlin")
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


def test_tooltip_says_when_the_schedule_holds_notifications():
    counts = {S.ONLINE: 2}
    assert tray_tooltip(counts, [], "DND until 15:00", "notifications held until 18:00") == (
        "Presence Tray — 2 available · DND until 15:00 · notifications held until 18:00"
    )
    assert tray_tooltip(counts, [], None, "notifications held until 18:00") == (
        "Presence Tray — 2 available · notifications held until 18:00"
    )


def test_held_words_follow_the_do_not_disturb_schedule():
    now = datetime(2026, 3, 4, 14, 0).timestamp()  # noqa: DTZ001 - local time, like the tray
    locale = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert held_words(DndSchedule(), now, locale) is None
    snoozed = DndSchedule(snooze_until=now + 3600)
    assert held_words(snoozed, now, locale) == "notifications held until 15:00"
    assert held_words(snoozed, now + 3600, locale) is None
    away = held_words(DndSchedule(vacation=Vacation(now - 60, now + 2 * 86_400)), now, locale)
    assert away is not None
    assert away.startswith("notifications held until ")


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


def texts(menu: QMenu) -> list[str]:
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def item(menu: QMenu, text: str) -> QAction:
    (found,) = [action for action in menu.actions() if action.text() == text]
    return found


def test_menu_has_only_what_is_built(tray: PresenceTrayIcon):
    assert texts(tray.menu) == [
        "Set my status",
        "Do not disturb",
        "Open contacts",
        "Settings…",
        "Quit",
    ]
    assert tray.contextMenu() is tray.menu
    status_menu = item(tray.menu, "Set my status").menu()
    assert status_menu is tray.status_menu
    assert texts(status_menu) == ["Available", "Busy", "Do not disturb", "Away", "Appear offline"]
    dnd_menu = item(status_menu, "Do not disturb").menu()
    assert isinstance(dnd_menu, QMenu)
    assert texts(dnd_menu) == ["For 30 minutes", "For 1 hour", "Until tomorrow"]
    switch = item(tray.menu, "Do not disturb")
    assert switch is tray.dnd_switch
    assert switch.isCheckable()
    assert not switch.isChecked()
    every = [*tray.menu.actions(), *status_menu.actions(), *dnd_menu.actions()]
    assert all(action.isEnabled() for action in every)
    # Every leaf does something: it is connected to a slot, or opens a submenu.
    for action in every:
        if not action.isSeparator() and action.menu() is None:
            assert action.receivers("2triggered(bool)") > 0, action.text()


@pytest.mark.parametrize(
    ("path", "choice"),
    [
        (["Set my status", "Available"], C.AVAILABLE),
        (["Set my status", "Busy"], C.BUSY),
        (["Set my status", "Do not disturb", "For 30 minutes"], C.DND_30_MIN),
        (["Set my status", "Do not disturb", "For 1 hour"], C.DND_1_HOUR),
        (["Set my status", "Do not disturb", "Until tomorrow"], C.DND_UNTIL_TOMORROW),
        (["Set my status", "Away"], C.AWAY),
        (["Set my status", "Appear offline"], C.APPEAR_OFFLINE),
    ],
)
def test_status_items_report_their_choice(
    tray: PresenceTrayIcon, qtbot: QtBot, path: list[str], choice: OwnStatusChoice
):
    menu = tray.menu
    for text in path[:-1]:
        submenu = item(menu, text).menu()
        assert isinstance(submenu, QMenu)
        menu = submenu
    action = item(menu, path[-1])
    assert tray.choice_action(choice) is action
    with qtbot.waitSignal(tray.status_chosen, timeout=500) as blocker:
        action.trigger()
    assert blocker.args == [choice.value]


def test_dnd_switch_turns_dnd_on_and_off(tray: PresenceTrayIcon, qtbot: QtBot):
    with qtbot.waitSignal(tray.status_chosen, timeout=500) as blocker:
        tray.dnd_switch.trigger()
    assert blocker.args == [C.DND.value]
    tray.show_own_status(OwnStatus(S.BUSY, dnd=True), now=START)
    assert tray.dnd_switch.isChecked()
    with qtbot.waitSignal(tray.status_chosen, timeout=500) as blocker:
        tray.dnd_switch.trigger()
    assert blocker.args == [C.AVAILABLE.value]
    assert tray.choice_action(C.DND) is tray.dnd_switch


def test_own_status_checks_the_menu_and_fills_the_tooltip(tray: PresenceTrayIcon):
    tray.set_summary({S.ONLINE: 5, S.BUSY: 3}, [])
    tray.show_own_status(OwnStatus(S.AWAY), now=START)
    assert tray.badge == Badge(S.AWAY)
    assert tray.choice_action(C.AWAY).isChecked()
    assert not tray.choice_action(C.AVAILABLE).isChecked()
    assert not tray.dnd_switch.isChecked()
    assert tray.toolTip() == "Presence Tray — 5 available · 3 busy"
    tray.show_own_status(OwnStatus(S.BUSY, dnd=True), now=START)
    assert tray.badge == Badge(S.BUSY, dnd=True)
    assert tray.dnd_switch.isChecked()
    assert not any(tray.choice_action(c).isChecked() for c in (C.AWAY, C.BUSY, C.AVAILABLE))
    assert tray.toolTip() == "Presence Tray — 5 available · 3 busy · Do not disturb"
    until = START + 1800
    tray.show_own_status(OwnStatus(S.BUSY, dnd=True, until=until), now=START)
    assert tray.toolTip() == (
        f"Presence Tray — 5 available · 3 busy · DND until {until_words(until, START)}"
    )
    tray.show_own_status(None, now=START)
    assert tray.badge == NEUTRAL_BADGE
    assert not tray.dnd_switch.isChecked()
    assert tray.toolTip() == "Presence Tray — 5 available · 3 busy"


def test_until_words_follow_the_locale_and_the_day(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        now = datetime(2024, 6, 10, 14, 5, tzinfo=BERLIN).timestamp()
        at_three = datetime(2024, 6, 10, 15, 0, tzinfo=BERLIN).timestamp()
        german = QLocale(QLocale.Language.German, QLocale.Country.Germany)
        american = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
        assert until_words(at_three, now, german) == "15:00"
        assert until_words(at_three, now, american).replace("\u202f", " ") == "3:00 PM"
        morning = tomorrow_morning(now)
        assert until_words(morning, now, german) == "tomorrow 08:00"
        later = datetime(2024, 6, 14, 9, 30, tzinfo=BERLIN).timestamp()
        assert until_words(later, now, german) == "14.06.24 09:30"
        status = OwnStatus(S.BUSY, dnd=True, until=at_three)
        assert own_status_words(status, now, german) == "DND until 15:00"
        assert own_status_words(OwnStatus(S.BUSY), now, german) is None
        assert own_status_words(None, now, german) is None
    finally:
        monkeypatch.undo()
        time.tzset()


def test_menu_actions_and_left_click_report_requests(tray: PresenceTrayIcon, qtbot: QtBot):
    open_action = item(tray.menu, "Open contacts")
    quit_action = item(tray.menu, "Quit")
    with qtbot.waitSignal(tray.open_requested, timeout=500):
        open_action.trigger()
    with qtbot.waitSignal(tray.settings_requested, timeout=500):
        item(tray.menu, "Settings…").trigger()
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
