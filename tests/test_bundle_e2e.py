"""The PyInstaller bundle on the test desktop, as a person who installed it would use it.

scripts/build-packages.sh builds the bundle (scripts/run-tests.sh runs it before pytest, once
per run); this starts the bundle's own executable, not this checkout's Python, and checks the
tray icon appears drawn (the SVG resources load from the bundle) and the contacts window opens
on the simulated network. Under CI a missing bundle fails the test (marker ``packages``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.app_process import AppRuns
from tests.packaged_app import bundle_executable
from tests.test_desktop_e2e import (
    NETWORK,
    see_the_tray_icon_and_the_simulated_people,
    simulated_names,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.desktop
@pytest.mark.packages
def test_the_bundle_shows_its_tray_icon_and_the_contacts_window(
    data_dir: Path, tmp_path: Path
) -> None:
    runs = AppRuns(NETWORK, data_dir, tmp_path, command=[str(bundle_executable())])
    try:
        see_the_tray_icon_and_the_simulated_people(runs.start, simulated_names(data_dir), "bundle-")
    finally:
        runs.stop_all()
