"""The settings dialog in the real app process on the test desktop: opened from the tray
menu with the keyboard, a change made with the keyboard, and that change in the database the
next start reads."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from tests.app_process import AppProcess
from tests.desktop import (
    Geometry,
    choose_from_tray_menu,
    click_text,
    embedded_tray_icon,
    press,
    read_text,
    screenshot,
    visible_window,
    wait_until,
)

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.core.dnd import DndSchedule
    from presence_tray.core.preferences import Preferences

SETTINGS_TITLE = "^Presence Tray settings"


async def saved_preferences(data_dir: Path) -> Preferences:
    store = await LocalStore.open(database_path(data_dir, simulated=True))
    try:
        return await store.load_preferences()
    finally:
        await store.aclose()


async def saved_schedule(data_dir: Path) -> DndSchedule:
    store = await LocalStore.open(database_path(data_dir, simulated=True))
    try:
        return await asyncio.to_thread(store.dnd.get)
    finally:
        await store.aclose()


def open_settings_from_the_tray_menu() -> str:
    """Right-click the tray icon, choose Settings… with the keyboard; the dialog's X id."""
    icon: Geometry = wait_until("the tray icon", lambda: (embedded_tray_icon() or (None, None))[1])
    # From the bottom: Quit, then Settings…
    return choose_from_tray_menu(
        icon, ("Up", "Up", "Return"), "the settings dialog", lambda: visible_window(SETTINGS_TITLE)
    )


@pytest.mark.desktop
def test_a_dnd_schedule_saved_in_settings_survives_a_restart(
    tmp_path: Path, data_dir: Path
) -> None:
    environment = {DATA_DIR_ENV: str(data_dir)}
    app = AppProcess(["--people", "20"], tmp_path / "first.log", environment)
    try:
        dialog = open_settings_from_the_tray_menu()
        press("alt+d")  # the Do not disturb tab
        time.sleep(0.3)
        click_text(dialog, "Add rule", "settings-dnd-before")
        wait_until(
            "the weekly rule to be saved", lambda: asyncio.run(saved_schedule(data_dir)).rules
        )
        time.sleep(0.3)
        screenshot("settings-dnd", dialog)
    finally:
        app.stop_cleanly()
    (rule,) = asyncio.run(saved_schedule(data_dir)).rules

    # The next start shows the same rule in the dialog, and has not overwritten it.
    app = AppProcess(["--people", "20"], tmp_path / "second.log", environment)
    try:
        dialog = open_settings_from_the_tray_menu()
        press("alt+d")
        time.sleep(0.5)
        text = read_text(screenshot("settings-dnd-after-restart", dialog))
        assert "Remove" in text, f"no weekly rule shown after the restart; OCR read:\n{text}"
        # OCR sometimes misreads a letter's case ("Etc/uTC"), so the zone is compared without it.
        assert rule.timezone.lower() in text.lower(), text
    finally:
        app.stop_cleanly()
    assert asyncio.run(saved_schedule(data_dir)).rules == (rule,)


@pytest.mark.desktop
def test_settings_from_the_tray_menu_change_and_survive_a_restart(
    tmp_path: Path, data_dir: Path
) -> None:
    app = AppProcess(["--people", "20"], tmp_path / "stderr.log", {DATA_DIR_ENV: str(data_dir)})
    try:
        dialog = open_settings_from_the_tray_menu()
        text = read_text(screenshot("settings-accounts", dialog))
        assert "Slack" in text, text
        assert "polled every 60 s" in text, text
        press("alt+n", "alt+t")  # the Notifications tab; favourites off
        wait_until(
            "the change to be saved",
            lambda: not asyncio.run(saved_preferences(data_dir)).notify_favourites,
        )
        screenshot("settings-notifications", dialog)
        press("Escape")
        wait_until("the dialog to close", lambda: visible_window(SETTINGS_TITLE) is None)
    finally:
        app.stop_cleanly()
    assert not asyncio.run(saved_preferences(data_dir)).notify_favourites
