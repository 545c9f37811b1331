"""The app's entry points: the commands on the simulated network, and the GUI's start checks.

The command tests run ``presence_tray.app.main`` in-process on a small simulated network;
the real GUI process is tested in tests/test_desktop_e2e.py.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from typing import TYPE_CHECKING

from presence_tray import app, runtime

if TYPE_CHECKING:
    import pytest


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = app.main(argv)
    return code, capsys.readouterr().out


def test_status_shows_people_with_different_statuses_across_platforms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run_main(["status", "--json", "--people", "40"], capsys)
    assert code == 0
    people = json.loads(out)["people"]
    assert len(people) == 42  # 40, and two accounts the network leaves for the user to link
    states = {p["state"] for p in people}
    assert len(states) >= 2, states
    platforms = {v["platform"] for p in people for v in p["platforms"]}
    assert len(platforms) >= 6, platforms
    # Each person is several identities, but for those two accounts (and perhaps the people
    # they were taken from).
    assert sum(len(p["platforms"]) >= 2 for p in people) >= 38
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
    assert stats["people"] == 26  # 24, and two accounts left for the user to link
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
