"""Benchmark of the presence hub: ingest rate, lookup latency, batch availability.

    .venv/bin/python bench/hub.py [--people 10000] [--updates 300000] [--rounds 3]

10,000 people with 3 identities each (Slack, Teams, Discord). Updates are raw platform
payloads, picked at random, that go the whole way a real update goes: the platform's
normaliser, ``hub.ingest``, the coalesced flush that re-aggregates the person, and the change
event delivered to a subscriber. Flushes happen every ``--flush-every`` updates, about the
app's 50 ms window at the target rate. The garbage collector is tuned as the app tunes it
(``presence_tray.runtime.tune_garbage_collection``).

Prints the figures, then one JSON line with ``ingest_updates_per_s``, ``lookup_p99_us`` and
``batch_1000_ms``. Targets on a 2-core machine: >= 100,000 updates/s, p99 <= 20 us, <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceChanged, PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence
from presence_tray.platforms.discord.normalise import normalise_discord_presence
from presence_tray.platforms.slack.normalise import normalise_slack_presence
from presence_tray.platforms.teams.normalise import normalise_graph_presence
from presence_tray.runtime import tune_garbage_collection

Normaliser = Callable[[IdentityKey, object, float], PlatformPresence]

# Documented payload shapes (see the normalisers' tests for the full vocabularies).
SLACK_PAYLOADS: list[object] = [
    {"ok": True, "presence": "active"},
    {"ok": True, "presence": "away"},
]
GRAPH_PAYLOADS: list[object] = [
    {"availability": "Available", "activity": "Available"},
    {"availability": "Busy", "activity": "InAMeeting"},
    {"availability": "Busy", "activity": "InACall"},
    {"availability": "DoNotDisturb", "activity": "Presenting"},
    {"availability": "Away", "activity": "Away"},
    {"availability": "BeRightBack", "activity": "BeRightBack"},
    {"availability": "AvailableIdle", "activity": "Available"},
    {"availability": "Offline", "activity": "OffWork"},
]
DISCORD_PAYLOADS: list[object] = [
    {"user": {"id": "1"}, "status": "online", "activities": []},
    {"user": {"id": "1"}, "status": "idle", "activities": []},
    {"user": {"id": "1"}, "status": "dnd", "activities": []},
    {"user": {"id": "1"}, "status": "offline", "activities": []},
    {
        "user": {"id": "1"},
        "status": "online",
        "activities": [{"type": 4, "name": "Custom Status", "state": "Reviewing"}],
    },
]


def _slack(identity: IdentityKey, payload: object, at: float) -> PlatformPresence:
    return normalise_slack_presence(identity, payload, observed_at=at)


def _graph(identity: IdentityKey, payload: object, at: float) -> PlatformPresence:
    return normalise_graph_presence(identity, payload, observed_at=at)


def _discord(identity: IdentityKey, payload: object, at: float) -> PlatformPresence:
    return normalise_discord_presence(identity, payload, observed_at=at)


PLATFORMS: list[tuple[Platform, Normaliser, list[object]]] = [
    (Platform.SLACK, _slack, SLACK_PAYLOADS),
    (Platform.TEAMS, _graph, GRAPH_PAYLOADS),
    (Platform.DISCORD, _discord, DISCORD_PAYLOADS),
]


def build_hub(
    people: int,
) -> tuple[PresenceHub, list[tuple[IdentityKey, Normaliser, list[object]]]]:
    """A hub that knows ``people`` people with one identity on each benchmark platform."""
    hub = PresenceHub(SystemClock())
    identities: list[Identity] = []
    sources: list[tuple[IdentityKey, Normaliser, list[object]]] = []
    for n in range(people):
        for platform_, normaliser, payloads in PLATFORMS:
            key = IdentityKey(platform_, "bench", f"{platform_.value}-{n}")
            identities.append(Identity(key, f"Person {n}", person_id=f"p{n}"))
            sources.append((key, normaliser, payloads))
    hub.add_identities(identities)
    hub.flush()
    return hub, sources


def measure_ingest(
    hub: PresenceHub,
    sources: Sequence[tuple[IdentityKey, Normaliser, list[object]]],
    updates: int,
    flush_every: int,
    rng: random.Random,
) -> tuple[float, int]:
    """Updates per second through normalise, ingest, aggregate and event; and events seen."""
    plan = [
        (key, normaliser, payloads[rng.randrange(len(payloads))])
        for key, normaliser, payloads in (
            sources[rng.randrange(len(sources))] for _ in range(updates)
        )
    ]
    events = 0

    def count(changes: Sequence[PresenceChanged]) -> None:
        nonlocal events
        events += len(changes)

    unsubscribe = hub.subscribe(count)
    clock = time.time
    started = time.perf_counter()
    for index, (key, normaliser, payload) in enumerate(plan, 1):
        hub.ingest(normaliser(key, payload, clock()))
        if index % flush_every == 0:
            hub.flush()
    hub.flush()
    elapsed = time.perf_counter() - started
    unsubscribe()
    return updates / elapsed, events


def measure_lookup_p99_us(
    hub: PresenceHub, person_ids: list[str], lookups: int, rng: random.Random
) -> float:
    """The 99th percentile of one ``hub.aggregate(person_id)`` call, in microseconds."""
    picks = [person_ids[rng.randrange(len(person_ids))] for _ in range(lookups)]
    timer = time.perf_counter_ns
    overhead = min(-(timer() - timer()) for _ in range(1000))  # the cost of timing itself
    samples: list[int] = []
    aggregate = hub.aggregate
    for person_id in picks:
        start = timer()
        aggregate(person_id)
        samples.append(timer() - start - overhead)
    samples.sort()
    return samples[int(len(samples) * 0.99)] / 1000


def measure_batch_ms(
    hub: PresenceHub, person_ids: list[str], rounds: int, rng: random.Random
) -> float:
    """Median time of one batch availability query for 1,000 random people, in milliseconds."""
    times: list[float] = []
    for _ in range(rounds):
        batch = rng.sample(person_ids, 1000)
        start = time.perf_counter()
        answers = hub.availability(batch)
        times.append((time.perf_counter() - start) * 1000)
        assert len(answers) == 1000
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=300_000, help="updates per round")
    parser.add_argument("--rounds", type=int, default=3, help="ingest rounds; the median counts")
    parser.add_argument("--flush-every", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    tune_garbage_collection()  # as the app does at start-up

    python = f"Python {platform.python_version()} on {platform.machine()}"
    print(f"{python}, {options.people} people x 3 identities")
    hub, sources = build_hub(options.people)
    rates: list[float] = []
    for round_ in range(1, options.rounds + 1):
        rate, events = measure_ingest(hub, sources, options.updates, options.flush_every, rng)
        rates.append(rate)
        print(f"  ingest round {round_}: {rate:,.0f} updates/s ({events:,} change events)")
    person_ids = [person.person_id for person in hub.people()]
    lookup_p99 = measure_lookup_p99_us(hub, person_ids, 200_000, rng)
    batch_ms = measure_batch_ms(hub, person_ids, 200, rng)
    ingest = statistics.median(rates)
    print(f"ingest (median of {options.rounds}): {ingest:,.0f} updates/s   target >= 100,000")
    print(f"lookup p99: {lookup_p99:.2f} us   target <= 20")
    print(f"batch availability, 1,000 people (median): {batch_ms:.2f} ms   target <= 5")
    print(
        json.dumps(
            {
                "ingest_updates_per_s": round(ingest),
                "lookup_p99_us": round(lookup_p99, 2),
                "batch_1000_ms": round(batch_ms, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
