"""The PyInstaller bundle on the test desktop, as a person who installed it would use it.

scripts/build-packages.sh builds the bundle (scripts/run-tests.sh runs it before pytest, once
per run); this starts the bundle's own executable, not this checkout's Python, and checks the
tray icon appears drawn (the SVG resources load from the bundle) and the contacts window opens
on the simulated network. Under CI a missing bundle fails the test (marker ``packages``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.app_process import AppRuns
from tests.desktop import Geometry, colour_count, read_text, screenshot, wait_until
from tests.packaged_app import bundle_executable
from tests.test_desktop_e2e import (
    LAUNCH_TO_TRAY_LIMIT_SECONDS,
    NETWORK,
    open_contacts,
    simulated_names,
    wait_for_tray_icon,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.desktop
@pytest.mark.packages
def test_the_bundle_shows_its_tray_icon_and_the_contacts_window(
    data_dir: Path, tmp_path: Path
) -> None:
    names = simulated_names(data_dir)
    runs = AppRuns(NETWORK, data_dir, tmp_path, command=[str(bundle_executable())])
    try:
        launched = time.monotonic()
        app = runs.start()
        icon = wait_for_tray_icon(app)
        assert time.monotonic() - launched < LAUNCH_TO_TRAY_LIMIT_SECONDS

        # Drawn from the bundle's SVG resources: the app icon and a badge, not an empty square.
        tray_area = Geometry(icon.x - 40, icon.y - 4, icon.width + 44, icon.height + 4)
        wait_until(
            "the bundle's tray icon to be drawn",
            lambda: colour_count(screenshot("bundle-tray", crop=tray_area)) > 8,
        )
        window = open_contacts(icon)
        time.sleep(0.5)  # let it paint
        text = read_text(screenshot("bundle-window", window))
        assert "simulated network" in text, text
        shown = [name for name in names if name in text]
        assert len(shown) >= 5, f"expected simulated people in the window; OCR read:\n{text}"
    finally:
        runs.stop_all()
