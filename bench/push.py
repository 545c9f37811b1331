"""Benchmark of the pushed clients: Discord throughput, Matrix and XMPP change latency.

    .venv/bin/python bench/push.py [--events 200000] [--members 300] [--changes 100]
        [--spacing 0.2] [--skip-servers] [--seed 7]

Discord: a separate process (so its sending does not share the client's core) serves the
Discord fake of the tests (``tests/servers/discord``: REST and the Gateway WebSocket) on
127.0.0.1, with one guild of ``--members`` members. The real ``DiscordClient`` runs under a
real ``ClientSupervisor`` into a ``PresenceHub`` that coalesces as the app's does (its 50 ms
flush window). Once the client is live with everyone's presence, the fake encodes
``--events`` PRESENCE_UPDATE dispatches (statuses, devices and custom statuses at random)
and sends them as fast as its socket takes them. The figure is the number of updates divided
by the time from the first to the last one arriving in the hub (``ingest``): each went
through the WebSocket, JSON decoding, the gateway's sequence bookkeeping, the directory's
partial-user merge, the normaliser and the supervisor's sink. Every member's final state in
the hub is checked against the last update sent. Printed beside it: the fake's send rate,
the share of the run the client's process was on a CPU (near 100%: the client set the pace;
less: it waited for the fake or for a core busy with other work, and the figure is a lower
bound) and the client's CPU time per update. Target >= 20,000/s.

Matrix and XMPP: a real Synapse (tests/servers/synapse/.venv, as the tests start it) and a
real Prosody (Debian's), each with two fresh users; a colleague changes presence through the
server ``--changes`` times, ``--spacing`` seconds apart (so changes never queue), and the
time from making the change to the hub publishing it is measured (see
``bench/push_rigs.py``); p50 and p99 in milliseconds. For Matrix the time the colleague's
own ``PUT .../presence`` took is printed too (the server's share). ``--skip-servers``
measures Discord only (the latencies are then null). A server that is not installed here is
not measured: the bench says how to install it, and its latencies are null.

Prints the figures, then one JSON line with ``discord_events_per_s``,
``matrix_latency_p50_ms``, ``matrix_latency_p99_ms``, ``xmpp_latency_p50_ms`` and
``xmpp_latency_p99_ms``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import random
import sys
import time
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.push_rigs import (
    ServerMissingError,
    ServerRun,
    is_live,
    matrix_latencies,
    xmpp_latencies,
)
from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.discord.client import DiscordClient
from presence_tray.platforms.discord.normalise import normalise_discord_presence
from presence_tray.runtime import FLUSH_WINDOW_SECONDS, tune_garbage_collection
from tests.servers.discord import DiscordRestFake, FakeGateway, presence
from tests.servers.discord_fake import API_PREFIX
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection

    from presence_tray.core.presence import PlatformPresence

TOKEN = "FAKE-NOT-A-SECRET.bench-token.discord"  # noqa: S105 - the fake's, not a secret
BOT_ID = "1180000000000000001"
ACCOUNT = AccountRef(Platform.DISCORD, BOT_ID)
GUILD = "1300000000000000001"
FIRST_MEMBER = 1_200_000_000_000_000_000
STATUSES = ("online", "idle", "dnd", "offline")
DEVICES = ("desktop", "mobile", "web")
READY_TIMEOUT_SECONDS = 60.0
SLOWEST_RATE = 1_000.0
"""Updates per second below which the run is given up as stalled."""
TARGET_EVENTS_PER_S = 20_000
FULLY_BUSY = 0.9
"""A client process busy this share of the run or more was the bottleneck."""


# -- the plan: the same in both processes ---------------------------------------------------


def member_ids(members: int) -> list[str]:
    """The guild's members' user ids."""
    return [str(FIRST_MEMBER + n) for n in range(members)]


def update_plan(members: int, events: int, seed: int) -> list[dict[str, Any]]:
    """``events`` PRESENCE_UPDATE payloads for random members (partial users, as Discord)."""
    rng = random.Random(seed)
    users = member_ids(members)
    plan: list[dict[str, Any]] = []
    for n in range(events):
        status = rng.choice(STATUSES)
        extra: dict[str, Any] = {}
        if status != "offline":
            extra["client_status"] = {rng.choice(DEVICES): status}
            if rng.random() < 0.3:
                extra["custom_status"] = f"Working on ticket {n}"
        plan.append({**presence(rng.choice(users), status, **extra), "guild_id": GUILD})
    return plan


# -- the fake, in its own process -----------------------------------------------------------


def serve_discord_fake(members: int, events: int, seed: int, pipe: Connection) -> None:
    """Process entry: serve the fake, send the plan when told, report how long sending took."""
    logging.disable(logging.INFO)
    asyncio.run(_serve_discord_fake(members, events, seed, pipe))


async def _serve_discord_fake(members: int, events: int, seed: int, pipe: Connection) -> None:
    gateway = FakeGateway(TOKEN, bot_id=BOT_ID)
    guild = gateway.guild(GUILD, "Bench guild")
    guild.add(BOT_ID, "PresenceBot", "online")
    for n, user_id in enumerate(member_ids(members)):
        guild.add(user_id, f"member{n}", "online")
    await gateway.start()
    rest = DiscordRestFake(TOKEN, bot_id=BOT_ID, gateway=gateway)
    server = await FakeHttpServer(rest.handle).start()
    pipe.send(server.url + API_PREFIX)
    await asyncio.to_thread(pipe.recv)  # "go": the client is live
    first_seq = gateway.sequence + 1
    messages = [
        json.dumps({"op": 0, "d": data, "s": seq, "t": "PRESENCE_UPDATE"})
        for seq, data in enumerate(update_plan(members, events, seed), first_seq)
    ]
    started = time.perf_counter()
    for message in messages:
        await gateway.send_raw(message)
    pipe.send(time.perf_counter() - started)
    await asyncio.to_thread(pipe.recv)  # "stop"
    await gateway.aclose()
    await server.aclose()


# -- the client side ------------------------------------------------------------------------


class StopwatchHub(PresenceHub):
    """A hub that notes when values arrive: the first and last of a counted run."""

    def __init__(self, clock: SystemClock, *, flush_window: float) -> None:
        """A hub flushing ``flush_window`` seconds after a burst starts, as the app's."""
        loop = asyncio.get_running_loop()
        super().__init__(clock, schedule_flush=lambda flush: loop.call_later(flush_window, flush))
        self.arrivals = 0
        self.first_at = self.last_at = 0.0
        self.first_cpu = self.last_cpu = 0.0
        """CPU seconds of this process (every thread) at the first and last arrival."""
        self._expected = 0
        self.all_arrived = asyncio.Event()

    def count(self, expected: int) -> None:
        """Start counting arrivals afresh; ``all_arrived`` is set at the ``expected``-th."""
        self.arrivals, self._expected = 0, expected
        self.all_arrived.clear()

    def ingest(self, presence: PlatformPresence) -> None:
        """Take the value, and note when it came."""
        super().ingest(presence)
        self.arrivals += 1
        self.last_at = time.perf_counter()
        if self.arrivals == 1:
            self.first_at, self.first_cpu = self.last_at, time.process_time()
        if self.arrivals == self._expected:
            self.last_cpu = time.process_time()
            self.all_arrived.set()


@dataclass(frozen=True)
class DiscordFigures:
    """What the Discord run measured."""

    events_per_s: float
    fake_sends_per_s: float
    seconds: float
    client_busy: float
    """The client process's CPU time over the run's wall time (1.0: never waited for data)."""
    wrong_states: int


async def measure_discord(members: int, events: int, seed: int) -> DiscordFigures:
    """Run the client against the fake (in another process) and time ``events`` updates."""
    context = get_context("spawn")
    pipe, child_end = context.Pipe()
    fake = context.Process(
        target=serve_discord_fake, args=(members, events, seed, child_end), daemon=True
    )
    fake.start()
    try:
        api_base = await asyncio.to_thread(pipe.recv)
        clock = SystemClock()
        hub = StopwatchHub(clock, flush_window=FLUSH_WINDOW_SECONDS)
        hub.count(members)  # GUILD_CREATE: everyone's presence
        supervisor = ClientSupervisor(hub, clock)
        client = DiscordClient(ACCOUNT, token=TOKEN, clock=clock, api_base=api_base)
        supervisor.start(client)
        try:
            await asyncio.wait_for(hub.all_arrived.wait(), READY_TIMEOUT_SECONDS)
            if not is_live(hub, ACCOUNT):
                msg = "the Discord client never reported live"
                raise RuntimeError(msg)
            hub.count(events)
            pipe.send("go")
            allowed = 30 + events / SLOWEST_RATE
            try:
                await asyncio.wait_for(hub.all_arrived.wait(), allowed)
            except TimeoutError:
                msg = (
                    f"only {hub.arrivals:,} of {events:,} updates reached the hub in {allowed:g} s"
                )
                raise RuntimeError(msg) from None
            send_seconds = await asyncio.to_thread(pipe.recv)
            hub.flush()
            wrong = _wrong_final_states(hub, members, events, seed)
        finally:
            await supervisor.aclose()
            await client.aclose()
        pipe.send("stop")
    finally:
        fake.join(timeout=10)
        if fake.is_alive():
            fake.terminate()
    seconds = hub.last_at - hub.first_at
    busy = (hub.last_cpu - hub.first_cpu) / seconds
    return DiscordFigures(events / seconds, events / send_seconds, seconds, busy, wrong)


def _wrong_final_states(hub: PresenceHub, members: int, events: int, seed: int) -> int:
    """How many members the hub shows otherwise than their last update says."""
    last: dict[str, dict[str, Any]] = {}
    for payload in update_plan(members, events, seed):
        last[payload["user"]["id"]] = payload
    wrong = 0
    for user_id, payload in last.items():
        key = IdentityKey(Platform.DISCORD, BOT_ID, user_id)
        expected = normalise_discord_presence(key, payload, observed_at=0.0).state
        shown = hub.aggregate(unlinked_person_id(key))
        wrong += shown is None or shown.state is not expected
    return wrong


# -- report ---------------------------------------------------------------------------------


def percentile_ms(latencies: list[float], fraction: float) -> float:
    """The ``fraction`` percentile (nearest rank) of ``latencies`` (seconds), in ms."""
    ordered = sorted(latencies)
    rank = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[rank] * 1000


def server_latencies(
    name: str, measure: Callable[[int, float], ServerRun], changes: int, spacing: float
) -> tuple[float | None, float | None]:
    """Measure one server's change latency and print it; (p50, p99) in ms, None if missing."""
    started = time.perf_counter()
    try:
        run = measure(changes, spacing)
    except ServerMissingError as missing:
        print(f"{name}: not measured. {missing}")
        return None, None
    latencies = run.latencies
    p50, p99 = percentile_ms(latencies, 0.50), percentile_ms(latencies, 0.99)
    print(
        f"{name}: {len(latencies)} changes, server to hub p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms (run {time.perf_counter() - started:.0f} s)"
    )
    if run.requests:
        request_p50, request_p99 = (percentile_ms(run.requests, f) for f in (0.50, 0.99))
        print(
            f"  of which the colleague's own request (the change itself) took p50 "
            f"{request_p50:.1f} ms, p99 {request_p99:.1f} ms"
        )
    return p50, p99


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000, help="Discord PRESENCE_UPDATEs")
    parser.add_argument("--members", type=int, default=300, help="members of the Discord guild")
    parser.add_argument("--changes", type=int, default=100, help="changes on each server")
    parser.add_argument("--spacing", type=float, default=0.2, help="seconds between changes")
    parser.add_argument("--skip-servers", action="store_true", help="Discord only")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    logging.disable(logging.INFO)
    tune_garbage_collection()  # as the app does at start-up

    print(f"Python {platform.python_version()} on {platform.machine()}")
    discord = asyncio.run(measure_discord(options.members, options.events, options.seed))
    print(
        f"Discord: {options.events:,} PRESENCE_UPDATEs over {options.members} members in "
        f"{discord.seconds:.2f} s: {discord.events_per_s:,.0f} events/s decoded, normalised "
        f"and ingested   target >= {TARGET_EVENTS_PER_S:,}"
    )
    cpu_us = discord.client_busy * 1e6 / discord.events_per_s
    pace = (
        "it waited at times, for the fake or for a busy core: the figure is a lower bound"
        if discord.client_busy < FULLY_BUSY
        else "the client set the pace"
    )
    print(
        f"  the fake (a separate process) sent at {discord.fake_sends_per_s:,.0f}/s; the "
        f"client's process was busy {discord.client_busy:.0%} of the time ({pace})"
    )
    print(
        f"  client CPU per update: {cpu_us:.1f} us (about {1e6 / cpu_us:,.0f}/s on a free "
        f"core); members shown otherwise than their last update: {discord.wrong_states}"
    )
    matrix: tuple[float | None, float | None] = (None, None)
    xmpp: tuple[float | None, float | None] = (None, None)
    if not options.skip_servers:
        changes, spacing = options.changes, options.spacing
        matrix = server_latencies("Matrix (Synapse)", matrix_latencies, changes, spacing)
        xmpp = server_latencies("XMPP (Prosody)", xmpp_latencies, changes, spacing)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    print(
        json.dumps(
            {
                "discord_events_per_s": round(discord.events_per_s),
                "matrix_latency_p50_ms": rounded(matrix[0]),
                "matrix_latency_p99_ms": rounded(matrix[1]),
                "xmpp_latency_p50_ms": rounded(xmpp[0]),
                "xmpp_latency_p99_ms": rounded(xmpp[1]),
            }
        )
    )


if __name__ == "__main__":
    main()
