"""The composition root: builds every object, wires them, and runs the GUI or a command.

No presence logic lives here; everything is passed in through constructors.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from presence_tray import cli
from presence_tray.core.clock import Clock, ScaledClock
from presence_tray.core.hub import PresenceHub, refresh_staleness_periodically
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.simulated.network import build_simulated_network
from presence_tray.preflight import check_gui_environment

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from PySide6.QtWidgets import QApplication

    from presence_tray.core.client import PlatformClient

_log = logging.getLogger(__name__)

FLUSH_WINDOW_SECONDS = 0.05
"""Updates arriving within this window reach the UI as one batch."""
STALENESS_CHECK_SECONDS = 1.0
COMMAND_SETTLE_TIMEOUT_SECONDS = 5.0
EXIT_NO_DESKTOP = 3
X11_INSTANCE_NAME = "presence-tray"
"""argv[0] for Qt, which makes it the instance part of WM_CLASS on X11 however the app was
started (``presence-tray``, ``python -m presence_tray``): desktops and tests find it by it."""


@dataclass
class Runtime:
    """Everything that runs, whatever the front end."""

    clock: Clock
    hub: PresenceHub
    supervisor: ClientSupervisor
    clients: Sequence[PlatformClient]
    simulated: bool
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        """Start every client and the staleness check."""
        for client in self.clients:
            self.supervisor.start(client)
        self._tasks.append(
            asyncio.create_task(
                refresh_staleness_periodically(self.hub, STALENESS_CHECK_SECONDS),
                name="staleness check",
            )
        )

    async def aclose(self) -> None:
        """Stop the clients and the background tasks; flush what is pending."""
        await self.supervisor.aclose()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self.hub.flush()


def build_runtime(options: argparse.Namespace) -> Runtime:
    """Build the hub, the supervisor and the clients (the simulated network for now)."""
    loop = asyncio.get_running_loop()
    # With no account connected the whole app lives in the simulated network's time, which
    # runs faster than real time so a day of changes plays out in minutes.
    clock = ScaledClock(options.speed)
    hub = PresenceHub(
        clock,
        policy=cli.policy_from_option(options.policy),
        schedule_flush=lambda flush: loop.call_later(FLUSH_WINDOW_SECONDS, flush),
    )
    supervisor = ClientSupervisor(hub, clock)
    clients = build_simulated_network(seed=options.seed, size=options.people, clock=clock)
    return Runtime(clock, hub, supervisor, clients, simulated=True)


async def run_command(options: argparse.Namespace) -> cli.Answer:
    """Run one headless command against a freshly started runtime."""
    runtime = build_runtime(options)
    runtime.start()
    try:
        try:
            async with asyncio.timeout(COMMAND_SETTLE_TIMEOUT_SECONDS):
                await runtime.supervisor.wait_until_settled()
        except TimeoutError:
            _log.warning("some accounts had not connected yet; answering with what is known")
        runtime.hub.flush()
        now = runtime.clock.now()
        if options.command == "status":
            return cli.status_command(runtime.hub, options.names, as_json=options.json, now=now)
        if options.command == "available":
            return cli.available_command(runtime.hub, options.names, as_json=options.json)
        return cli.stats_command(runtime.hub, runtime.supervisor.statuses(), as_json=options.json)
    finally:
        await runtime.aclose()


async def _gui_main(options: argparse.Namespace, _app: QApplication) -> int:
    from presence_tray.ui.shell import TrayShell

    runtime = build_runtime(options)
    shell = TrayShell(runtime.hub, runtime.supervisor, runtime.clock, simulated_network=True)
    shell.start()  # the tray icon first; everything else loads behind it
    runtime.start()
    try:
        await shell.wait_for_quit()
    finally:
        await runtime.aclose()
    return 0


def run_gui(options: argparse.Namespace) -> int:
    """Start the desktop app, or say clearly why it cannot start here."""
    problem = check_gui_environment(os.environ, sys.platform)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_NO_DESKTOP
    from presence_tray.ui.aio import run_with_qt

    return run_with_qt([X11_INSTANCE_NAME], partial(_gui_main, options))


GC_YOUNG_GENERATION_THRESHOLD = 10_000
"""Allocations between young-generation collections (CPython's default is 700)."""


def tune_garbage_collection() -> None:
    """Collect the young generation less often.

    Every presence update allocates a few short-lived tuples; with the default threshold the
    collector runs every few hundred updates and walks ever larger older generations, which
    costs about a third of the hub's throughput (see bench/hub.py). The older generations
    keep their default thresholds.
    """
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_GENERATION_THRESHOLD, older, oldest)


def configure_logging(verbosity: int) -> None:
    """Log to stderr; ``-v`` for info, ``-vv`` for debug."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the GUI or a command; return the exit code."""
    options = cli.build_parser().parse_args(argv)
    configure_logging(options.verbose)
    tune_garbage_collection()
    if options.command is None:
        return run_gui(options)
    answer = asyncio.run(run_command(options))
    print(answer.text)
    return answer.exit_code
