"""The headless command line: ``status``, ``available`` and ``stats``, and the options of all.

The commands read a :class:`~presence_tray.core.hub.PresenceHub` and format answers; building
the hub and feeding it is the composition root's job (:mod:`presence_tray.app`).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from presence_tray import __version__
from presence_tray.core import reports
from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.describe import state_words
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.simulated.network import DEFAULT_SEED
from presence_tray.platforms.simulated.population import DEFAULT_POPULATION, MAX_POPULATION
from presence_tray.storage.paths import DATA_DIR_ENV

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import Person
    from presence_tray.core.preferences import Preferences
    from presence_tray.core.supervisor import AccountStatus

DEFAULT_SPEEDUP = 60.0

EXIT_OK = 0
EXIT_NOT_ALL_REACHABLE = 1
EXIT_USAGE = 2
EXIT_FAILED = 1

_DESCRIPTION = """\
Presence Tray shows, in one tray icon, whether the people you work with are available on
Discord, Slack, Teams, Zoom, WhatsApp, LinkedIn, Matrix and XMPP.

Without a command it starts the desktop app. With no account connected (connect one in
Settings > Accounts) it runs on a built-in simulated network, so you can see it working at
once. It keeps what it learns in a local database (the simulated network in a file of its
own) and shows the last known statuses at once on the next start.

While it runs, the desktop app answers other programs on this computer through a local
HTTP API on 127.0.0.1 (port 47563 unless chosen in Settings > General > Local API or in
$PRESENCE_TRAY_API_PORT; with a token), and status, available and stats ask it. When it is
not running they answer alone: from the statuses saved when it last ran, or, on the
simulated network, from a short run of it. export, forget, history, notify and favourite
work on the saved data.
"""


@dataclass(frozen=True, slots=True)
class Answer:
    """What a command prints and the exit code it returns."""

    text: str
    exit_code: int = EXIT_OK


def _size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_POPULATION:
        msg = f"must be between 1 and {MAX_POPULATION}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _speedup(text: str) -> float:
    value = float(text)
    if not 0 < value <= 100_000:  # noqa: PLR2004 - a sanity bound, not a tunable
        msg = "must be greater than 0 and at most 100000"
        raise argparse.ArgumentTypeError(msg)
    return value


def _moment(text: str) -> float:
    """An ISO 8601 date and time (local time when it names no offset) as a POSIX time."""
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        msg = (
            f"{text!r} is not a date and time; write it like 2026-11-25T09:00 or "
            "2026-11-25T09:00+01:00"
        )
        raise argparse.ArgumentTypeError(msg) from None


def _common_options(*, with_defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name.

    The main parser's copy has the defaults; each command's copy has none
    (``argparse.SUPPRESS``), so that an option given before the command is not overwritten by
    the command's default (``presence-tray --data-dir X status`` keeps X).
    """

    def default(value: object) -> object:
        return value if with_defaults else argparse.SUPPRESS

    common = argparse.ArgumentParser(add_help=False)
    network = common.add_argument_group(
        "simulated network",
        "Shown when no account is connected; with accounts, Presence Tray shows them instead "
        "(unless --simulated).",
    )
    network.add_argument(
        "--simulated",
        action="store_true",
        default=default(value=False),
        help="show the simulated network even though accounts are connected",
    )
    network.add_argument(
        "--people",
        type=_size,
        default=default(DEFAULT_POPULATION),
        metavar="N",
        help=f"how many simulated people (1-{MAX_POPULATION}; default {DEFAULT_POPULATION})",
    )
    network.add_argument(
        "--seed",
        type=int,
        default=default(DEFAULT_SEED),
        help=f"seed of the simulated population (default {DEFAULT_SEED})",
    )
    network.add_argument(
        "--speed",
        type=_speedup,
        default=default(DEFAULT_SPEEDUP),
        metavar="FACTOR",
        help=f"how much faster than real time the simulated day runs (default {DEFAULT_SPEEDUP:g})",
    )
    network.add_argument(
        "--start",
        type=_moment,
        default=default(None),
        metavar="WHEN",
        help="the moment the simulated day starts from, in ISO 8601, e.g. 2026-11-25T09:00 "
        "(local time) or 2026-11-25T09:00+01:00 (default: now; never before what was saved)",
    )
    common.add_argument(
        "--policy",
        choices=[p.value.replace("_", "-") for p in AggregationPolicy],
        default=default(None),
        help="how several platforms make one status, for this run: the most available one "
        "wins, or do-not-disturb anywhere wins (default: your saved preference, at first "
        "most-available)",
    )
    common.add_argument(
        "--data-dir",
        default=default(None),
        metavar="DIR",
        help="where Presence Tray keeps its database (default: your user data folder, or "
        f"${DATA_DIR_ENV} when set)",
    )
    common.add_argument(
        "-v", "--verbose", action="count", default=default(0), help="log more (-vv: debug)"
    )

    return common


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``presence-tray`` and its commands, with ``--help`` everywhere."""
    common = _common_options(with_defaults=False)
    parser = argparse.ArgumentParser(
        prog="presence-tray",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common_options(with_defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    status = commands.add_parser(
        "status",
        parents=[common],
        help="show people's status",
        description="Show each person's status, the platform that decided it, and every "
        "platform's own value.",
    )
    status.add_argument(
        "names", nargs="*", metavar="NAME", help="only these people (name or handle)"
    )
    status.add_argument("--json", action="store_true", help="print JSON")

    available = commands.add_parser(
        "available",
        parents=[common],
        help="can I reach these people now? (exit code 0 only if all can be reached)",
        description="Answer, for each person, whether they can be reached now and where. "
        "Exits 0 only if every one of them is available (online or idle, not in "
        "do-not-disturb) on some platform; 1 otherwise.",
    )
    available.add_argument("names", nargs="+", metavar="NAME", help="name or handle")
    available.add_argument("--json", action="store_true", help="print JSON")

    stats = commands.add_parser(
        "stats",
        parents=[common],
        help="show counters and account health",
        description="Show update counts per platform, event rate and each account's health.",
    )
    stats.add_argument("--json", action="store_true", help="print JSON")

    export = commands.add_parser(
        "export",
        parents=[common],
        help="write your data as JSON",
        description="Write people, identities, favourites, preferences, do-not-disturb "
        "schedules, notification rules, webhooks and presence history as JSON. Secrets are "
        "never included (webhooks' signing secrets neither): they stay in your system keyring.",
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )

    forget = commands.add_parser(
        "forget",
        parents=[common],
        help="delete everything kept about a person",
        description="Delete a person's presence history, cached status, favourite and "
        "notification rules. They appear again, with nothing remembered, when a platform "
        "lists them.",
    )
    forget.add_argument("name", metavar="NAME", help="name or handle")

    history = commands.add_parser(
        "history",
        parents=[common],
        help="show or change how presence history is kept",
        description="Presence history keeps each change of people's status (not every "
        "observation) for the person detail's timeline. Without arguments, show the "
        "settings; 'on' or 'off' switches recording; --keep-days sets how long it is kept.",
    )
    history.add_argument("switch", nargs="?", choices=["on", "off"], help="record history or not")
    history.add_argument(
        "--keep-days", type=_days, metavar="DAYS", help="delete history older than DAYS (1-3650)"
    )

    notify = commands.add_parser(
        "notify",
        parents=[common],
        help="get a desktop notification when someone's status changes",
        description="Save a notification rule for one person: notify me when they become "
        "available (online or idle, not in do-not-disturb), go offline, or change status at "
        "all. At most one notification per person every 5 minutes; none during "
        "do-not-disturb (a digest follows). The running app picks the rule up within seconds.",
    )
    notify.add_argument("name", metavar="NAME", help="name or handle")
    notify.add_argument(
        "--on",
        choices=NOTIFY_ON_OPTIONS,
        default="available",
        help="which change (default %(default)s)",
    )
    notify.add_argument("--once", action="store_true", help="only the next time, then forget it")
    notify.add_argument("--off", action="store_true", help="remove this rule instead")

    favourite = commands.add_parser(
        "favourite",
        parents=[common],
        help="mark someone as a favourite",
        description="Favourites are listed first and notify you when they become available "
        "(unless you set a notification rule of your own for them).",
    )
    favourite.add_argument("name", metavar="NAME", help="name or handle")
    favourite.add_argument("--off", action="store_true", help="no longer a favourite")
    return parser


NOTIFY_ON_OPTIONS = [on.value.replace("_", "-") for on in NotifyOn]
_NOTIFY_ON_WORDS = {
    NotifyOn.AVAILABLE: "becomes available",
    NotifyOn.ANY_CHANGE: "changes status",
    NotifyOn.OFFLINE: "goes offline",
}


def notify_command(
    person: Person, on_option: str, *, once: bool, off: bool
) -> tuple[NotificationRule, Answer]:
    """The rule ``notify NAME [--on ...] [--once] [--off]`` saves (or removes), and what to
    print."""
    rule = NotificationRule(person.person_id, NotifyOn(on_option.replace("-", "_")), once=once)
    when = _NOTIFY_ON_WORDS[rule.on]
    if off:
        return rule, Answer(f"You will no longer be notified when {person.display_name} {when}.")
    how_often = "the next time" if once else "each time (at most every 5 minutes)"
    return rule, Answer(f"Saved. You will be notified {how_often} {person.display_name} {when}.")


def favourite_command(person: Person, *, off: bool) -> Answer:
    """What ``favourite NAME [--off]`` prints."""
    if off:
        return Answer(f"{person.display_name} is no longer a favourite.")
    return Answer(
        f"{person.display_name} is a favourite: you will be notified when they become available."
    )


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 3650:  # noqa: PLR2004 - ten years is plenty
        msg = "must be between 1 and 3650"
        raise argparse.ArgumentTypeError(msg)
    return value


def history_command(
    current: Preferences, switch: str | None, keep_days: int | None
) -> tuple[Preferences, Answer]:
    """The preferences after ``history [on|off] [--keep-days N]``, and what to print."""
    updated = current
    if switch is not None:
        updated = replace(updated, history_enabled=switch == "on")
    if keep_days is not None:
        updated = replace(updated, history_retention_days=keep_days)
    state = "on" if updated.history_enabled else "off"
    text = f"History is {state}; it is kept for {updated.history_retention_days} days."
    if updated != current:
        text = f"Saved. {text}"
    return updated, Answer(text)


def policy_from_option(option: str | None) -> AggregationPolicy | None:
    """``most-available`` → :attr:`AggregationPolicy.MOST_AVAILABLE`; None stays None."""
    return None if option is None else AggregationPolicy(option.replace("-", "_"))


# -- the commands --------------------------------------------------------------------------


def resolve_person(hub: PresenceHub, name: str) -> tuple[Person | None, str | None]:
    """One person for ``name`` (a person id, name or handle), or an error sentence."""
    return reports.resolve_person(hub, name)


def status_command(hub: PresenceHub, names: Sequence[str], *, as_json: bool, now: float) -> Answer:
    """Each person's aggregate, deciding platform and per-platform values."""
    return status_answer(reports.people_report(hub, names, now=now), as_json=as_json)


def status_answer(payload: Mapping[str, Any], *, as_json: bool) -> Answer:
    """``status`` from a people report (built here, or answered by the running app)."""
    errors: list[str] = payload["errors"]
    code = EXIT_USAGE if errors else EXIT_OK
    if as_json:
        return Answer(json.dumps(payload, indent=2, ensure_ascii=False), code)
    people: list[dict[str, Any]] = payload["people"]
    width = max((len(p["name"]) for p in people), default=0)
    lines: list[str] = []
    for person in people:
        lines.append(f"{person['name']:<{width}}  {person['summary']}")
        lines.extend(f"{'':<{width}}    {value['words']}" for value in person["platforms"])
    lines.extend(errors)
    return Answer("\n".join(lines), code)


def available_command(hub: PresenceHub, names: Sequence[str], *, as_json: bool) -> Answer:
    """Whether every named person can be reached now, and where."""
    return available_answer(reports.availability_report(hub, names), as_json=as_json)


def available_answer(payload: Mapping[str, Any], *, as_json: bool) -> Answer:
    """``available`` from an availability report (built here, or answered by the running app)."""
    code = EXIT_OK if payload["all_reachable"] else EXIT_NOT_ALL_REACHABLE
    if as_json:
        return Answer(json.dumps(payload, indent=2), code)
    return Answer("\n".join(map(_availability_line, payload["people"])), code)


def _availability_line(entry: Mapping[str, Any]) -> str:
    """ "Alice Chen: reachable on Teams", from one entry of an availability report."""
    if not entry["found"]:
        return f"{entry['query']}: {entry['error']}"
    state = PresenceState(entry["state"])
    if entry["reachable"]:
        where = ", ".join(Platform(p).display_name for p in entry["via"])
        verdict = f"reachable on {where}"
    elif state is PresenceState.UNKNOWN:
        verdict = "not reachable (unknown: no platform can tell)"
    else:
        verdict = f"not reachable ({state_words(state, dnd=entry['dnd'])})"
    return f"{entry['name']}: {verdict}"


def stats_command(
    hub: PresenceHub,
    accounts: Sequence[AccountStatus],
    *,
    keyring_backend: str,
    keyring_problem: str | None,
    as_json: bool,
    now: float | None = None,
) -> Answer:
    """Counters of the hub and the health of every account (``now``: the hub's clock time,
    for the cache's age; the system's time when not given)."""
    payload = reports.statistics_report(
        hub,
        accounts,
        keyring=reports.Keyring(keyring_backend, keyring_problem),
        now=time.time() if now is None else now,
    )
    return stats_answer(payload, as_json=as_json)


def stats_answer(payload: Mapping[str, Any], *, as_json: bool) -> Answer:
    """``stats`` from a statistics report (built here, or answered by the running app, whose
    report adds the API calls spent and left and the webhooks' deliveries)."""
    if as_json:
        return Answer(json.dumps(payload, indent=2))
    per_platform = ", ".join(
        f"{Platform(p).display_name} {n}" for p, n in payload["updates_by_platform"].items()
    )
    states = ", ".join(
        f"{n} {state_words(PresenceState(s)).lower()}" for s, n in payload["states"].items()
    )
    lines = [
        f"People: {payload['people']} ({payload['identities']} identities)",
        f"Updates: {payload['updates_total']} ({per_platform})",
        (
            f"Change events: {payload['events_total']} "
            f"({payload['events_per_second']:.2f}/s over the last minute)"
        ),
        f"States: {states}",
    ]
    if payload["unmatched_updates"]:
        lines.append(f"Updates for unknown contacts: {payload['unmatched_updates']}")
    keyring = payload["keyring"]
    lines.append(
        f"Secrets: {keyring['problem']}"
        if keyring["problem"]
        else f"Secrets: kept in the system keyring ({keyring['backend']})"
    )
    lines.append("Accounts:")
    for account in payload["accounts"]:
        detail = f" — {account['message']}" if account["message"] else ""
        health = account["health"].replace("_", " ")
        lines.append(f"  {_account_name(account)}: {health}{detail}")
    lines.extend(_api_call_lines(payload.get("api_calls", ())))
    lines.extend(_webhook_lines(payload.get("webhooks")))
    return Answer("\n".join(lines))


def _account_name(entry: Mapping[str, Any]) -> str:
    """ "Slack (work)", as the app names an account, from a report's platform and account."""
    return str(AccountRef(Platform(entry["platform"]), entry["account"]))


def _api_call_lines(api_calls: Sequence[Mapping[str, Any]]) -> list[str]:
    """What each polled account has spent of its platform's limits (the running app's)."""
    lines = ["API calls (spent / allowed in the current window):"] if api_calls else []
    lines.extend(
        f"  {_account_name(account)} {limit['name']}: {limit['spent_in_window']} / "
        f"{limit['calls_per_window']} per {limit['per_seconds']:g} s, "
        f"{limit['calls_total']} in all, rate-limited {limit['times_rate_limited']} times"
        for account in api_calls
        for limit in account["limits"]
    )
    return lines


def _webhook_lines(webhooks: Mapping[str, Any] | None) -> list[str]:
    """The webhooks' deliveries (the running app's), one line with each failing hook's reason."""
    if not webhooks or not webhooks["hooks"]:
        return []
    totals = (
        f"Webhooks: {webhooks['delivered']} delivered, {webhooks['failed']} failed, "
        f"{webhooks['retries']} retries, {webhooks['dropped']} dropped"
    )
    lines = [totals]
    lines.extend(
        f"  {hook['destination']}: {hook['last_error']}"
        for hook in webhooks["hooks"]
        if hook["last_error"]
    )
    return lines


def export_command(data: Mapping[str, object], output: Path | None) -> Answer:
    """Print the exported data, or write it to ``output``."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if output is None:
        return Answer(text)
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        return Answer(f"Could not write {output}: {err.strerror or err}.", EXIT_FAILED)
    return Answer(f"Wrote your data to {output}.")
