"""What the tray app leaves unimported until it is needed, and the module sources it gives back.

Each check runs in a fresh interpreter: in this test process every module is long imported.
"""

from __future__ import annotations

import json
import linecache
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from presence_tray.ui.module_sources import drop_module_sources

REPO = Path(__file__).resolve().parents[2]
WINDOW_MODULES = (
    "presence_tray.ui.contacts_window",
    "presence_tray.ui.contacts_delegate",
    "presence_tray.ui.contacts_proxy",
    "presence_tray.ui.person_detail",
    "presence_tray.ui.history_timeline",
    "presence_tray.ui.linking",
)

SHELL_IN_THE_TRAY = """
import json, linecache, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.ui.shell import TrayShell
import presence_tray.notification_service, presence_tray.ui.notifications
import presence_tray.ui.single_instance
clock = ManualClock(0.0)
hub = PresenceHub(clock)
shell = TrayShell(hub, ClientSupervisor(hub, clock), clock, simulated_network=True,
                  tray_available=True)
shell.start()
in_tray = sorted(sys.modules)
shell.open_contacts()
print(json.dumps({"in_tray": in_tray, "window_open": sorted(sys.modules),
                  "sources_cached": len(linecache.cache)}))
shell.close()
"""


def modules_in_a_fresh_process(script: str) -> dict[str, list[str] | int]:
    """Run ``script`` (which prints one JSON line) in a new interpreter on Qt's offscreen
    platform, with this checkout's package."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str] | int] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def fresh_shell() -> dict[str, list[str] | int]:
    """The modules of a fresh process with the shell in the tray, then with its window open."""
    return modules_in_a_fresh_process(SHELL_IN_THE_TRAY)


def test_the_window_modules_load_on_first_open_not_with_the_tray(
    fresh_shell: dict[str, list[str] | int],
) -> None:
    in_tray, window_open = fresh_shell["in_tray"], fresh_shell["window_open"]
    assert isinstance(in_tray, list)
    assert isinstance(window_open, list)
    assert "presence_tray.ui.tray" in in_tray
    assert [m for m in WINDOW_MODULES if m in in_tray] == []
    assert [m for m in WINDOW_MODULES if m not in window_open] == []


def test_the_session_bus_library_loads_with_the_first_notification_not_before(
    fresh_shell: dict[str, list[str] | int],
) -> None:
    in_tray = fresh_shell["in_tray"]
    assert isinstance(in_tray, list)
    assert "presence_tray.ui.notifications" in in_tray
    assert [m for m in in_tray if m == "jeepney" or m.startswith("jeepney.")] == []


def test_the_single_instance_check_needs_no_qt_network(
    fresh_shell: dict[str, list[str] | int],
) -> None:
    in_tray = fresh_shell["in_tray"]
    assert isinstance(in_tray, list)
    assert "presence_tray.ui.single_instance" in in_tray
    assert "PySide6.QtNetwork" not in in_tray


def test_opening_the_window_gives_back_the_sources_qt_read(
    fresh_shell: dict[str, list[str] | int],
) -> None:
    # PySide6 read the window modules' sources as they were imported; the shell let them go.
    assert fresh_shell["sources_cached"] == 0


def test_dropping_module_sources_empties_the_line_cache_and_tracebacks_still_read_files() -> None:
    here = Path(__file__).resolve()
    assert linecache.getline(str(here), 1).startswith('"""')
    drop_module_sources()
    assert linecache.cache == {}
    assert linecache.getline(str(here), 1).startswith('"""')  # read again when asked
