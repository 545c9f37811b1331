"""The app as a user runs it: the commands on the simulated network, and the real GUI process.

The command tests run ``presence_tray.app.main`` in-process on a small simulated network;
the desktop tests start ``python -m presence_tray`` as a real process on the test desktop and
click its tray icon with xdotool, as the README's run command would.
"""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, TypeVar

import pytest

from presence_tray import app, runtime
from tests.app_process import AppProcess

T = TypeVar("T")

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = app.main(argv)
    return code, capsys.readouterr().out


def test_status_shows_people_with_different_statuses_across_platforms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run_main(["status", "--json", "--people", "40"], capsys)
    assert code == 0
    people = json.loads(out)["people"]
    assert len(people) == 40
    states = {p["state"] for p in people}
    assert len(states) >= 2, states
    platforms = {v["platform"] for p in people for v in p["platforms"]}
    assert len(platforms) >= 6, platforms
    assert all(len(p["platforms"]) >= 2 for p in people)  # each person is several identities
    # Platforms that share no presence say so, and are never called offline.
    for person in people:
        for value in person["platforms"]:
            if value["platform"] in {"whatsapp", "linkedin"}:
                assert value["state"] == "unknown"
                assert "does not share presence" in value["note"]


def test_available_exit_code_follows_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run_main(["status", "--json"], capsys)
    people = json.loads(out)["people"]
    name = people[0]["name"]
    code, out = run_main(["available", "--json", name], capsys)
    answer = json.loads(out)
    assert answer["people"][0]["name"] == name
    assert code == (0 if answer["all_reachable"] else 1)
    code, out = run_main(["available", "nobody-is-called-this"], capsys)
    assert code == 1
    assert "No one matches" in out


def test_stats_report_every_simulated_account(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_main(["stats", "--json"], capsys)
    assert code == 0
    stats = json.loads(out)
    assert stats["people"] == 24
    assert stats["updates_total"] > 0
    accounts = {a["platform"]: a["health"] for a in stats["accounts"]}
    assert set(accounts) == {
        "discord",
        "slack",
        "teams",
        "zoom",
        "whatsapp",
        "linkedin",
        "matrix",
        "xmpp",
    }
    assert all(health in {"live", "reconnecting"} for health in accounts.values()), accounts


def test_gui_without_a_display_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    code = app.main([])
    err = capsys.readouterr().err
    assert code == app.EXIT_NO_DESKTOP
    assert "presence-tray status" in err


def test_garbage_collection_is_tuned_and_keeps_older_generations() -> None:
    before = gc.get_threshold()
    try:
        runtime.tune_garbage_collection()
        assert gc.get_threshold() == (runtime.GC_YOUNG_GENERATION_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)


def test_module_entry_point_prints_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "presence_tray", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "simulated network" in done.stdout
    for command in ("status", "available", "stats"):
        assert command in done.stdout


# -- the real app on the test desktop ----------------------------------------------------


def xdotool(*args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=20, check=False
    )
    return done.stdout.strip()


def wait_until(what: str, probe: Callable[[], T | None], timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def running_app(tmp_path: Path) -> Iterator[AppProcess]:
    running = AppProcess(["--people", "30"], tmp_path / "stderr.log")
    yield running
    running.stop()


@pytest.mark.desktop
def test_the_app_shows_its_tray_icon_and_the_contacts_window_on_click(
    running_app: AppProcess,
) -> None:
    started = time.monotonic()

    def embedded_icon() -> dict[str, str] | None:
        """The tray icon's geometry once the tray host has embedded it (at 0,0 until then)."""
        for window in xdotool("search", "--classname", "presence-tray").splitlines():
            shell = xdotool("getwindowgeometry", "--shell", window).splitlines()
            geometry = dict(line.split("=", 1) for line in shell if "=" in line)
            if int(geometry.get("X", 0)) > 0 and int(geometry.get("WIDTH", 0)) > 1:
                return geometry
        return None

    geometry = wait_until("the tray icon", embedded_icon)
    tray_seconds = time.monotonic() - started
    x = int(geometry["X"]) + int(geometry["WIDTH"]) // 2
    y = int(geometry["Y"]) + int(geometry["HEIGHT"]) // 2
    xdotool("mousemove", str(x), str(y), "click", "1")
    window = wait_until(
        "the contacts window",
        lambda: xdotool("search", "--onlyvisible", "--name", "^Presence Tray — Contacts"),
    )
    assert window
    assert running_app.process.poll() is None, running_app.stderr()
    # Quitting with SIGTERM is clean and quick.
    code = running_app.stop()
    stderr = running_app.stderr()
    assert code in (0, 128 + signal.SIGTERM), stderr
    assert "Traceback" not in stderr
    assert tray_seconds < 10
