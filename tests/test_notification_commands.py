"""``presence-tray notify`` and ``presence-tray favourite``: rules and favourites are saved for
the app to read at its next start, for people of the simulated network it runs."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from presence_tray import app, cli
from presence_tray.core.client import OwnStatus
from presence_tray.core.dnd import DndSchedule
from presence_tray.core.identity import Person
from presence_tray.core.own_status import OwnStatusTracker
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.core.presence import PresenceState
from presence_tray.notification_service import in_do_not_disturb
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from presence_tray.storage.repositories import NotificationRulesRepository

PEOPLE = ["--people", "12"]


def a_name(capsys: pytest.CaptureFixture[str], index: int = 0) -> str:
    assert app.main(["status", "--json", *PEOPLE]) == 0
    return str(json.loads(capsys.readouterr().out)["people"][index]["name"])


def saved() -> tuple[list[NotificationRule], frozenset[str]]:
    async def read() -> tuple[list[NotificationRule], frozenset[str]]:
        path = database_path(Path(os.environ[DATA_DIR_ENV]), simulated=True)
        store = await LocalStore.open(path)
        try:
            return NotificationRulesRepository(store.db).list(), store.people.favourites()
        finally:
            await store.aclose()

    return asyncio.run(read())


def test_notify_saves_a_rule_for_a_person_the_app_has_not_saved_yet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = a_name(capsys)
    assert app.main(["notify", name, "--on", "any-change", *PEOPLE]) == 0
    assert "changes status" in capsys.readouterr().out
    assert app.main(["notify", name, "--once", *PEOPLE]) == 0
    assert "the next time" in capsys.readouterr().out
    rules, _ = saved()
    assert [(r.on, r.once, r.cooldown_seconds) for r in rules] == [
        (NotifyOn.ANY_CHANGE, False, 300.0),
        (NotifyOn.AVAILABLE, True, 300.0),
    ]
    assert len({r.person_id for r in rules}) == 1
    assert app.main(["notify", name, "--on", "any-change", "--off", *PEOPLE]) == 0
    assert "no longer be notified" in capsys.readouterr().out
    rules, _ = saved()
    assert [r.on for r in rules] == [NotifyOn.AVAILABLE]


def test_favourite_on_and_off(capsys: pytest.CaptureFixture[str]) -> None:
    first, second = a_name(capsys, 0), a_name(capsys, 1)
    assert app.main(["favourite", first, *PEOPLE]) == 0
    assert app.main(["favourite", second, *PEOPLE]) == 0
    assert "is a favourite" in capsys.readouterr().out
    assert len(saved()[1]) == 2
    assert app.main(["favourite", second, "--off", *PEOPLE]) == 0
    assert "no longer a favourite" in capsys.readouterr().out
    assert len(saved()[1]) == 1


def test_unknown_or_ambiguous_names_change_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["notify", "nobody-is-called-this", *PEOPLE]) == cli.EXIT_USAGE
    assert "No one matches" in capsys.readouterr().out
    assert app.main(["favourite", "a", *PEOPLE]) == cli.EXIT_USAGE
    assert "several people" in capsys.readouterr().out
    assert saved() == ([], frozenset())


def test_bad_options_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        app.main(["notify", "x", "--on", "sometimes"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("on", "once", "off", "text"),
    [
        (
            "available",
            False,
            False,
            "each time (at most every 5 minutes) Ann Lee becomes available",
        ),
        ("offline", True, False, "the next time Ann Lee goes offline"),
        ("any-change", False, True, "no longer be notified when Ann Lee changes status"),
    ],
)
def test_notify_command_words(on: str, once: bool, off: bool, text: str) -> None:
    rule, answer = cli.notify_command(Person("ann", "Ann Lee", ()), on, once=once, off=off)
    assert rule == NotificationRule("ann", NotifyOn(on.replace("-", "_")), once=once)
    assert text in answer.text


def test_do_not_disturb_comes_from_the_schedule_or_the_tray() -> None:
    now = 1_700_000_000.0
    tray = OwnStatusTracker()
    assert not in_do_not_disturb(DndSchedule(), tray, now)
    assert in_do_not_disturb(DndSchedule(snooze_until=now + 60), tray, now)
    tray.record(OwnStatus(PresenceState.BUSY, dnd=True, until=now + 60))
    assert in_do_not_disturb(DndSchedule(), tray, now)
    assert not in_do_not_disturb(DndSchedule(), tray, now + 61)  # the timed DND ended
