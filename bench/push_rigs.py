"""The real-server half of ``bench/push.py``: change latency through Synapse and Prosody.

Each rig starts its server as the tests do (``tests/servers/synapse_server.py``,
``tests/servers/prosody_server.py``), makes two fresh users who can see each other's presence
(me and a colleague), runs my account's real client under a real ``ClientSupervisor`` feeding
a ``PresenceHub``, and then lets the colleague change presence through the server
``changes`` times. Every change carries a status message of its own, so the hub subscriber
knows exactly which change it is looking at. The hub flushes as soon as a value arrives (the
app would wait up to its 50 ms coalescing window first): the figure is the server's and the
client's time, not the app's deliberate delay.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth
from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.matrix.client import MatrixClient
from presence_tray.platforms.xmpp.client import XmppClient
from tests.platforms.matrix.conftest import share_a_room, sign_up
from tests.platforms.xmpp.conftest import Session, befriend, new_user
from tests.servers.prosody_server import HOW_TO_INSTALL as HOW_TO_INSTALL_PROSODY
from tests.servers.prosody_server import prosody_installed, run_prosody
from tests.servers.synapse_server import HOW_TO_INSTALL as HOW_TO_INSTALL_SYNAPSE
from tests.servers.synapse_server import run_synapse, synapse_installed

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from presence_tray.core.hub import PresenceChanged

CHANGE_TIMEOUT_SECONDS = 15.0
"""A change not in the hub by then is reported as lost (the run stops)."""
START_TIMEOUT_SECONDS = 30.0
MARKER = "bench change {n}"


@dataclass(frozen=True)
class ServerRun:
    """What one server's run measured, in seconds."""

    latencies: list[float]
    """From making each change to the hub publishing it."""
    requests: list[float] = field(default_factory=list)
    """How long the colleague's own request took, where the change is one (Matrix's PUT)."""


class ChangeLostError(RuntimeError):
    """A change made on the server never reached the hub."""


class ServerMissingError(RuntimeError):
    """The server is not installed here; the message says how to install it."""


async def _wait_for(condition: Callable[[], bool], *, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            msg = f"never happened within {seconds:g} s: {what}"
            raise ChangeLostError(msg)
        await asyncio.sleep(0.005)


def _immediate_hub(clock: SystemClock) -> PresenceHub:
    """A hub that publishes each arrival as soon as the event loop is free."""
    loop = asyncio.get_running_loop()
    return PresenceHub(clock, schedule_flush=loop.call_soon)


async def measure_latencies(
    client: MatrixClient | XmppClient,
    hub: PresenceHub,
    clock: SystemClock,
    change: Callable[[int, str], Awaitable[None]],
    *,
    changes: int,
    spacing: float,
    ready: Callable[[], bool],
) -> list[float]:
    """Run ``client`` until ``ready``, then make ``changes`` changes ``spacing`` seconds apart
    (``change(n, marker)`` makes the n-th, with the status message ``marker``); the seconds
    from making each to the hub publishing it."""
    seen: dict[str, float] = {}

    def note(batch: Sequence[PresenceChanged]) -> None:
        now = time.perf_counter()
        for changed in batch:
            activity = changed.new.activity
            if activity is not None and activity.text is not None:
                seen.setdefault(activity.text, now)

    hub.subscribe(note)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    latencies: list[float] = []
    try:
        await _wait_for(ready, what="client live with the colleague", seconds=START_TIMEOUT_SECONDS)
        for n in range(changes):
            marker = MARKER.format(n=n)
            started = time.perf_counter()
            await change(n, marker)
            await _wait_for(
                partial(seen.__contains__, marker),
                what=f"{marker} in the hub",
                seconds=CHANGE_TIMEOUT_SECONDS,
            )
            latencies.append(seen[marker] - started)
            await asyncio.sleep(spacing)
    finally:
        await supervisor.aclose()
        await client.aclose()
    return latencies


def matrix_latencies(changes: int, spacing: float) -> ServerRun:
    """Start a Synapse, and measure ``changes`` presence changes of a colleague in my room."""
    if not synapse_installed():
        msg = f"Synapse is not installed here: {HOW_TO_INSTALL_SYNAPSE}."
        raise ServerMissingError(msg)
    with tempfile.TemporaryDirectory() as folder, run_synapse(Path(folder)) as server:
        me, colleague = sign_up(server, "me"), sign_up(server, "colleague")
        share_a_room(me, colleague)

        async def run() -> ServerRun:
            clock = SystemClock()
            hub = _immediate_hub(clock)
            account = AccountRef(Platform.MATRIX, me.user_id)
            client = MatrixClient(
                account, homeserver=server.url, access_token=me.access_token, clock=clock
            )

            requests: list[float] = []

            async def change(n: int, marker: str) -> None:
                presence = "online" if n % 2 else "unavailable"
                began = time.perf_counter()
                await asyncio.to_thread(colleague.set_presence, presence, marker)
                requests.append(time.perf_counter() - began)

            latencies = await measure_latencies(
                client,
                hub,
                clock,
                change,
                changes=changes,
                spacing=spacing,
                ready=lambda: is_live(hub, account) and len(hub.people()) > 0,
            )
            return ServerRun(latencies, requests)

        return asyncio.run(run())


def xmpp_latencies(changes: int, spacing: float) -> ServerRun:
    """Start a Prosody, and measure ``changes`` presence changes of a subscribed colleague."""
    if not prosody_installed():
        msg = f"Prosody is not installed here: {HOW_TO_INSTALL_PROSODY}."
        raise ServerMissingError(msg)
    with tempfile.TemporaryDirectory() as folder, run_prosody(Path(folder)) as server:
        os.environ["SSL_CERT_FILE"] = str(server.certificate)  # trusted, as a CA-signed one

        async def run() -> ServerRun:
            me, my_password = new_user(server, "me")
            colleague, colleague_password = new_user(server, "colleague")
            await befriend(server, (me, my_password), (colleague, colleague_password))
            session = await Session(server, f"{colleague}/bench", colleague_password).start()
            clock = SystemClock()
            hub = _immediate_hub(clock)
            account = AccountRef(Platform.XMPP, me)
            client = XmppClient(
                account,
                address=me,
                password=my_password,
                clock=clock,
                host=server.host,
                port=server.port,
            )

            async def change(n: int, marker: str) -> None:
                session.send(show="away" if n % 2 else None, status=marker)
                await asyncio.sleep(0)

            try:
                return ServerRun(
                    await measure_latencies(
                        client,
                        hub,
                        clock,
                        change,
                        changes=changes,
                        spacing=spacing,
                        ready=lambda: is_live(hub, account) and len(hub.people()) > 0,
                    )
                )
            finally:
                with suppress(Exception):
                    await session.stop()

        return asyncio.run(run())


def is_live(hub: PresenceHub, account: AccountRef) -> bool:
    """Whether the hub has been told that ``account`` is live."""
    return hub.statistics().account_health.get(account) is AccountHealth.LIVE
