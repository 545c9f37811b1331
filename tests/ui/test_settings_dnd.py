"""The Do not disturb tab: weekly rules (days, times, time zone, past midnight), vacation and
quick snooze, each applied at once, saved to a real SQLite file and read back; bad rules and
vacations get a sentence and are not saved."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QDate, QLocale, QTime
from PySide6.QtWidgets import QDateEdit

from presence_tray.core.dnd import DndSchedule, Vacation, WeeklyDndRule
from presence_tray.core.own_status import tomorrow_morning
from presence_tray.storage.local_store import LocalStore
from presence_tray.ui.settings.dnd_tab import date_format
from presence_tray.ui.settings.rule_editor import system_zone, zone_names
from tests.ui.settings_helpers import Harness, settings_dialog, started_shell

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.ui.settings.dnd_tab import DndTab

WEEKDAYS = frozenset(range(5))


@pytest.fixture
async def harness(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[Harness]:
    async with settings_dialog(qtbot, tmp_path, hub, clock) as opened:
        yield opened


def tab_of(harness: Harness) -> DndTab:
    return harness.dialog.dnd


async def settle(harness: Harness, qtbot: QtBot) -> None:
    await harness.settle(qtbot, *tab_of(harness).debouncers)


async def test_a_new_rule_uses_the_system_zone_and_is_saved(harness: Harness, qtbot: QtBot) -> None:
    tab = tab_of(harness)
    tab.add_rule_button.click()
    await settle(harness, qtbot)
    rule = WeeklyDndRule(WEEKDAYS, time(18), time(8), system_zone())
    assert harness.service.schedule.rules == (rule,)
    assert (await harness.saved())[1].rules == (rule,)
    editor = tab.rule_editors[0]
    assert editor.midnight.sentence == f"Until {editor.end.text()} the next day."


async def test_editing_days_times_and_zone_survives_a_restart(
    harness: Harness, qtbot: QtBot
) -> None:
    tab = tab_of(harness)
    tab.add_rule_button.click()
    editor = tab.rule_editors[0]
    editor.day_buttons[0].setChecked(False)  # not Mondays
    editor.day_buttons[6].setChecked(True)  # Sundays too
    editor.start.setTime(QTime(9, 0))
    editor.end.setTime(QTime(11, 30))
    editor.zone.setCurrentText("America/New_York")
    await settle(harness, qtbot)
    expected = WeeklyDndRule(frozenset({1, 2, 3, 4, 6}), time(9), time(11, 30), "America/New_York")
    assert (await harness.saved())[1].rules == (expected,)
    assert editor.midnight.sentence is None  # same day: nothing to explain


async def test_an_invalid_zone_is_an_inline_error_and_not_saved(
    harness: Harness, qtbot: QtBot
) -> None:
    tab = tab_of(harness)
    tab.add_rule_button.click()
    await settle(harness, qtbot)
    saved_rule = harness.service.schedule.rules
    tab.rule_editors[0].zone.setCurrentText("Mars/Olympus_Mons")
    await settle(harness, qtbot)
    assert tab.rule_editors[0].problem.sentence == (
        "'Mars/Olympus_Mons' is not a time zone this system knows; choose one from the list."
    )
    assert "no rule change is saved" in (tab.rules_problem.sentence or "")
    assert harness.service.schedule.rules == saved_rule
    assert (await harness.saved())[1].rules == saved_rule


async def test_a_rule_without_days_is_refused(harness: Harness, qtbot: QtBot) -> None:
    tab = tab_of(harness)
    tab.add_rule_button.click()
    await settle(harness, qtbot)
    for button in tab.rule_editors[0].day_buttons:
        button.setChecked(False)
    await settle(harness, qtbot)
    assert tab.rule_editors[0].problem.sentence == "Choose at least one day for this rule."
    assert (await harness.saved())[1].rules[0].weekdays == WEEKDAYS


async def test_removing_a_rule_saves_at_once(harness: Harness, qtbot: QtBot) -> None:
    tab = tab_of(harness)
    tab.add_rule_button.click()
    tab.add_rule_button.click()
    await settle(harness, qtbot)
    assert len((await harness.saved())[1].rules) == 2
    tab.rule_editors[0].remove.click()
    await settle(harness, qtbot)
    assert len(tab.rule_editors) == 1
    assert len((await harness.saved())[1].rules) == 1


async def test_a_stored_rule_whose_zone_vanished_is_shown_with_its_problem(
    qtbot: QtBot,
    tmp_path: Path,
    hub: PresenceHub,
    clock: ManualClock,
    expected_warnings: list[logging.LogRecord],
) -> None:
    # An older run saved a rule in a zone this system's time zone database no longer has.
    store = await LocalStore.open(tmp_path / "presence.db")
    await store.aclose()
    with sqlite3.connect(tmp_path / "presence.db") as connection:
        connection.execute(
            'INSERT INTO dnd_rules (weekdays, start, "end", timezone) '
            "VALUES (31, '09:00:00', '10:00:00', 'Atlantis/Capital')"
        )
    connection.close()
    async with settings_dialog(qtbot, tmp_path, hub, clock) as harness:
        assert [r.getMessage() for r in expected_warnings] == [
            "do-not-disturb rule uses unknown time zone 'Atlantis/Capital'; it is off"
        ]
        editor = harness.dialog.dnd.rule_editors[0]
        assert editor.zone.currentText() == "Atlantis/Capital"
        assert "not a time zone this system knows" in (editor.problem.sentence or "")
        assert not harness.service.dnd_now().on  # the rule is off, nothing crashed
        editor.zone.setCurrentText("Europe/Berlin")  # the user picks a real one: saved
        await settle(harness, qtbot)
        assert editor.problem.sentence is None
        assert (await harness.saved())[1].rules[0].timezone == "Europe/Berlin"


async def test_vacation_dates_and_message_survive_a_restart(harness: Harness, qtbot: QtBot) -> None:
    tab = tab_of(harness)
    tab.vacation.setChecked(True)
    tab.vacation_from.setDate(QDate(2030, 7, 1))
    tab.vacation_to.setDate(QDate(2030, 7, 14))
    tab.vacation_message.setText("Back on the 15th")
    await settle(harness, qtbot)
    start = datetime.combine(date(2030, 7, 1), time()).timestamp()
    end = datetime.combine(date(2030, 7, 15), time()).timestamp()
    assert (await harness.saved())[1].vacation == Vacation(start, end, "Back on the 15th")
    tab.vacation.setChecked(False)
    await settle(harness, qtbot)
    assert (await harness.saved())[1].vacation is None


async def test_a_vacation_ending_before_it_starts_is_refused(
    harness: Harness, qtbot: QtBot
) -> None:
    tab = tab_of(harness)
    tab.vacation_from.setDate(QDate(2030, 7, 14))
    tab.vacation_to.setDate(QDate(2030, 7, 1))
    tab.vacation.setChecked(True)
    await settle(harness, qtbot)
    assert tab.vacation_problem.sentence == (
        "The vacation cannot end before it starts; choose a later last day."
    )
    assert (await harness.saved())[1].vacation is None


async def test_quick_snooze_and_its_end(harness: Harness, qtbot: QtBot, clock: ManualClock) -> None:
    tab = tab_of(harness)
    now = clock.now()
    assert tab.status.text() == "Do not disturb is off now."
    assert not tab.end_snooze.isEnabled()
    tab.snooze_buttons["1 h"].click()
    assert harness.service.schedule.snooze_until == now + 3600
    assert tab.status.text().startswith("Do not disturb is on until ")
    assert tab.end_snooze.isEnabled()
    await settle(harness, qtbot)
    assert (await harness.saved())[1].snooze_until == now + 3600
    tab.snooze_buttons["Until tomorrow morning"].click()
    assert harness.service.schedule.snooze_until == tomorrow_morning(now)
    assert "tomorrow" in tab.status.text()
    tab.end_snooze.click()
    await settle(harness, qtbot)
    assert (await harness.saved())[1].snooze_until is None
    assert tab.status.text() == "Do not disturb is off now."


async def test_the_status_line_follows_a_rule_running_now(
    harness: Harness, qtbot: QtBot, clock: ManualClock
) -> None:
    now = datetime.fromtimestamp(clock.now()).astimezone()
    zone = system_zone()
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    rule = WeeklyDndRule(frozenset(range(7)), start, end, zone)
    harness.service.set_schedule(DndSchedule(rules=(rule,)))
    tab = tab_of(harness)
    tab.refresh_status()
    assert tab.status.text().startswith("Do not disturb is on until ")


def test_the_zone_chooser_offers_every_known_zone(harness: Harness) -> None:
    assert "Europe/Berlin" in zone_names()
    assert "America/New_York" in zone_names()
    assert system_zone() in zone_names() or system_zone() == "UTC"


async def test_the_status_line_refreshes_only_while_the_tab_shows(
    harness: Harness, qtbot: QtBot
) -> None:
    dialog = harness.dialog
    assert not tab_of(harness).refreshing  # built, not shown: no wake-ups
    dialog.show()
    dialog.show_tab(tab_of(harness))
    qtbot.waitUntil(lambda: tab_of(harness).refreshing, timeout=1000)
    dialog.tabs.setCurrentIndex(0)
    assert not tab_of(harness).refreshing
    dialog.show_tab(tab_of(harness))
    dialog.reject()
    assert not tab_of(harness).refreshing


async def test_the_tray_tooltip_says_when_the_schedule_holds_notifications(
    harness: Harness, hub: PresenceHub, clock: ManualClock
) -> None:
    with started_shell(harness, hub, clock, tray_available=True) as shell:
        tray = shell.tray_icon
        assert tray is not None
        shell.use_settings(harness.service)
        assert "held" not in tray.toolTip()
        harness.service.set_schedule(DndSchedule(snooze_until=clock.now() + 3600))
        shell.use_settings(harness.service)  # the 30 s check, at once
        assert "· notifications held until " in tray.toolTip().splitlines()[0]
        clock.advance(3601)
        shell.use_settings(harness.service)
        assert "held" not in tray.toolTip()


@pytest.mark.parametrize(
    ("locale_name", "shown"),
    [("C", "2026-11-26"), ("de_DE", "26.11.26"), ("en_US", "11/26/26")],
)
def test_vacation_dates_read_unambiguously_in_every_locale(locale_name: str, shown: str) -> None:
    previous = QLocale()
    QLocale.setDefault(QLocale(locale_name))
    try:
        edit = QDateEdit(QDate(2026, 11, 26))
        edit.setDisplayFormat(date_format())
        assert edit.text() == shown
    finally:
        QLocale.setDefault(previous)
