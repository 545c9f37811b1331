"""Benchmark of the polled clients (Slack, Teams, Zoom) against their fakes over real HTTP.

    .venv/bin/python bench/polling.py [--hours 24] [--platform slack|teams|zoom ...]
        [--people 100 --people 1000] [--speed N] [--changes 300] [--segment-hours 6]
        [--jobs 2] [--seed 6]

For each platform and population, a process serves the platform's test fake on 127.0.0.1 (a
free port) and runs the real client through a real ``ClientSupervisor`` into a
``PresenceHub``. One ``ScaledClock`` is the time of the fake (which enforces the documented
rate limits on it), the client, the supervisor and the hub, so a simulated day runs in
minutes. The client polls with its default interval (a minute); ten people are favourites
(the client's ``is_priority``); the token is one long-lived token from the fake. A day runs as
segments of ``--segment-hours`` (each a fresh start of the client, contacts imported again),
``--jobs`` processes at a time, so both cores work; the default ``--speed`` of each run keeps
the real request rate one process can serve and make while keeping up.

Presence changes are scripted on the fake at random simulated times (half on favourites, half
on the others; a favourite changes at most once every half hour, anyone else once every two
hours, so each change can be seen before the next), toggling between two states that differ
in the hub (see ``bench/polling_rigs.py``). A hub subscriber notes the first moment each
person's state in the hub equals the new state.

Printed per platform and population: API calls per person per hour (requests the fake
answered / people / simulated hours), the time from a change on the fake to the change in the
hub (p50 and p95, favourites apart from the rest, simulated seconds), the 429s the fake
answered (target 0), the real request rate, and whether the run kept up: HTTP round trips take
real time, so at too high a ``--speed`` the client falls behind the compressed clock and the
latencies grow for that reason alone (a warning says so). The last line is one JSON object:
``{platform: {people: {calls_per_person_hour, favourite_latency_p50_s,
favourite_latency_p95_s, other_latency_p50_s, other_latency_p95_s, rate_limited_429s}}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.polling_rigs import RIGS, key_of
from presence_tray.core.clock import ScaledClock
from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.supervisor import ClientSupervisor
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bench.polling_rigs import PlatformRig
    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.supervisor import AccountStatus
    from tests.servers.http_fake import FakeRequest, FakeResponse

PLATFORMS = ("slack", "teams", "zoom")
DEFAULT_PEOPLE = (100, 1000)
MAX_SPEED = 200.0
"""Clock compression at most. A client's calls go one after another, and each round trip here
(fake, client and hub in one process) takes one or two real milliseconds, which the clock
stretches: at x200 that is 0.2-0.4 simulated seconds a call, and a large answer (a Teams
page of 650 presences, a Slack users.list of 1,000 members) some seconds. At x400 the Slack
client with 1,000 people could no longer spend its users.getPresence budget (a call and a
dnd.teamInfo call each turn) and Teams' event loop ran up to 7 simulated seconds late."""
REAL_REQUESTS_PER_SECOND = 500.0
"""Requests a second one process serves and makes at most while keeping up (client, fake and
hub in one process on this 2-core machine, two processes at a time: about 650 a second
saturate one)."""
ZOOM_REQUESTS_PER_SECOND_AT_MOST = 18.0
"""Zoom's Medium budget: 20 a second, minus the client's headroom."""


def simulated_request_rate(platform: str, people: int) -> float:
    """Requests a simulated second the client makes at most, from the limits it keeps to and
    its one-minute polling interval."""
    if platform == "slack":  # users.getPresence 45/min, dnd.teamInfo 18/min, users.list
        return 1.1
    if platform == "teams":  # one getPresencesByUserId per 650 people a minute
        return math.ceil(people / 650) / 60
    return min(people / 60, ZOOM_REQUESTS_PER_SECOND_AT_MOST)  # Zoom: one per person a minute


FAVOURITES = 10
TOO_MANY_REQUESTS = 429
FAVOURITE_GAP_SECONDS = 1800.0
OTHER_GAP_SECONDS = 7200.0
"""Least time between two changes of one person: longer than the time between two polls of
them, so every change can be seen before the next one."""
WARM_UP_SHARE = 0.1
"""No change in the first 10 % of a segment (at most an hour): contact import, first round."""
COOL_DOWN_SHARE = 0.2
"""Nor in the last 20 % (at most an hour): the last changes have time to show."""
LOG_CLEANUP_REAL_SECONDS = 2.0
SATURATED_CPU_SHARE = 0.9
"""A process busier than this for the whole run could not keep up with its clock."""
LAG_PROBE_REAL_SECONDS = 0.01
MAX_LAG_SIMULATED_SECONDS = 3.0
"""The event loop woke a timer this much (simulated) late, at the 99th percentile, at most
(5 % of the one-minute polling interval): more, and the client's own waits ran late because
the process could not keep up with the clock."""


@dataclass(frozen=True)
class Job:
    """One platform and population to run (or one segment of such a run)."""

    platform: str
    people: int
    hours: float
    speed: float
    changes: int
    seed: int


def default_speed(platform: str, people: int) -> float:
    """The clock compression at which the client keeps up (see the constants above)."""
    return min(MAX_SPEED, REAL_REQUESTS_PER_SECOND / simulated_request_rate(platform, people))


@dataclass
class Change:
    """A scripted change of one person, and when the hub first showed it (simulated time)."""

    remote_id: str
    favourite: bool
    planned_at: float
    to_changed: bool = True
    happened_at: float | None = None
    seen_at: float | None = None


@dataclass
class Outcome:
    """What one job measured."""

    platform: str
    people: int
    speed: float
    simulated_hours: float
    real_seconds: float
    requests: int
    rate_limited: int
    client_calls: int
    client_times_held: int
    favourite_latencies: list[float]
    other_latencies: list[float]
    changes_made: int
    changes_unseen: int
    cpu_share: float
    loop_lags: list[float]
    """How late the event loop woke a timer, in simulated seconds (sampled)."""
    account_troubles: list[str] = field(default_factory=list)

    @property
    def calls_per_person_hour(self) -> float:
        """Requests the fake answered, per monitored person and simulated hour."""
        return self.requests / self.people / self.simulated_hours

    @property
    def real_request_rate(self) -> float:
        """Requests answered per real second."""
        return self.requests / self.real_seconds

    @property
    def loop_lag_p99(self) -> float:
        """The 99th percentile of the loop's lateness, in simulated seconds."""
        return percentile(self.loop_lags, 0.99) or 0.0

    @property
    def kept_up(self) -> bool:
        """Whether the process had time to spare, so the clock never ran ahead of the client."""
        return (
            self.cpu_share < SATURATED_CPU_SHARE and self.loop_lag_p99 <= MAX_LAG_SIMULATED_SECONDS
        )


class CountingHandler:
    """Answers as the fake does, counting every answer and the 429s among them."""

    def __init__(self, rig: PlatformRig) -> None:
        """Count ``rig``'s answers."""
        self._rig = rig
        self.answered = 0
        self.rate_limited = 0

    def handle(self, request: FakeRequest) -> FakeResponse:
        """The fake's answer, counted."""
        answer = self._rig.handle(request)
        self.answered += 1
        if answer.status == TOO_MANY_REQUESTS:
            self.rate_limited += 1
        return answer


class ChangeWatch:
    """Follows the hub: when each person's scripted change first shows there."""

    def __init__(
        self, rig: PlatformRig, hub: PresenceHub, clock: ScaledClock, changes: Sequence[Change]
    ) -> None:
        """Watch ``changes`` (in time order) of ``rig``'s people in ``hub``."""
        self._clock = clock
        self._states = {True: rig.changed, False: rig.calm}
        self._person_of = {
            change.remote_id: unlinked_person_id(key_of(rig, change.remote_id))
            for change in changes
        }
        self._pending: dict[str, list[Change]] = {}
        for change in changes:
            self._pending.setdefault(self._person_of[change.remote_id], []).append(change)
        hub.subscribe(self._on_changes)

    def _on_changes(self, changes: list[PresenceChanged]) -> None:
        now = self._clock.now()
        for changed in changes:
            pending = self._pending.get(changed.person.person_id)
            if not pending:
                continue
            first = pending[0]
            if (
                first.happened_at is not None
                and changed.new.state is self._states[first.to_changed]
            ):
                first.seen_at = now
                pending.pop(0)

    def change_happened(self, change: Change) -> None:
        """A change was made on the fake: an earlier one of the person not seen by now never
        will be (it stays unseen)."""
        pending = self._pending[self._person_of[change.remote_id]]
        while pending and pending[0] is not change:
            pending.pop(0)


def warmed_up_at(job: Job, start: float) -> float:
    """When the warm-up of a segment starting at ``start`` ends (no change before it)."""
    return start + min(3600.0, job.hours * 3600 * WARM_UP_SHARE)


def plan_changes(
    rig: PlatformRig, favourites: Sequence[str], job: Job, start: float, rng: random.Random
) -> list[Change]:
    """Random changes over the run: half on favourites, half on the others, spaced per person."""
    duration = job.hours * 3600
    first = warmed_up_at(job, start)
    last = start + duration - min(3600.0, duration * COOL_DOWN_SHARE)
    others = [remote_id for remote_id in rig.people if remote_id not in set(favourites)]
    planned: dict[str, list[float]] = {}
    changes: list[Change] = []
    for index in range(job.changes):
        favourite = index % 2 == 0
        gap = FAVOURITE_GAP_SECONDS if favourite else OTHER_GAP_SECONDS
        for _attempt in range(100):
            remote_id = rng.choice(favourites if favourite else others)
            at = rng.uniform(first, last)
            if all(abs(at - other) >= gap for other in planned.get(remote_id, ())):
                planned.setdefault(remote_id, []).append(at)
                changes.append(Change(remote_id, favourite, at))
                break
    changes.sort(key=lambda change: change.planned_at)
    toggled: dict[str, bool] = {}
    for change in changes:
        change.to_changed = not toggled.get(change.remote_id, False)
        toggled[change.remote_id] = change.to_changed
    return changes


async def make_changes(
    rig: PlatformRig, clock: ScaledClock, changes: Sequence[Change], watch: ChangeWatch
) -> None:
    """Make each change on the fake when the clock reaches it, noting the moment."""
    for change in changes:
        wait = change.planned_at - clock.now()
        if wait > 0:
            await clock.sleep(wait)
        rig.change(change.remote_id, to_changed=change.to_changed)
        change.happened_at = clock.now()
        watch.change_happened(change)


async def forget_logs(rig: PlatformRig, server: FakeHttpServer) -> None:
    """Keep the memory flat: drop the server's and the fake's request logs now and then."""
    while True:
        await asyncio.sleep(LOG_CLEANUP_REAL_SECONDS)
        server.requests.clear()
        rig.forget_logs()


async def probe_loop_lag(lags: list[float], clock: ScaledClock, since: float) -> None:
    """Note how late the event loop wakes a short timer, in simulated seconds, from ``since``
    (the end of the warm-up: the contact import is one long burst of work, and measured
    changes begin after it)."""
    await clock.sleep(since - clock.now())
    while True:
        asked = time.monotonic()
        await asyncio.sleep(LAG_PROBE_REAL_SECONDS)
        lags.append((time.monotonic() - asked - LAG_PROBE_REAL_SECONDS) * clock.factor)


async def run_job(job: Job) -> Outcome:
    """Run one platform and population for ``job.hours`` simulated hours."""
    rng = random.Random(job.seed)
    clock = ScaledClock(job.speed)
    rig = RIGS[job.platform](job.people, clock)
    counter = CountingHandler(rig)
    server = await FakeHttpServer(counter.handle).start()
    loop = asyncio.get_running_loop()
    hub = PresenceHub(clock, schedule_flush=loop.call_soon)
    supervisor = ClientSupervisor(hub, clock)
    troubles: list[str] = []

    def on_status(status: AccountStatus) -> None:
        if status.health.value != "live" and status.message:
            troubles.append(f"{status.health.value}: {status.message}")

    supervisor.subscribe(on_status)
    favourites = rng.sample(rig.people, min(FAVOURITES, len(rig.people)))
    favourite_keys = {key_of(rig, remote_id) for remote_id in favourites}
    start = clock.now()
    changes = plan_changes(rig, favourites, job, start, rng)
    watch = ChangeWatch(rig, hub, clock, changes)
    client = rig.make_client(server.url, clock, favourite_keys.__contains__)
    real_start, cpu_start = time.monotonic(), _cpu_seconds()
    supervisor.start(client)
    lags: list[float] = []
    helpers = [
        asyncio.ensure_future(make_changes(rig, clock, changes, watch)),
        asyncio.ensure_future(forget_logs(rig, server)),
        asyncio.ensure_future(probe_loop_lag(lags, clock, warmed_up_at(job, start))),
    ]
    await clock.sleep(start + job.hours * 3600 - clock.now())
    simulated_hours = (clock.now() - start) / 3600
    real_seconds = time.monotonic() - real_start
    cpu_share = (_cpu_seconds() - cpu_start) / real_seconds
    for helper in helpers:
        helper.cancel()
    await asyncio.gather(*helpers, return_exceptions=True)
    await supervisor.aclose()
    calls, held = client.calls_made, client.times_rate_limited  # type: ignore[attr-defined]
    await client.aclose()  # type: ignore[attr-defined]
    await server.aclose()
    made = [change for change in changes if change.happened_at is not None]
    return Outcome(
        platform=job.platform,
        people=job.people,
        speed=job.speed,
        simulated_hours=simulated_hours,
        real_seconds=real_seconds,
        requests=counter.answered,
        rate_limited=counter.rate_limited,
        client_calls=calls,
        client_times_held=held,
        favourite_latencies=_latencies(made, favourite=True),
        other_latencies=_latencies(made, favourite=False),
        changes_made=len(made),
        changes_unseen=sum(change.seen_at is None for change in made),
        cpu_share=cpu_share,
        loop_lags=lags,
        account_troubles=troubles,
    )


def _latencies(changes: Sequence[Change], *, favourite: bool) -> list[float]:
    return [
        change.seen_at - change.happened_at
        for change in changes
        if change.favourite is favourite
        and change.seen_at is not None
        and change.happened_at is not None
    ]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_in_process(job: Job) -> dict[str, object]:
    """Run ``job`` on a fresh event loop (in a worker process); the outcome as a dict."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    outcome = asyncio.run(run_job(job))
    print(
        f"  done: {job.platform}, {job.people} people, {job.hours:g} simulated h"
        f" in {outcome.real_seconds:.0f} real s",
        file=sys.stderr,
        flush=True,
    )
    return asdict(outcome)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` (0-1) quantile of ``values``, None without values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def report(outcome: Outcome, segments: int) -> dict[str, float | int | None]:
    """Print one job's figures; return its JSON entry."""
    fav, other = outcome.favourite_latencies, outcome.other_latencies
    entry = {
        "calls_per_person_hour": round(outcome.calls_per_person_hour, 3),
        "favourite_latency_p50_s": _rounded(percentile(fav, 0.5)),
        "favourite_latency_p95_s": _rounded(percentile(fav, 0.95)),
        "other_latency_p50_s": _rounded(percentile(other, 0.5)),
        "other_latency_p95_s": _rounded(percentile(other, 0.95)),
        "rate_limited_429s": outcome.rate_limited,
    }
    print(
        f"{outcome.platform}, {outcome.people:,} people: {outcome.simulated_hours:.1f} simulated h"
        f" in {outcome.real_seconds:.0f} real s, {segments} segment(s), clock x{outcome.speed:.0f}"
    )
    print(
        f"  API calls per person per hour: {outcome.calls_per_person_hour:.2f}"
        f"  ({outcome.requests:,} requests; client counted {outcome.client_calls:,})"
    )
    print(
        f"  change -> hub, favourites: p50 {_seconds(entry['favourite_latency_p50_s'])},"
        f" p95 {_seconds(entry['favourite_latency_p95_s'])} ({len(fav)} changes)"
    )
    print(
        f"  change -> hub, others:     p50 {_seconds(entry['other_latency_p50_s'])},"
        f" p95 {_seconds(entry['other_latency_p95_s'])} ({len(other)} changes)"
    )
    if outcome.changes_unseen:
        print(
            f"  changes never seen in the hub: {outcome.changes_unseen} of {outcome.changes_made}"
        )
    print(
        f"  429s answered: {outcome.rate_limited} (client held off {outcome.client_times_held}"
        " times)   target 0"
    )
    print(
        f"  real request rate {outcome.real_request_rate:,.0f}/s; process busy"
        f" {outcome.cpu_share:.0%} of the run; event loop late by"
        f" {outcome.loop_lag_p99:.2f} simulated s (p99);"
        f" one real ms = {outcome.speed / 1000:.2f} simulated s"
    )
    if not outcome.kept_up:
        print(
            "  WARNING: the process could not keep up with the compressed clock (too busy, or"
            " its timers ran late): latencies and calls per hour are worse than the client's"
            " own. Run again with a lower --speed."
        )
    for trouble in sorted(set(outcome.account_troubles)):
        print(f"  account trouble: {trouble}")
    return entry


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def merge(segments: Sequence[Outcome]) -> Outcome:
    """One run's outcome from its segments (each a fresh start of the client)."""
    first = segments[0]
    return Outcome(
        platform=first.platform,
        people=first.people,
        speed=first.speed,
        simulated_hours=sum(part.simulated_hours for part in segments),
        real_seconds=sum(part.real_seconds for part in segments),
        requests=sum(part.requests for part in segments),
        rate_limited=sum(part.rate_limited for part in segments),
        client_calls=sum(part.client_calls for part in segments),
        client_times_held=sum(part.client_times_held for part in segments),
        favourite_latencies=[value for part in segments for value in part.favourite_latencies],
        other_latencies=[value for part in segments for value in part.other_latencies],
        changes_made=sum(part.changes_made for part in segments),
        changes_unseen=sum(part.changes_unseen for part in segments),
        cpu_share=max(part.cpu_share for part in segments),
        loop_lags=[lag for part in segments for lag in part.loop_lags],
        account_troubles=[trouble for part in segments for trouble in part.account_troubles],
    )


def segments_of(run: Job, segment_hours: float) -> list[Job]:
    """``run`` cut into segments of at most ``segment_hours`` (changes shared out)."""
    count = max(1, math.ceil(run.hours / segment_hours - 1e-9))
    return [
        replace(
            run,
            hours=run.hours / count,
            changes=round(run.changes / count),
            seed=run.seed * 1000 + index,
        )
        for index in range(count)
    ]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours per run")
    parser.add_argument("--platform", action="append", choices=PLATFORMS)
    parser.add_argument("--people", type=int, action="append")
    parser.add_argument("--speed", type=float, help="clock compression (default per run)")
    parser.add_argument("--changes", type=int, default=300, help="scripted changes per run")
    parser.add_argument(
        "--segment-hours", type=float, default=6.0, help="a run goes in segments this long"
    )
    parser.add_argument("--jobs", type=int, default=2, help="segments in parallel processes")
    parser.add_argument("--seed", type=int, default=6)
    options = parser.parse_args()
    runs = [
        Job(
            platform,
            people,
            options.hours,
            options.speed or default_speed(platform, people),
            options.changes,
            options.seed,
        )
        for platform in options.platform or PLATFORMS
        for people in options.people or DEFAULT_PEOPLE
    ]
    segments = {run: segments_of(run, options.segment_hours) for run in runs}
    # The longest segments first, so the short ones fill the other core in the meantime.
    order = sorted(
        (segment for parts in segments.values() for segment in parts),
        key=lambda segment: -segment.hours / segment.speed,
    )
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=options.jobs, mp_context=get_context("spawn")) as pool:
        done = dict(zip(order, pool.map(run_in_process, order), strict=True))
    elapsed = time.monotonic() - started
    print(
        f"{options.hours:g} simulated hours per run in segments of at most"
        f" {options.segment_hours:g} h (each a fresh start), {FAVOURITES} favourites,"
        f" {options.changes} scripted changes per run, {options.jobs} processes at a time"
    )
    figures: dict[str, dict[str, object]] = {}
    for run, parts in segments.items():
        outcome = merge([Outcome(**done[part]) for part in parts])  # type: ignore[arg-type]
        figures.setdefault(run.platform, {})[str(run.people)] = report(outcome, len(parts))
    print(f"whole benchmark: {elapsed:.0f} real s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
