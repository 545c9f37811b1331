"""One asyncio loop on top of the Qt event loop; the only module that touches qasync."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, SignalInstance
from PySide6.QtWidgets import QApplication

from presence_tray.ui import APP_NAME

ORGANISATION_NAME = APP_NAME
ORGANISATION_DOMAIN = "presence-tray.invalid"

QtMain = Callable[[QApplication], Coroutine[Any, Any, int]]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that end the app like Quit does: ``main`` is cancelled and may clean up."""

_log = logging.getLogger(__name__)


def _application(argv: list[str]) -> QApplication:
    # pytest-qt (and any embedding host) may already own the one QApplication of the process.
    existing = QCoreApplication.instance()
    if existing is None:
        app = QApplication(argv)
    elif isinstance(existing, QApplication):
        app = existing
    else:
        msg = f"a {type(existing).__name__} exists already; Presence Tray needs a QApplication"
        raise RuntimeError(msg)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION_NAME)
    app.setOrganizationDomain(ORGANISATION_DOMAIN)
    # A tray app lives on with every window closed; only "Quit" ends it.
    app.setQuitOnLastWindowClosed(False)
    return app


def run_with_qt(argv: list[str], main: QtMain) -> int:
    """Create the QApplication, run ``main(app)`` on a qasync loop and return its exit code.

    Exceptions raised by ``main`` propagate; leftover tasks are cancelled and async generators
    and the default executor are shut down before the loop closes.
    """
    app = _application(argv)
    received: list[signal.Signals] = []
    with asyncio.Runner(loop_factory=lambda: _event_loop(app)) as runner:
        try:
            return runner.run(_stoppable(main(app), received))
        except asyncio.CancelledError:
            if not received:
                raise
            # The shell convention for "ended by a signal".
            return 128 + received[0].value


def _event_loop(app: QApplication) -> qasync.QEventLoop:
    """A qasync loop whose ``asyncio.to_thread`` workers start only as work needs them.

    qasync's own default executor starts ten QThreads at once, each with its own malloc
    arena and stack, for a worker or two that the app uses; the standard pool (sized as
    asyncio's own default) starts a thread only when no idle one is free.
    """
    loop = qasync.QEventLoop(app)
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="presence-tray-worker"))
    return loop


async def _stoppable(main: Coroutine[Any, Any, int], received: list[signal.Signals]) -> int:
    """Run ``main``, cancelling it on SIGINT or SIGTERM.

    Python runs its own signal handlers only between bytecodes, and an idle Qt loop runs none;
    the loop's signal handlers wake it through a file descriptor instead.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - the Runner always runs us in a task
        msg = "run_with_qt's main must run in a task"
        raise RuntimeError(msg)

    def stop(number: signal.Signals) -> None:
        _log.info("received %s; quitting", number.name)
        received.append(number)
        task.cancel()

    installed: list[signal.Signals] = []
    for number in STOP_SIGNALS:
        # Not on Windows, and not outside the main thread: then Ctrl+C is Python's business.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, stop, number)
            installed.append(number)
    try:
        return await main
    finally:
        for number in installed:
            loop.remove_signal_handler(number)


async def wait_for_signal(qt_signal: SignalInstance) -> tuple[Any, ...]:
    """Wait until ``qt_signal`` is emitted once and return its arguments."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def receive(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    qt_signal.connect(receive)
    try:
        return await future
    finally:
        qt_signal.disconnect(receive)
