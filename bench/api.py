"""Benchmark of the local HTTP API: batch availability, event delivery, and the loop's lag.

    .venv/bin/python bench/api.py [--people 10000] [--batch 1000] [--requests 300]
        [--clients 100] [--changes 300] [--spacing 0.02] [--seed 7]

The API runs as in the app: aiohttp on 127.0.0.1 (a free port) in the same event loop as a
real ``PresenceHub`` of ``--people`` people (two identities each, Slack and Teams, with
values). A separate process (so the clients' work does not share the server's core) opens
``--clients`` server-sent event streams on ``/v1/events`` and, once all are connected,
sends ``--requests`` ``POST /v1/availability`` requests one after another, each asking about
``--batch`` person ids at random, timing each from send to the last byte of the answer (over
loopback, keep-alive). Meanwhile the server's loop makes ``--changes`` changes, one every
``--spacing`` seconds: a random person's Slack value changes and the hub flushes (as its 50 ms
window would), which publishes one batch, one event to every stream. An event's delivery
latency is from the hub publishing the batch to a client having read the whole event
(``time.monotonic``, one clock for both processes on Linux). A ticker task in the server's
loop wakes every 5 ms and records how late it woke: the lag the UI would feel, since the app's
Qt loop is this loop. The garbage collector is tuned as the app tunes it, and one full
collection after building the hub stands for an app that has run a while (otherwise the
first young collections of the run walk all of start-up's objects, about 13 ms once).

Prints the figures, then one JSON line with ``batch_1000_p99_ms``, ``sse_p99_ms`` and
``loop_lag_p99_ms``. Targets: batch p99 <= 10 ms, event delivery p99 <= 50 ms with 100
clients.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import random
import sys
import time
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.polling import percentile as polling_percentile
from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.core.reports import Keyring
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.local_api.openapi import OPENAPI_PATH
from presence_tray.local_api.routes import ApiRoutes
from presence_tray.local_api.server import LocalApi
from presence_tray.local_api.sources import ApiSources
from presence_tray.runtime import tune_garbage_collection

if TYPE_CHECKING:
    from collections.abc import Sequence
    from multiprocessing.connection import Connection

TOKEN = "bench-token-not-a-secret"  # noqa: S105 - the bench's own throwaway token
TICK_SECONDS = 0.005
STATES = [PresenceState.ONLINE, PresenceState.IDLE, PresenceState.BUSY, PresenceState.AWAY]


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (bench/polling.py's), NaN without values."""
    found = polling_percentile(values, share)
    return float("nan") if found is None else found


def build_hub(people: int, rng: random.Random) -> tuple[PresenceHub, list[str]]:
    """A hub of ``people`` people on Slack and Teams, each with a value; their ids."""
    hub = PresenceHub(SystemClock())
    now = time.time()
    identities = [
        Identity(IdentityKey(platform, "bench", f"u{n}"), f"Person {n}", person_id=f"p{n}")
        for n in range(people)
        for platform in (Platform.SLACK, Platform.TEAMS)
    ]
    hub.add_identities(identities)
    for identity in identities:
        hub.ingest(PlatformPresence(identity.key, rng.choice(STATES), now))
    hub.flush()
    # As in an app that has run a while: what start-up built has moved to the oldest
    # generation, so the first young collections during the run do not walk it all.
    gc.collect()
    return hub, [f"p{n}" for n in range(people)]


# -- the client process ----------------------------------------------------------------------


def run_clients(url: str, ids: list[str], options: dict[str, Any], conn: Connection) -> None:
    """The client process: the streams and the batch requests; results go back on ``conn``."""
    asyncio.run(_clients(url, ids, options, conn))


async def _clients(url: str, ids: list[str], options: dict[str, Any], conn: Connection) -> None:
    import aiohttp

    rng = random.Random(options["seed"] + 1)
    received: list[tuple[int, float]] = []
    connected = asyncio.Event()
    ready = 0

    async def listen(session: aiohttp.ClientSession) -> None:
        nonlocal ready
        async with session.get(f"{url}/v1/events") as answer:
            ready += 1
            if ready == options["clients"]:
                connected.set()
            event_id = None
            async for line in answer.content:
                if line.startswith(b"id: "):
                    event_id = int(line[4:])
                elif line == b"\n" and event_id is not None:
                    received.append((event_id, time.monotonic()))
                    event_id = None

    headers = {"Authorization": f"Bearer {TOKEN}"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        streams = [asyncio.create_task(listen(session)) for _ in range(options["clients"])]
        await connected.wait()
        conn.send("ready")
        latencies: list[float] = []
        async with aiohttp.ClientSession(headers=headers) as batches:
            for _ in range(options["requests"]):
                body = {"people": rng.sample(ids, options["batch"])}
                started = time.perf_counter()
                async with batches.post(f"{url}/v1/availability", json=body) as answer:
                    await answer.read()
                    assert answer.status == 200
                latencies.append(time.perf_counter() - started)
        conn.send("batches done")
        await asyncio.to_thread(conn.recv)  # the server's changes are over
        await asyncio.sleep(0.5)  # the last events on their way
        for stream in streams:
            stream.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    conn.send((latencies, received))


# -- the server's side -----------------------------------------------------------------------


async def serve_and_measure(options: argparse.Namespace) -> dict[str, Any]:
    """Run the API in this loop, the clients in another process; the figures."""
    rng = random.Random(options.seed)
    hub, ids = build_hub(options.people, rng)
    clock = SystemClock()

    async def keyring() -> Keyring:
        return Keyring("bench")

    routes = ApiRoutes(ApiSources(hub, ClientSupervisor(hub, clock), clock, keyring=keyring))
    published: list[float] = []
    hub.subscribe(lambda _changes: published.append(time.monotonic()))  # before the fan-out
    server = LocalApi(routes.table(), token=TOKEN, port=0, token_free_paths={OPENAPI_PATH})
    url = await server.start()
    routes.start()
    lags: list[float] = []
    measuring = True

    async def ticker() -> None:
        while measuring:
            expected = time.monotonic() + TICK_SECONDS
            await asyncio.sleep(TICK_SECONDS)
            lags.append(max(0.0, time.monotonic() - expected))

    parent, child = get_context("spawn").Pipe()
    settings = {
        "seed": options.seed,
        "clients": options.clients,
        "requests": options.requests,
        "batch": options.batch,
    }
    process = get_context("spawn").Process(target=run_clients, args=(url, ids, settings, child))
    process.start()
    try:
        assert await asyncio.to_thread(parent.recv) == "ready"
        published.clear()  # events are numbered from the first batch with every stream on
        tick = asyncio.create_task(ticker())
        batches_done = asyncio.ensure_future(asyncio.to_thread(parent.recv))
        keys = [IdentityKey(Platform.SLACK, "bench", f"u{n}") for n in range(options.people)]
        for _ in range(options.changes):
            hub.ingest(PlatformPresence(rng.choice(keys), rng.choice(STATES), time.time()))
            hub.flush()
            await asyncio.sleep(options.spacing)
        assert await batches_done == "batches done"
        measuring = False
        await tick
        parent.send("changes done")
        latencies, received = await asyncio.to_thread(parent.recv)
    finally:
        process.join(timeout=30)
        routes.close()
        await server.stop()
    deliveries = [
        arrived - published[event_id - 1]
        for event_id, arrived in received
        if 0 < event_id <= len(published)
    ]
    return {
        "batches": len(latencies),
        "batch_p50_ms": percentile(latencies, 0.5) * 1000,
        "batch_p99_ms": percentile(latencies, 0.99) * 1000,
        "events": len(published),
        "deliveries": len(deliveries),
        "expected_deliveries": len(published) * options.clients,
        "sse_p50_ms": percentile(deliveries, 0.5) * 1000,
        "sse_p99_ms": percentile(deliveries, 0.99) * 1000,
        "loop_lag_p50_ms": percentile(lags, 0.5) * 1000,
        "loop_lag_p99_ms": percentile(lags, 0.99) * 1000,
        "loop_lag_max_ms": max(lags, default=0.0) * 1000,
    }


def main() -> None:
    """Parse the options, run, print the figures and the JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000, help="people in the hub")
    parser.add_argument("--batch", type=int, default=1000, help="people per availability request")
    parser.add_argument("--requests", type=int, default=300, help="availability requests")
    parser.add_argument("--clients", type=int, default=100, help="event stream clients")
    parser.add_argument("--changes", type=int, default=300, help="hub changes published")
    parser.add_argument("--spacing", type=float, default=0.02, help="seconds between changes")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    tune_garbage_collection()
    print(f"Python {platform.python_version()} on {platform.machine()}, {options.people} people")
    figures = asyncio.run(serve_and_measure(options))
    print(
        f"POST /v1/availability, {options.batch} people: p50 {figures['batch_p50_ms']:.2f} ms, "
        f"p99 {figures['batch_p99_ms']:.2f} ms over {figures['batches']} requests "
        "(target p99 <= 10 ms)"
    )
    print(
        f"Event delivery, hub to client, {options.clients} clients: "
        f"p50 {figures['sse_p50_ms']:.2f} ms, p99 {figures['sse_p99_ms']:.2f} ms "
        f"({figures['deliveries']} of {figures['expected_deliveries']} deliveries; "
        "target p99 <= 50 ms)"
    )
    print(
        f"Event-loop lag while serving: p50 {figures['loop_lag_p50_ms']:.2f} ms, "
        f"p99 {figures['loop_lag_p99_ms']:.2f} ms, max {figures['loop_lag_max_ms']:.2f} ms"
    )
    print(
        json.dumps(
            {
                "batch_1000_p99_ms": round(figures["batch_p99_ms"], 3),
                "sse_p99_ms": round(figures["sse_p99_ms"], 3),
                "loop_lag_p99_ms": round(figures["loop_lag_p99_ms"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
