"""The settings dialog's General and Notifications tabs, and the dialog itself: each change
applies at once, is saved to a real SQLite file and read back by the next start; bad values
get a sentence and are not saved; storage trouble is a sentence, not a crash."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
)

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.identity import Platform
from presence_tray.core.preferences import Preferences
from presence_tray.storage.database import StorageError
from presence_tray.ui.settings.dialog import NOT_REMEMBERED
from tests.ui.settings_helpers import Harness, settings_dialog

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub


@pytest.fixture
async def harness(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[Harness]:
    async with settings_dialog(qtbot, tmp_path, hub, clock) as opened:
        yield opened


def test_the_dialog_has_the_five_tabs_and_no_apply_button(harness: Harness) -> None:
    tabs = harness.dialog.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "&Accounts",
        "&Do not disturb",
        "&Notifications",
        "&General",
        "&Webhooks",
    ]
    assert harness.dialog.notice.sentence is None  # storage is there: nothing to warn about


async def test_policy_applies_to_the_hub_and_survives_a_restart(
    harness: Harness, qtbot: QtBot
) -> None:
    general = harness.dialog.general
    general.policy_buttons[AggregationPolicy.RESPECT_DND].click()
    assert harness.runtime.hub.policy is AggregationPolicy.RESPECT_DND
    await harness.settle(qtbot)
    saved, _ = await harness.saved()
    assert saved.aggregation_policy is AggregationPolicy.RESPECT_DND


async def test_history_and_polling_are_saved_after_typing_rests(
    harness: Harness, qtbot: QtBot
) -> None:
    general = harness.dialog.general
    general.history_enabled.setChecked(False)
    general.retention.setValue(90)
    general.poll_spins[Platform.TEAMS].setValue(45)
    assert harness.runtime.preferences.history_retention_days == 30  # still being typed
    await harness.settle(qtbot, general.debouncer)
    expected = Preferences(
        history_enabled=False,
        history_retention_days=90,
        poll_interval_seconds={Platform.SLACK: 60, Platform.TEAMS: 45, Platform.ZOOM: 60},
    )
    assert harness.runtime.preferences == expected  # the runtime reads retention live
    assert (await harness.saved())[0] == expected


@pytest.mark.parametrize(
    ("days", "sentence"),
    [
        (0, "History can be kept for 1 to 3650 days; 0 is outside that."),
        (50_000, "History can be kept for 1 to 3650 days; 50000 is outside that."),
    ],
)
async def test_a_retention_of_none_or_too_many_days_is_refused(
    harness: Harness, qtbot: QtBot, days: int, sentence: str
) -> None:
    general = harness.dialog.general
    general.retention.setValue(days)
    await harness.settle(qtbot, general.debouncer)
    assert general.retention_problem.sentence == sentence
    assert harness.runtime.preferences == Preferences()
    assert (await harness.saved())[0] == Preferences()
    general.retention.setValue(14)  # fixed: the sentence goes, the value is saved
    await harness.settle(qtbot, general.debouncer)
    assert general.retention_problem.sentence is None
    assert (await harness.saved())[0].history_retention_days == 14


async def test_polling_below_the_documented_minimum_is_refused(
    harness: Harness, qtbot: QtBot
) -> None:
    general = harness.dialog.general
    general.poll_spins[Platform.SLACK].setValue(10)
    await harness.settle(qtbot, general.debouncer)
    assert general.polling_problem.sentence == (
        "Slack can be polled every 60 to 3600 seconds; 10 is outside that."
    )
    assert (await harness.saved())[0] == Preferences()


async def test_notification_defaults_apply_and_survive_a_restart(
    harness: Harness, qtbot: QtBot
) -> None:
    tab = harness.dialog.notifications
    tab.favourites.setChecked(False)
    tab.sound.setChecked(False)
    tab.cooldown.setValue(10)
    await harness.settle(qtbot, tab.debouncer)
    expected = Preferences(
        notify_favourites=False, notification_cooldown_seconds=600, notification_sound=False
    )
    assert harness.runtime.preferences == expected
    assert (await harness.saved())[0] == expected
    tab.cooldown.setValue(-1)
    await harness.settle(qtbot, tab.debouncer)
    assert "0 to 24 hours" in (tab.cooldown_problem.sentence or "")
    assert (await harness.saved())[0] == expected


async def test_start_at_login_shows_the_file(harness: Harness) -> None:
    general = harness.dialog.general
    assert not general.autostart.isChecked()
    general.autostart.setChecked(True)
    assert harness.autostart_file.is_file()
    assert "-m presence_tray" in harness.autostart_file.read_text(encoding="utf-8")
    general.autostart.setChecked(False)
    assert not harness.autostart_file.exists()


async def test_start_at_login_that_cannot_be_written_says_so_and_stays_off(
    harness: Harness, expected_warnings: list[logging.LogRecord]
) -> None:
    harness.autostart_file.parent.parent.mkdir(parents=True, exist_ok=True)
    harness.autostart_file.parent.write_text("a file where the folder should be")
    general = harness.dialog.general
    general.autostart.setChecked(True)
    assert not general.autostart.isChecked()  # the real state, not the wish
    assert "start at login is unchanged" in (general.autostart_problem.sentence or "")
    assert expected_warnings


async def test_a_failed_save_is_a_sentence_in_the_dialog(
    harness: Harness,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[logging.LogRecord],
) -> None:
    def full_disk(_preferences: Preferences) -> None:
        raise StorageError("the disk is full")

    store = harness.runtime.store
    assert store is not None
    monkeypatch.setattr(store.preferences, "save", full_disk)
    harness.dialog.notifications.sound.setChecked(False)
    await harness.settle(qtbot)
    assert not harness.runtime.preferences.notification_sound  # applied all the same
    notice = harness.dialog.notice.sentence or ""
    assert "could not be saved (the disk is full)" in notice
    assert [r.getMessage() for r in expected_warnings] == [
        "could not save the settings: the disk is full"
    ]


async def test_without_storage_the_dialog_says_changes_are_not_remembered(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> None:
    async with settings_dialog(qtbot, tmp_path, hub, clock, with_storage=False) as harness:
        assert harness.dialog.notice.sentence == NOT_REMEMBERED
        harness.dialog.notifications.sound.setChecked(False)
        await harness.settle(qtbot)
        assert not harness.runtime.preferences.notification_sound
        assert not harness.database.exists()


async def test_closing_applies_what_is_still_being_typed(harness: Harness, qtbot: QtBot) -> None:
    general = harness.dialog.general
    harness.dialog.show()
    general.retention.setValue(7)
    qtbot.keyClick(harness.dialog, Qt.Key.Key_Escape)
    assert not harness.dialog.isVisible()
    assert harness.runtime.preferences.history_retention_days == 7
    await harness.settle(qtbot)
    assert (await harness.saved())[0].history_retention_days == 7


async def test_every_control_has_an_accessible_name(harness: Harness) -> None:
    harness.dialog.dnd.add_rule_button.click()  # a rule editor's controls too
    named_by_text = harness.dialog.findChildren(QAbstractButton)
    needs_a_name = [
        widget
        for kind in (QAbstractSpinBox, QComboBox, QLineEdit, QLabel)
        for widget in harness.dialog.findChildren(kind)
        # A spin box's or combo box's own line edit is read through its owner.
        if not isinstance(widget.parent(), (QAbstractSpinBox, QComboBox))
        and (kind is not QLabel or widget.accessibleName())  # plain labels read as text
    ]
    assert len(needs_a_name) > 15
    assert [w for w in needs_a_name if not w.accessibleName()] == []
    assert [w for w in named_by_text if not (w.accessibleName() or w.text())] == []


async def test_the_keyboard_reaches_every_tab_and_control(harness: Harness, qtbot: QtBot) -> None:
    dialog = harness.dialog
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setFocus()
    for expected in (1, 2, 3, 4, 0):
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        assert dialog.tabs.currentIndex() == expected
    dialog.show_tab(dialog.notifications)
    dialog.notifications.favourites.setFocus()
    qtbot.keyClick(dialog.notifications.favourites, Qt.Key.Key_Space)
    assert not harness.runtime.preferences.notify_favourites


async def test_no_tab_squeezes_its_text(harness: Harness, qtbot: QtBot) -> None:
    # On a small screen, every wrapped sentence of every form has the height it needs for its
    # width: the forms scroll rather than overlap their lines.
    dialog = harness.dialog
    dialog.resize(480, 420)
    dialog.show()
    qtbot.waitExposed(dialog)
    for page in (dialog.dnd, dialog.notifications, dialog.general):
        dialog.show_tab(page)
        qtbot.waitUntil(page.isVisible, timeout=1000)
        wrapped = [
            label for label in page.findChildren(QLabel) if label.wordWrap() and label.isVisible()
        ]
        assert wrapped, page
        squeezed = [
            label.text()[:40]
            for label in wrapped
            if label.height() < label.heightForWidth(label.width())
        ]
        assert squeezed == [], f"{type(page).__name__}: {squeezed}"
