"""The command line's commands, on a hub filled by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from presence_tray import cli
from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.client import AccountHealth
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Preferences
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.core.supervisor import AccountStatus
from tests.core.helpers import NOW, identity, key, value

ALICE_SLACK = key(Platform.SLACK, "U1")
ALICE_TEAMS = key(Platform.TEAMS, "T1")
BOB_ZOOM = key(Platform.ZOOM, "Z2")
CAROL_WHATSAPP = key(Platform.WHATSAPP, "+15550100")
DAN_DISCORD = key(Platform.DISCORD, "99")


@pytest.fixture
def hub() -> PresenceHub:
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            identity(ALICE_TEAMS, "Alice Chen", "alice"),
            identity(BOB_ZOOM, "Bob Stone", "bob"),
            identity(CAROL_WHATSAPP, "Carol Diaz", "carol"),
            identity(DAN_DISCORD, "Dan Alcott", "dan"),
        ]
    )
    hub.ingest(value(ALICE_SLACK, PresenceState.AWAY))
    hub.ingest(value(ALICE_TEAMS, PresenceState.ONLINE))
    hub.ingest(
        value(BOB_ZOOM, PresenceState.BUSY, dnd=True, activity=Activity(ActivityKind.IN_A_MEETING))
    )
    hub.ingest(
        value(
            CAROL_WHATSAPP,
            PresenceState.UNKNOWN,
            source=PresenceSource.NONE,
            note="WhatsApp does not share presence",
        )
    )
    hub.ingest(value(DAN_DISCORD, PresenceState.OFFLINE))
    hub.flush()
    return hub


def test_parser_has_help_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    for argv in (["--help"], ["status", "--help"], ["available", "--help"], ["stats", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(argv)
        assert exit_info.value.code == 0
        assert "usage: presence-tray" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--people", "0"], ["--people", "10001"], ["--speed", "0"]])
def test_parser_refuses_out_of_range_options(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_parser_defaults_and_policy() -> None:
    options = cli.build_parser().parse_args(["status", "--policy", "respect-dnd", "alice"])
    assert options.command == "status"
    assert options.names == ["alice"]
    assert options.people == 24
    assert cli.policy_from_option(options.policy) is AggregationPolicy.RESPECT_DND


def test_status_lists_everyone_with_platform_values(hub: PresenceHub) -> None:
    answer = cli.status_command(hub, [], as_json=False, now=NOW)
    assert answer.exit_code == 0
    lines = answer.text.splitlines()
    assert lines[0].startswith("Alice Chen")
    assert "Available · Teams" in lines[0]
    assert "Slack: Away" in answer.text
    assert "Do not disturb · In a meeting · Zoom" in answer.text
    assert "    WhatsApp does not share presence" in answer.text
    carol = next(line for line in lines if line.startswith("Carol"))
    assert "Unknown" in carol
    assert "Offline" not in carol


def test_status_json_has_deciding_platform_and_values(hub: PresenceHub) -> None:
    answer = cli.status_command(hub, ["alice"], as_json=True, now=NOW)
    payload = json.loads(answer.text)
    (alice,) = payload["people"]
    assert alice["name"] == "Alice Chen"
    assert alice["state"] == "online"
    assert alice["decided_by"] == "teams"
    assert {p["platform"]: p["state"] for p in alice["platforms"]} == {
        "slack": "away",
        "teams": "online",
    }
    assert "most available wins" in alice["explanation"]
    assert payload["errors"] == []


def test_status_with_unknown_name_says_so(hub: PresenceHub) -> None:
    answer = cli.status_command(hub, ["zz"], as_json=False, now=NOW)
    assert answer.exit_code == cli.EXIT_USAGE
    assert "No one matches 'zz'." in answer.text


def test_available_exit_code_is_zero_only_if_all_reachable(hub: PresenceHub) -> None:
    yes = cli.available_command(hub, ["alice"], as_json=False)
    assert yes.exit_code == 0
    assert yes.text == "Alice Chen: reachable on Teams"
    no = cli.available_command(hub, ["alice", "bob"], as_json=False)
    assert no.exit_code == cli.EXIT_NOT_ALL_REACHABLE
    assert "Bob Stone: not reachable (Do not disturb)" in no.text
    unknown = cli.available_command(hub, ["carol"], as_json=False)
    assert unknown.exit_code == cli.EXIT_NOT_ALL_REACHABLE
    assert "unknown: no platform can tell" in unknown.text


def test_available_json_and_missing_or_ambiguous_names(hub: PresenceHub) -> None:
    answer = cli.available_command(hub, ["alice", "nobody", "al"], as_json=True)
    payload = json.loads(answer.text)
    assert answer.exit_code == cli.EXIT_NOT_ALL_REACHABLE
    assert payload["all_reachable"] is False
    alice, nobody, ambiguous = payload["people"]
    assert alice["reachable"] is True
    assert alice["via"] == ["teams"]
    assert nobody == {
        "query": "nobody",
        "found": False,
        "reachable": False,
        "error": "No one matches 'nobody'.",
    }
    assert "matches several people" in ambiguous["error"]


def test_stats_text_and_json(hub: PresenceHub) -> None:
    accounts = [
        AccountStatus(AccountRef(Platform.SLACK, "work"), AccountHealth.LIVE),
        AccountStatus(
            AccountRef(Platform.ZOOM, "work"), AccountHealth.RECONNECTING, message="dropped"
        ),
    ]
    text = cli.stats_command(
        hub, accounts, keyring_backend="SecretService", keyring_problem=None, as_json=False
    ).text
    assert "People: 4 (5 identities)" in text
    assert "Slack (work): live" in text
    assert "Zoom (work): reconnecting — dropped" in text
    assert "Secrets: kept in the system keyring (SecretService)" in text
    problem = cli.stats_command(
        hub, accounts, keyring_backend="fail", keyring_problem="No system keyring.", as_json=False
    ).text
    assert "Secrets: No system keyring." in problem
    payload = json.loads(
        cli.stats_command(
            hub, accounts, keyring_backend="fail", keyring_problem="No keyring.", as_json=True
        ).text
    )
    assert payload["keyring"] == {"backend": "fail", "problem": "No keyring."}
    assert payload["people"] == 4
    assert payload["updates_by_platform"]["slack"] == 1
    assert payload["states"] == {"busy": 1, "offline": 1, "online": 1, "unknown": 1}
    assert [a["health"] for a in payload["accounts"]] == ["live", "reconnecting"]


def test_history_command_switches_and_keeps_days() -> None:
    current = Preferences()
    same, answer = cli.history_command(current, None, None)
    assert same == current
    assert answer.text == "History is on; it is kept for 30 days."
    off, answer = cli.history_command(current, "off", 7)
    assert not off.history_enabled
    assert off.history_retention_days == 7
    assert answer.text == "Saved. History is off; it is kept for 7 days."


def test_start_sets_the_moment_the_simulated_day_starts_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["status"]).start is None  # now
    options = parser.parse_args(["status", "--start", "2026-11-25T09:00+01:00"])
    assert options.start == datetime(2026, 11, 25, 8, 0, tzinfo=UTC).timestamp()
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["status", "--start", "next tuesday"])
    assert exit_info.value.code == 2
    assert "'next tuesday' is not a date and time" in capsys.readouterr().err
