"""Crash safety: the app is killed with SIGKILL while writing heavily, twenty times.

Every time, the database must open, pass ``PRAGMA integrity_check``, still hold every
preference and rule, and hold every history batch the app had reported as written: at most
the last flush window (not yet written) may be lost.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import time as clock_time
from typing import TYPE_CHECKING

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.dnd import DndSchedule, WeeklyDndRule
from presence_tray.core.preferences import NotificationRule, NotifyOn, Preferences
from presence_tray.storage.database import open_database
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from presence_tray.storage.repositories import (
    DndRepository,
    HistoryRepository,
    NotificationRulesRepository,
    PeopleRepository,
    PreferencesRepository,
)

if TYPE_CHECKING:
    from pathlib import Path

KILLS = 20
WRITTEN = re.compile(r"wrote batch \d+: .* \((\d+) transitions in all\)")
PREFERENCES = Preferences(
    aggregation_policy=AggregationPolicy.RESPECT_DND,
    history_enabled=True,
    history_retention_days=12,
)
SCHEDULE = DndSchedule(
    rules=(WeeklyDndRule(frozenset({0, 2, 4}), clock_time(9), clock_time(11), "Europe/Berlin"),),
    snooze_until=4_000_000_000.0,
)
RULE = NotificationRule("sim-0001", NotifyOn.AVAILABLE, once=True, cooldown_seconds=120.0)


def settings_of(path: Path) -> tuple[object, ...]:
    db = open_database(path)
    try:
        return (
            PreferencesRepository(db).get(),
            DndRepository(db).get(),
            NotificationRulesRepository(db).list(),
            PeopleRepository(db).favourites(),
        )
    finally:
        db.close()


def history_count(path: Path) -> int:
    db = open_database(path)
    try:
        return HistoryRepository(db).count()
    finally:
        db.close()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def reported_total(log: Path) -> int | None:
    """The transitions the killed run said it had written (None: it wrote nothing yet)."""
    totals = [int(m.group(1)) for m in WRITTEN.finditer(log.read_text(errors="replace"))]
    return totals[-1] if totals else None


def test_sigkill_while_writing_loses_at_most_the_last_flush_window(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    path = database_path(data_dir, simulated=True)
    db = open_database(path)
    PreferencesRepository(db).save(PREFERENCES)
    DndRepository(db).save(SCHEDULE)
    NotificationRulesRepository(db).save(RULE)
    PeopleRepository(db).set_favourite("sim-0001", favourite=True)
    db.close()
    expected = settings_of(path)
    environment = {**os.environ, DATA_DIR_ENV: str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    rng = random.Random(2026)
    for run in range(KILLS):
        before = history_count(path)
        log = tmp_path / f"run-{run}.log"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "presence_tray",
                    "-vv",
                    "--people",
                    "1500",
                    "--speed",
                    "3000",
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=environment,
            )
            try:
                deadline = time.monotonic() + 30
                while reported_total(log) is None:
                    assert process.poll() is None, log.read_text()[-3000:]
                    assert time.monotonic() < deadline, "the app never wrote a batch"
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.0, 2.5))  # a random moment mid-write
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
        reported = reported_total(log)
        assert reported is not None
        assert integrity(path) == "ok", f"run {run}"
        assert settings_of(path) == expected, f"run {run}: a preference or rule changed"
        after = history_count(path)
        assert after >= before + reported, (
            f"run {run}: {after - before} transitions in the file, "
            f"but the app had reported {reported} written"
        )
