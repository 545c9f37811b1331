"""Notifications end to end: the real app process on the test desktop, rules and favourites
saved with the real commands, and what dunst (the desktop's notification server) received.

The app runs the simulated network 3000 times faster than real time, so people change status
every few seconds. dunst logs each notification as one JSON line in
``$PRESENCE_TRAY_NOTIFY_LOG`` (see scripts/desktop-session.sh).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from presence_tray.core.dnd import DndSchedule
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from presence_tray.storage.repositories import DndRepository
from tests.app_process import AppProcess, AppRuns
from tests.desktop import (
    NotifyLog,
    click,
    geometry_of,
    read_text,
    screenshot,
    visible_window,
    wait_until,
    xdotool,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

SPEED = 3000.0
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
"""A Wednesday morning in Europe: the simulated day, and so what changes when, is the same at
whatever time the tests run (a do-not-disturb spanning most of a day from now could end with
everyone back where they began, and rightly no digest)."""
NETWORK = ["--people", "30", "--speed", str(int(SPEED)), "--start", START.isoformat()]
CONTACTS_TITLE = "^Presence Tray — Contacts"
DIGEST_TITLE = "While you were in do-not-disturb"


def command(data_dir: Path, *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "presence_tray", *argv, *NETWORK],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, DATA_DIR_ENV: str(data_dir)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def start_app(data_dir: Path, tmp_path: Path) -> Iterator[Callable[[], AppProcess]]:
    """Starts the app on the fast simulated network; every run must end cleanly."""
    runs = AppRuns(["-v", *NETWORK], data_dir, tmp_path)
    yield runs.start
    for stderr in runs.stop_all():
        # Nothing about notifications is a warning (other modules' WARNINGs are not this test's).
        for module in ("presence_tray.ui.notifications", "presence_tray.core.notifier"):
            assert f"WARNING {module}" not in stderr, stderr


def watched_people(data_dir: Path) -> list[str]:
    """Four simulated people: a favourite, and three with "any change" rules."""
    people = json.loads(command(data_dir, "status", "--json"))["people"]
    names = sorted(p["name"] for p in people)[:4]
    command(data_dir, "favourite", names[0])
    for name in names[1:]:
        command(data_dir, "notify", name, "--on", "any-change")
    return names


def names_one_of(names: list[str]) -> Callable[[dict[str, Any]], bool]:
    def match(record: dict[str, Any]) -> bool:
        text = f"{record.get('summary')}\n{record.get('body')}"
        return any(name in text for name in names)

    return match


@pytest.mark.desktop
def test_a_watched_persons_status_change_is_a_desktop_notification(
    data_dir: Path, start_app: Callable[[], AppProcess]
) -> None:
    names = watched_people(data_dir)
    log = NotifyLog()
    app = start_app()
    record = log.wait_for("naming a watched person", names_one_of(names), timeout=60)
    assert app.process.poll() is None, app.stderr()
    summary, body = record["summary"], record["body"]
    assert record["desktop_entry"] == "presence-tray"
    if "people" not in summary:  # one person: "Alice Chen is busy", "on Slack · was away"
        assert any(summary.startswith(name + " ") for name in names), summary
        assert body.startswith("on "), body
        assert " · was " in body, body
    assert "unknown" not in summary.lower()
    assert "desktop notifications go to dunst" in app.stderr()
    # Nobody else: only the watched people are announced.
    for other in log.records():
        assert names_one_of(names)(other), other


def save_dnd(data_dir: Path, schedule: DndSchedule) -> None:
    async def save() -> None:
        store = await LocalStore.open(database_path(data_dir, simulated=True))
        try:
            await asyncio.to_thread(DndRepository(store.db).save, schedule)
        finally:
            await store.aclose()

    asyncio.run(save())


@pytest.mark.desktop
def test_none_arrive_during_do_not_disturb_and_one_digest_follows(
    data_dir: Path, start_app: Callable[[], AppProcess]
) -> None:
    names = watched_people(data_dir)
    # A snooze for 25 real seconds of the app's clock, which starts at START when the app
    # launches and runs SPEED times faster than real time.
    dnd_seconds = 25.0
    launched = time.time()
    save_dnd(data_dir, DndSchedule(snooze_until=START.timestamp() + dnd_seconds * SPEED))
    log = NotifyLog()
    app = start_app()
    while time.time() < launched + dnd_seconds - 5:
        assert log.records() == [], "a notification arrived during do-not-disturb"
        assert app.process.poll() is None, app.stderr()
        time.sleep(0.5)
    record = log.wait_for(
        "digest after do-not-disturb",
        lambda r: r.get("summary") == DIGEST_TITLE,
        timeout=30,
    )
    assert time.time() >= launched + dnd_seconds - 2, "the digest came before DND ended"
    assert names_one_of(names)(record), record
    assert any(word in record["body"] for word in ("became", "went", " is ")), record
    digests = [r for r in log.records() if r.get("summary") == DIGEST_TITLE]
    assert len(digests) == 1, digests


@pytest.mark.desktop
def test_clicking_a_notification_opens_that_person(
    data_dir: Path, start_app: Callable[[], AppProcess]
) -> None:
    people = json.loads(command(data_dir, "status", "--json"))["people"]
    name = sorted(p["name"] for p in people)[0]
    command(data_dir, "notify", name, "--on", "any-change")
    subprocess.run(["dunstctl", "close-all"], check=True, timeout=10)  # other tests' popups
    log = NotifyLog()
    app = start_app()
    log.wait_for("about the watched person", names_one_of([name]), timeout=60)
    assert visible_window(CONTACTS_TITLE) is None
    popup = wait_until(
        "dunst's popup", lambda: xdotool("search", "--onlyvisible", "--class", "Dunst")
    )
    click(*geometry_of(popup.split()[0]).centre)
    window = wait_until("the contacts window", lambda: visible_window(CONTACTS_TITLE))
    time.sleep(0.5)
    text = read_text(screenshot("notification-opened-person", window))
    assert "Back" in text, f"the person's detail is not shown; OCR read:\n{text}"
    assert name in text, text
    assert app.process.poll() is None, app.stderr()
