"""Driving the test desktop from outside, as a person would: find windows, click, type, look.

Used by the end-to-end tests that run the real app process on the desktop that
``scripts/desktop-session.sh`` starts (Xvfb, a tray host, dunst). Screenshots go to the
test-output folder (``test-output/screenshots`` in the checkout, or
``$PRESENCE_TRAY_TEST_OUTPUT/screenshots``) for a person to look at after the run; text on
screen is read back with tesseract OCR.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

TEST_OUTPUT_ENV = "PRESENCE_TRAY_TEST_OUTPUT"
REPO_ROOT = Path(__file__).resolve().parent.parent
X11_INSTANCE_NAME = "presence-tray"
"""The instance part of the app's WM_CLASS (set by presence_tray.app)."""
APP_NAME = "Presence Tray"


class Geometry(NamedTuple):
    """A window's place on the screen."""

    x: int
    y: int
    width: int
    height: int

    @property
    def centre(self) -> tuple[int, int]:
        """The middle of the window, where a click lands."""
        return self.x + self.width // 2, self.y + self.height // 2


def run(*argv: str, timeout: float = 20) -> str:
    """Run a desktop tool and return its stdout (stripped); a failure returns what it printed."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    return done.stdout.strip()


def xdotool(*args: str) -> str:
    """Run ``xdotool`` with ``args``."""
    return run("xdotool", *args)


def poll_for(probe: Callable[[], T | None], timeout: float) -> T | None:
    """Poll ``probe`` until it returns something truthy (returned), or None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    return None


def wait_until(what: str, probe: Callable[[], T | None], timeout: float = 15.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail the test after ``timeout``."""
    found = poll_for(probe, timeout)
    if not found:
        pytest.fail(f"timed out waiting for {what}")
    return found


def geometry_of(window: str) -> Geometry:
    """Where ``window`` (an X window id) is."""
    shell = xdotool("getwindowgeometry", "--shell", window).splitlines()
    values = dict(line.split("=", 1) for line in shell if "=" in line)
    return Geometry(
        int(values.get("X", 0)),
        int(values.get("Y", 0)),
        int(values.get("WIDTH", 0)),
        int(values.get("HEIGHT", 0)),
    )


def embedded_tray_icon() -> tuple[str, Geometry] | None:
    """The app's tray icon once the tray host has embedded it (it sits at 0,0 until then)."""
    for window in xdotool("search", "--classname", X11_INSTANCE_NAME).splitlines():
        geometry = geometry_of(window)
        if geometry.x > 0 and geometry.width > 1:
            return window, geometry
    return None


def visible_window(title_pattern: str) -> str | None:
    """The id of a visible window whose title matches ``title_pattern`` (a regex)."""
    found = xdotool("search", "--onlyvisible", "--name", title_pattern).splitlines()
    return found[-1] if found else None


def visible_popup_menu(tray_icon: Geometry) -> str | None:
    """The app's popup menu, when one is shown: a window of the app named just the app's name
    (like the tray icon's own window, which it is not)."""
    for window in xdotool("search", "--onlyvisible", "--classname", X11_INSTANCE_NAME).split():
        if xdotool("getwindowname", window) == APP_NAME and geometry_of(window) != tray_icon:
            return window
    return None


MENU_ATTEMPTS = 3
MENU_CHOICE_SECONDS = 5.0


def open_tray_menu(icon: Geometry) -> str:
    """Right-click the tray icon until its menu shows; the menu's X id. Under load a click
    can be lost (seen in CI): after a few seconds without a menu, click again."""
    for attempt in range(1, MENU_ATTEMPTS + 1):
        click(*icon.centre, button=3)
        menu = poll_for(lambda: visible_popup_menu(icon), MENU_CHOICE_SECONDS)
        if menu:
            return menu
        screenshot(f"tray-menu-not-shown-{attempt}")
    pytest.fail(f"the tray menu did not open in {MENU_ATTEMPTS} right-clicks")


def choose_from_tray_menu(
    icon: Geometry, keys: tuple[str, ...], what: str, opened: Callable[[], T | None]
) -> T:
    """Right-click the tray icon, press ``keys`` in its menu; what ``opened`` then finds.

    A popup menu is mapped a moment before it holds the keyboard grab, so keys pressed at
    once can miss it, and under load a click can be lost (both seen in CI): wait for the
    menu, pause briefly, and when no menu or nothing has opened after a few seconds, close
    the menu and try again (a screenshot of each miss goes to the test output).
    """
    for attempt in range(1, MENU_ATTEMPTS + 1):
        open_tray_menu(icon)
        time.sleep(0.3)
        press(*keys)
        found = poll_for(opened, MENU_CHOICE_SECONDS)
        if found:
            return found
        screenshot(f"tray-menu-missed-{attempt}")
        press("Escape")
        poll_for(lambda: visible_popup_menu(icon) is None, MENU_CHOICE_SECONDS)
    pytest.fail(f"{what} did not open from the tray menu in {MENU_ATTEMPTS} attempts")


def click(x: int, y: int, button: int = 1) -> None:
    """Move the pointer to (x, y) and click ``button`` (1 left, 3 right)."""
    xdotool("mousemove", str(x), str(y), "click", str(button))


def press(*keys: str) -> None:
    """Press keys on whatever window has the focus (e.g. "Down", "Return", "ctrl+comma")."""
    for key in keys:
        xdotool("key", "--clearmodifiers", key)
        time.sleep(0.05)


def type_text(text: str) -> None:
    """Type ``text`` into the focused widget."""
    xdotool("type", "--delay", "20", text)


def screenshots_folder() -> Path:
    """Where the end-to-end tests leave their screenshots (created on demand)."""
    base = os.environ.get(TEST_OUTPUT_ENV)
    folder = (Path(base) if base else REPO_ROOT / "test-output") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(name: str, window: str | None = None, crop: Geometry | None = None) -> Path:
    """Save a PNG of ``window`` (or of the screen, cut to ``crop``) as ``name``.png."""
    path = screenshots_folder() / f"{name}.png"
    run("import", "-window", window or "root", str(path))
    if crop is not None:
        area = f"{crop.width}x{crop.height}+{crop.x}+{crop.y}"
        run("convert", str(path), "-crop", area, "+repage", str(path))
    assert path.stat().st_size > 0, f"no screenshot written to {path}"
    return path


def read_text(image: Path) -> str:
    """The text tesseract reads in ``image`` (scaled up twice: UI fonts are small), with each
    run of white space (line breaks of wrapped labels too) made one space."""
    scaled = image.with_suffix(".ocr.png")
    run("convert", str(image), "-resize", "200%", str(scaled))
    try:
        return " ".join(run("tesseract", str(scaled), "-", timeout=60).split())
    finally:
        scaled.unlink(missing_ok=True)


def find_text(image: Path, phrase: str) -> Geometry | None:
    """Where ``phrase`` (one or more words on one line) is in ``image``, by OCR; None if absent."""
    scaled = image.with_suffix(".ocr.png")
    run("convert", str(image), "-resize", "200%", str(scaled))
    try:
        tsv = run("tesseract", str(scaled), "-", "tsv", timeout=60)
    finally:
        scaled.unlink(missing_ok=True)
    words = [line.split("\t") for line in tsv.splitlines()[1:]]
    # level 5 rows are words: left, top, width, height are columns 6-9, the text column 11.
    boxes = [(row[11], [int(value) // 2 for value in row[6:10]]) for row in words if len(row) > 11]
    wanted = phrase.split()
    for first in range(len(boxes) - len(wanted) + 1):
        run_of = boxes[first : first + len(wanted)]
        if [text for text, _ in run_of] == wanted:
            left, top, _, height = run_of[0][1]
            last_left, _, last_width, _ = run_of[-1][1]
            return Geometry(left, top, last_left + last_width - left, height)
    return None


def click_text(window: str, phrase: str, name: str) -> None:
    """Click on ``phrase`` where it is shown in ``window`` (screenshot ``name`` to find it)."""
    found = find_text(screenshot(name, window), phrase)
    assert found is not None, (
        f"{phrase!r} is not shown in {name}: {read_text(screenshot(name, window))}"
    )
    origin = geometry_of(window)
    x, y = found.centre
    click(origin.x + x, origin.y + y)


def colour_count(image: Path) -> int:
    """How many distinct colours ``image`` has (a blank or one-colour area has one or two)."""
    return int(run("identify", "-format", "%k", str(image)) or 0)


class NotifyLog:
    """The notifications dunst received from the app after this object was made."""

    def __init__(self) -> None:
        self.path = Path(os.environ["PRESENCE_TRAY_NOTIFY_LOG"])
        self.start = self.path.stat().st_size if self.path.exists() else 0

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as log:
            log.seek(self.start)
            lines = log.read().decode("utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        return [r for r in records if r.get("app_name") == APP_NAME]

    def wait_for(
        self, what: str, match: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.records():
                if match(record):
                    return record
            time.sleep(0.1)
        pytest.fail(f"no notification {what} within {timeout:.0f} s; got {self.records()}")
