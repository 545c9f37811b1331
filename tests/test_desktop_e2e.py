"""The real app process on the test desktop, used as a person uses it.

``python -m presence_tray`` runs on the headless desktop that ``scripts/desktop-session.sh``
starts (Xvfb, trayer as the tray host, dunst, gnome-keyring). The tests click and type with
xdotool, take screenshots into the test-output folder for a person to look at, and read the
screen back with OCR to check what a person would see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.storage.paths import DATA_DIR_ENV
from tests.app_process import AppProcess, AppRuns
from tests.desktop import (
    Geometry,
    click,
    colour_count,
    embedded_tray_icon,
    geometry_of,
    open_tray_menu,
    poll_for,
    press,
    read_text,
    screenshot,
    type_text,
    visible_popup_menu,
    visible_window,
    wait_until,
    xdotool,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

NETWORK = ["--people", "30"]
CONTACTS_TITLE = "^Presence Tray — Contacts"
LAUNCH_TO_TRAY_LIMIT_SECONDS = 10.0
"""Generous: CI machines are slow and share their cores (bench/ui.py measures the real figure)."""


def simulated_names(data_dir: Path) -> list[str]:
    """Everyone on the simulated network the app runs, as the ``status`` command lists them."""
    done = subprocess.run(
        [sys.executable, "-m", "presence_tray", "status", "--json", *NETWORK],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, DATA_DIR_ENV: str(data_dir)},
    )
    return [person["name"] for person in json.loads(done.stdout)["people"]]


@pytest.fixture
def start_app(data_dir: Path, tmp_path: Path) -> Iterator[Callable[[], AppProcess]]:
    """Starts the app (again) over the same data folder; every run must end cleanly."""
    runs = AppRuns(NETWORK, data_dir, tmp_path)
    yield runs.start
    runs.stop_all()


def wait_for_tray_icon(app: AppProcess) -> Geometry:
    def icon() -> Geometry | None:
        assert app.process.poll() is None, app.stderr()
        found = embedded_tray_icon()
        return None if found is None else found[1]

    return wait_until("the tray icon", icon)


def open_contacts(icon: Geometry) -> str:
    """Left-click the tray icon; the contacts window's X id."""
    click(*icon.centre)
    return wait_until("the contacts window", lambda: visible_window(CONTACTS_TITLE))


def see_the_tray_icon_and_the_simulated_people(
    start: Callable[[], AppProcess], names: Sequence[str], screenshot_prefix: str
) -> tuple[AppProcess, Geometry]:
    """Start the app as ``start`` does and check what a person sees first: the tray icon in
    time and drawn (the app icon and a badge, not an empty square), and a left click opening
    the contacts window with the simulated people by name. The app and its icon's place."""
    launched = time.monotonic()
    app = start()
    icon = wait_for_tray_icon(app)
    assert time.monotonic() - launched < LAUNCH_TO_TRAY_LIMIT_SECONDS

    tray_area = Geometry(icon.x - 40, icon.y - 4, icon.width + 44, icon.height + 4)
    wait_until(
        f"the tray icon to be drawn ({screenshot_prefix})",
        lambda: colour_count(screenshot(f"{screenshot_prefix}tray", crop=tray_area)) > 8,
    )

    window = open_contacts(icon)
    time.sleep(0.5)  # let it paint
    text = read_text(screenshot(f"{screenshot_prefix}window", window))
    assert "simulated network" in text, text
    shown = [name for name in names if name in text]
    assert len(shown) >= 5, f"expected simulated people in the window; OCR read:\n{text}"
    return app, icon


@pytest.mark.desktop
def test_tray_icon_contacts_window_and_menu_as_a_person_sees_them(
    data_dir: Path, start_app: Callable[[], AppProcess]
) -> None:
    app, icon = see_the_tray_icon_and_the_simulated_people(start_app, simulated_names(data_dir), "")
    # Clicking the icon again hides it.
    click(*icon.centre)
    wait_until("the window to hide", lambda: visible_window(CONTACTS_TITLE) is None)

    # A right click opens the tray menu with the entries.
    menu = open_tray_menu(icon)
    time.sleep(0.3)
    text = read_text(screenshot("menu", menu))
    for entry in ("Set my status", "Do not disturb", "Open contacts", "Quit"):
        assert entry in text, f"{entry!r} not in the menu; OCR read:\n{text}"
    press("Escape")
    wait_until("the menu to close", lambda: visible_popup_menu(icon) is None)
    assert app.process.poll() is None, app.stderr()


@pytest.mark.desktop
def test_a_persons_detail_opens_from_the_list_with_the_keyboard(
    data_dir: Path, start_app: Callable[[], AppProcess]
) -> None:
    names = simulated_names(data_dir)
    app = start_app()
    window = open_contacts(wait_for_tray_icon(app))
    # The search field has the focus: type part of a name, step into the list, open the person.
    someone = sorted(names)[0]
    type_text(someone)
    # As a person would, wait to see the match (the people may still be loading) before
    # stepping into the list: the name in the search field and at least once in the list.
    wait_until(
        f"{someone} in the search's results",
        lambda: read_text(screenshot("search", window)).count(someone) >= 2,
    )
    press("Down", "Return")
    # The detail view is built on its first opening: on a busy machine that can take a while.
    shown: list[str] = []

    def detail_text() -> str | None:
        shown.append(read_text(screenshot("detail", window)))
        text = shown[-1]
        has_history = "24 h" in text or "history" in text.lower()
        return text if "Back" in text and someone in text and has_history else None

    if poll_for(detail_text, timeout=10.0) is None:
        pytest.fail(f"the detail view of {someone} did not open; OCR read:\n{shown[-1]}")
    assert app.process.poll() is None, app.stderr()


@pytest.mark.desktop
def test_the_contacts_window_keeps_the_size_the_user_gave_it(
    start_app: Callable[[], AppProcess],
) -> None:
    app = start_app()
    window = open_contacts(wait_for_tray_icon(app))
    xdotool("windowsize", window, "520", "700")
    wait_until("the new size", lambda: geometry_of(window)[2:] == (520, 700))
    time.sleep(1.5)  # the size is remembered once resizing has rested (0.5 s), then saved
    app.stop_cleanly()

    app = start_app()
    window = open_contacts(wait_for_tray_icon(app))
    assert wait_until("the remembered size", lambda: geometry_of(window)[2:] == (520, 700))
    screenshot("window-resized", window)
