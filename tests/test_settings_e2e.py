"""The settings dialog in the real app process on the test desktop: opened from the tray
menu with the keyboard, a change made with the keyboard, and that change in the database the
next start reads."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import pytest

from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from tests.app_process import AppProcess
from tests.desktop import (
    click,
    embedded_tray_icon,
    press,
    read_text,
    screenshot,
    visible_popup_menu,
    visible_window,
    wait_until,
)

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.core.preferences import Preferences

SETTINGS_TITLE = "^Presence Tray settings"


async def saved_preferences(data_dir: Path) -> Preferences:
    store = await LocalStore.open(database_path(data_dir, simulated=True))
    try:
        return await store.load_preferences()
    finally:
        await store.aclose()


@pytest.mark.desktop
def test_settings_from_the_tray_menu_change_and_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    app = AppProcess(["--people", "20"], tmp_path / "stderr.log", {DATA_DIR_ENV: str(data_dir)})
    try:
        icon = wait_until("the tray icon", lambda: (embedded_tray_icon() or (None, None))[1])
        click(*icon.centre, button=3)
        wait_until("the tray menu", lambda: visible_popup_menu(icon))
        press("Up", "Up", "Return")  # from the bottom: Quit, then Settings…
        dialog = wait_until("the settings dialog", lambda: visible_window(SETTINGS_TITLE))
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
        code = app.stop()
    stderr = app.stderr()
    assert code in (0, 128 + signal.SIGTERM), stderr
    assert "Traceback" not in stderr, stderr
    assert not asyncio.run(saved_preferences(data_dir)).notify_favourites
