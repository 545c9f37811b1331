"""``status``, ``available`` and ``stats`` ask the running app through its API, and fall back
to the saved data (saying why on stderr) when there is no app to ask or it cannot be asked."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from presence_tray import cli
from presence_tray.app import answer_from_running_app
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.secrets import SecretStoreUnavailableError
from presence_tray.local_api.discovery import DISCOVERY_FILE, write_discovery
from presence_tray.running_app import ask_running_app
from tests.local_api.conftest import TOKEN, serve

if TYPE_CHECKING:
    from tests.local_api.conftest import Served


class KeptToken:
    """The keyring's entry for the API token, in memory."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    async def get(self) -> str | None:
        return self.token

    async def put(self, secret: str) -> None:
        self.token = secret


def options(data_dir: Path, *argv: str) -> object:
    return cli.build_parser().parse_args(["--data-dir", str(data_dir), *argv])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def announce(data_dir: Path, served: Served) -> None:
    """What the app does when its API starts: the discovery file, naming this process."""
    write_discovery(data_dir, served.url, os.getpid())


async def test_status_is_the_running_apps_answer_in_the_same_words(
    served: Served, data_dir: Path
) -> None:
    announce(data_dir, served)
    answer = await answer_from_running_app(
        options(data_dir, "status", "alice", "nobody"), token_keeper=KeptToken(TOKEN)
    )
    now = served.routes._now()
    expected = cli.status_command(served.hub, ["alice", "nobody"], as_json=False, now=now)
    assert answer == expected
    assert "Alice Chen" in answer.text
    assert answer.exit_code == cli.EXIT_USAGE  # "No one matches 'nobody'."


async def test_available_answers_and_exits_as_the_running_app_says(
    served: Served, data_dir: Path
) -> None:
    announce(data_dir, served)
    keeper = KeptToken(TOKEN)
    reachable = await answer_from_running_app(
        options(data_dir, "available", "alice"), token_keeper=keeper
    )
    assert reachable == cli.Answer("Alice Chen: reachable on Teams")
    busy = await answer_from_running_app(
        options(data_dir, "available", "--json", "bob"), token_keeper=keeper
    )
    assert busy is not None
    assert busy.exit_code == cli.EXIT_NOT_ALL_REACHABLE
    assert json.loads(busy.text)["people"][0]["dnd"] is True


async def test_stats_show_what_only_the_running_app_knows(data_dir: Path) -> None:
    webhooks = {
        "hooks": [
            {"destination": "https://lights.example", "last_error": "It answered 500."},
            {"destination": "https://ok.example", "last_error": None},
        ],
        "delivered": 7,
        "failed": 1,
        "retries": 5,
        "dropped": 0,
    }
    async with serve(extra={"webhooks": webhooks}) as served:
        announce(data_dir, served)
        answer = await answer_from_running_app(
            options(data_dir, "stats"), token_keeper=KeptToken(TOKEN)
        )
        as_json = await answer_from_running_app(
            options(data_dir, "stats", "--json"), token_keeper=KeptToken(TOKEN)
        )
    assert answer is not None
    assert as_json is not None
    assert "People: 3 (4 identities)" in answer.text
    assert "Webhooks: 7 delivered, 1 failed, 5 retries, 0 dropped" in answer.text
    assert "  https://lights.example: It answered 500." in answer.text
    assert "ok.example" not in answer.text  # only failing hooks get a line
    assert json.loads(as_json.text)["event_stream"] == {
        "clients": 0,
        "dropped": 0,
        "kept_for_reconnects": 0,
        "kept_bytes": 0,
    }


def test_api_call_lines_name_each_polled_accounts_limits() -> None:
    empty = PresenceHub(ManualClock(0.0))
    payload = json.loads(
        cli.stats_command(
            empty, [], keyring_backend="test", keyring_problem=None, as_json=True
        ).text
    )
    payload["api_calls"] = [
        {
            "platform": "slack",
            "account": "work",
            "limits": [
                {
                    "name": "presence",
                    "spent_in_window": 40,
                    "calls_per_window": 90,
                    "per_seconds": 60.0,
                    "calls_total": 1200,
                    "times_rate_limited": 2,
                }
            ],
        }
    ]
    text = cli.stats_answer(payload, as_json=False).text
    assert "  Slack (work) presence: 40 / 90 per 60 s, 1200 in all, rate-limited 2 times" in text


async def test_no_app_running_means_no_answer_and_no_word(data_dir: Path, capsys) -> None:
    assert (
        await answer_from_running_app(
            options(data_dir, "--simulated", "status"), token_keeper=KeptToken(TOKEN)
        )
        is None
    )
    assert capsys.readouterr().err == ""


async def test_without_the_app_a_connected_run_says_its_answer_is_the_saved_one(
    data_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("presence_tray.app.shows_simulated_network", lambda _options: False)
    assert (
        await answer_from_running_app(options(data_dir, "stats"), token_keeper=KeptToken(TOKEN))
        is None
    )
    assert capsys.readouterr().err == (
        "Presence Tray is not running. Answering from the statuses saved when it last ran.\n"
    )


async def test_a_file_left_by_a_crashed_app_is_not_asked(data_dir: Path) -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        write_discovery(data_dir, f"http://127.0.0.1:{listening.getsockname()[1]}", _gone_pid())
    asked = await ask_running_app(data_dir, "GET", "/v1/stats", token_keeper=KeptToken(TOKEN))
    assert (asked.report, asked.reason) == (None, None)


def _gone_pid() -> int:
    """A process id no process has: one above the largest the kernel hands out."""
    return int(Path("/proc/sys/kernel/pid_max").read_text(encoding="ascii")) + 1


@pytest.mark.parametrize(
    "url", ["https://evil.example:443", "http://192.0.2.1:47563", "file:///etc/passwd", 42]
)
async def test_the_token_goes_to_this_computer_only(data_dir: Path, url: object) -> None:
    write_discovery(data_dir, "http://127.0.0.1:1", os.getpid())
    (data_dir / DISCOVERY_FILE).write_text(json.dumps({"url": url, "pid": os.getpid()}))
    keeper = KeptToken(TOKEN)
    asked = await ask_running_app(data_dir, "GET", "/v1/stats", token_keeper=keeper)
    assert asked.report is None
    assert asked.reason == "The running app's address file is not readable."


async def test_a_refused_token_is_a_reason_without_the_token(
    served: Served, data_dir: Path
) -> None:
    announce(data_dir, served)
    asked = await ask_running_app(
        data_dir, "GET", "/v1/stats", token_keeper=KeptToken("not-the-token-FAKE-NOT-A-SECRET")
    )
    assert asked.report is None
    assert asked.reason == (
        "Presence Tray is running, but refused the API token kept in the keyring."
    )


async def test_no_token_in_the_keyring_yet_the_command_makes_and_keeps_it(
    served: Served, data_dir: Path
) -> None:
    # The app reads the token only when a first program connects: on the very first use the
    # command may come first, and makes the token the app will then read.
    announce(data_dir, served)
    kept = KeptToken(None)
    await ask_running_app(data_dir, "GET", "/v1/stats", token_keeper=kept)
    assert kept.token is not None
    assert len(kept.token) >= 40


class UnusableKeyring(KeptToken):
    async def get(self) -> str | None:
        raise SecretStoreUnavailableError("The system keyring is locked.")


async def test_an_unusable_keyring_is_a_reason(served: Served, data_dir: Path) -> None:
    announce(data_dir, served)
    asked = await ask_running_app(data_dir, "GET", "/v1/stats", token_keeper=UnusableKeyring(None))
    assert asked.report is None
    assert asked.reason == (
        "Presence Tray is running, but the system keyring that keeps its API token cannot be used."
    )


async def test_an_api_that_does_not_answer_is_a_reason(data_dir: Path, capsys) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    write_discovery(data_dir, f"http://127.0.0.1:{port}", os.getpid())
    answer = await answer_from_running_app(
        options(data_dir, "--simulated", "stats"), token_keeper=KeptToken(TOKEN)
    )
    assert answer is None
    assert capsys.readouterr().err == (
        "Presence Tray is running, but its local API did not answer. "
        "Answering from a short run of the simulated network.\n"
    )


async def test_an_error_answer_is_a_reason(served: Served, data_dir: Path) -> None:
    announce(data_dir, served)
    asked = await ask_running_app(
        data_dir, "POST", "/v1/availability", body={"people": []}, token_keeper=KeptToken(TOKEN)
    )
    assert asked.report is None
    assert asked.reason == "Presence Tray is running, but its local API answered 400."
