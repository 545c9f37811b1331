"""The app with its database: last known statuses at start-up, offline use, export, forget,
damaged files and no storage at all."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from presence_tray import app, cli
from presence_tray import runtime as runtime_module
from presence_tray.core.client import Capabilities, PresenceMode, PresenceSink
from presence_tray.core.describe import summary
from presence_tray.core.errors import TransientError
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.storage.paths import DATA_DIR_ENV, database_path

if TYPE_CHECKING:
    import logging

    import pytest


def options(*argv: str) -> object:
    return cli.build_parser().parse_args(["--people", "12", "--speed", "600", *argv])


async def run_for_a_while(seconds: float = 0.5) -> None:
    """The app without its window: clients run and the write-behind saves."""
    runtime = await runtime_module.build_runtime(options())  # type: ignore[arg-type]
    runtime.start()
    async with asyncio.timeout(5):
        await runtime.supervisor.wait_until_settled()
    await asyncio.sleep(seconds)
    await runtime.aclose()


class NoNetwork:
    """A client whose network is gone: every connection attempt fails."""

    account = AccountRef(Platform.SLACK, "simulated")
    capabilities = Capabilities(
        PresenceMode.POLLED, can_set_own_status=False, can_list_contacts=True
    )

    def __init__(self) -> None:
        self.attempts = 0

    async def run(self, _sink: PresenceSink) -> None:
        self.attempts += 1
        raise TransientError("network unreachable")


async def test_last_known_statuses_show_at_start_up_marked_with_their_age() -> None:
    await run_for_a_while()
    runtime = await runtime_module.build_runtime(options())  # type: ignore[arg-type]
    try:
        people = runtime.hub.people()
        assert len(people) == 12  # known before any client connected
        now = runtime.clock.now()
        for person in people:
            aggregate = runtime.hub.aggregate(person.person_id)
            assert aggregate is not None
            assert all(v.source is PresenceSource.CACHE for v in aggregate.values)
            if aggregate.state is not PresenceState.UNKNOWN:
                assert aggregate.stale  # never shown as fresh
                assert "as of" in summary(aggregate, now=now) or "last seen" in summary(
                    aggregate, now=now
                )
    finally:
        await runtime.aclose()


async def test_without_a_network_the_app_stays_useful_on_the_cache(
    expected_warnings: list[logging.LogRecord],
) -> None:
    await run_for_a_while()
    runtime = await runtime_module.build_runtime(options())  # type: ignore[arg-type]
    offline = NoNetwork()
    runtime.clients = [offline]
    known_before = {p.person_id: runtime.hub.aggregate(p.person_id) for p in runtime.hub.people()}
    runtime.start()
    await asyncio.sleep(0.3)
    try:
        assert offline.attempts >= 1
        assert len(runtime.hub.people()) == len(known_before)
        for person_id, before in known_before.items():
            assert runtime.hub.aggregate(person_id) is not None
            assert before is not None
            assert runtime.hub.aggregate(person_id).state is before.state  # type: ignore[union-attr]
    finally:
        await runtime.aclose()
    assert all("network" not in r.getMessage() or r.levelname != "ERROR" for r in expected_warnings)


def test_export_writes_people_preferences_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(run_for_a_while())
    target = tmp_path / "export.json"
    assert app.main(["export", "--output", str(target)]) == 0
    assert "Wrote your data" in capsys.readouterr().out
    data = json.loads(target.read_text())
    assert len(data["people"]) == 12
    assert data["history"], "a running app records transitions"
    assert "preferences" in data
    text = target.read_text().lower()
    for word in ("token", "password", "secret"):
        assert f'"{word}' not in text


def test_forget_deletes_a_persons_history(capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(run_for_a_while())
    app.main(["export"])
    before = json.loads(capsys.readouterr().out)
    name = before["people"][0]["display_name"]
    assert app.main(["forget", name]) == 0
    assert f"Forgot {name}" in capsys.readouterr().out
    app.main(["export"])
    after = json.loads(capsys.readouterr().out)
    assert name not in {p["display_name"] for p in after["people"]}
    assert len(after["history"]) < len(before["history"])
    assert app.main(["forget", "nobody-by-this-name"]) == cli.EXIT_USAGE


def test_a_damaged_database_is_set_aside_and_the_user_told(
    capsys: pytest.CaptureFixture[str], expected_warnings: list[logging.LogRecord]
) -> None:
    data_dir = os.environ[DATA_DIR_ENV]
    path = database_path(Path(data_dir), simulated=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    assert app.main(["status", "--people", "5"]) == 0
    captured = capsys.readouterr()
    assert "damaged" in captured.err
    assert len(captured.out.strip().splitlines()) >= 5
    assert any(p.name.startswith(path.name + ".corrupt-") for p in path.parent.iterdir())
    assert expected_warnings
    # The next start is clean: no crash loop, no new notice.
    assert app.main(["status", "--people", "5"]) == 0
    assert "damaged" not in capsys.readouterr().err


def test_without_any_storage_the_app_still_answers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    expected_warnings: list[logging.LogRecord],
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv(DATA_DIR_ENV, str(blocker))
    assert app.main(["status", "--people", "5"]) == 0
    captured = capsys.readouterr()
    assert "without saving" in captured.err
    assert len(captured.out.strip().splitlines()) >= 5
    assert expected_warnings


def test_history_can_be_switched_off_and_stays_off(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["history", "off", "--keep-days", "9"]) == 0
    assert "Saved. History is off; it is kept for 9 days." in capsys.readouterr().out
    asyncio.run(run_for_a_while())
    app.main(["export"])
    data = json.loads(capsys.readouterr().out)
    assert data["history"] == []
    assert data["people"], "the cache is still kept"
    assert app.main(["history"]) == 0
    assert "History is off; it is kept for 9 days." in capsys.readouterr().out
