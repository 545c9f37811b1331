"""One asyncio loop on the Qt event loop: exit codes, errors, clean shutdown, signals."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from presence_tray.ui import APP_NAME
from presence_tray.ui.aio import run_with_qt, wait_for_signal


class Emitter(QObject):
    """Something with a signal."""

    fired = Signal(str, int)


def test_returns_the_exit_code_of_main():
    seen: list[QApplication] = []

    async def main(app: QApplication) -> int:
        seen.append(app)
        await asyncio.sleep(0.01)
        return 7

    assert run_with_qt(["presence-tray"], main) == 7
    (app,) = seen
    assert app is QApplication.instance()
    assert app.applicationName() == APP_NAME
    assert not app.quitOnLastWindowClosed()


def test_exceptions_in_main_propagate():
    async def main(_app: QApplication) -> int:
        await asyncio.sleep(0)
        msg = "boom"
        raise LookupError(msg)

    with pytest.raises(LookupError, match="boom"):
        run_with_qt([], main)


def test_leftover_tasks_are_cancelled_and_the_loop_closed():
    state: dict[str, object] = {}

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            state["cancelled"] = True
            raise

    async def main(_app: QApplication) -> int:
        state["task"] = asyncio.create_task(forever())
        state["loop"] = asyncio.get_running_loop()
        await asyncio.sleep(0)
        return 0

    assert run_with_qt([], main) == 0
    assert state["cancelled"] is True
    loop = state["loop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    assert loop.is_closed()


def test_worker_threads_start_only_as_work_needs_them():
    """``asyncio.to_thread`` runs on a pool that starts one thread for one job at a time, not
    qasync's ten QThreads at once (each one a stack and a malloc arena)."""
    seen: dict[str, object] = {}

    async def main(_app: QApplication) -> int:
        earlier = set(threading.enumerate())  # an earlier test's pool may still be ending
        workers = set()
        for _ in range(3):
            workers.add(await asyncio.to_thread(threading.current_thread))
            # A worker counts itself idle just after handing back its result.
            await asyncio.sleep(0.05)
        seen["workers"] = workers
        seen["alive"] = {
            thread
            for thread in set(threading.enumerate()) - earlier
            if thread.name.startswith("presence-tray-worker")
        }
        return 0

    assert run_with_qt([], main) == 0
    (worker,) = seen["workers"]  # type: ignore[misc]
    assert worker.name.startswith("presence-tray-worker")
    assert seen["alive"] == {worker}


def test_wait_for_signal_returns_its_arguments():
    emitter = Emitter()

    async def main(_app: QApplication) -> int:
        QTimer.singleShot(10, lambda: emitter.fired.emit("hello", 3))
        args = await wait_for_signal(emitter.fired)
        assert args == ("hello", 3)
        return 0

    assert run_with_qt([], main) == 0
    # The temporary slot is gone: emitting again reaches nobody and breaks nothing.
    emitter.fired.emit("again", 4)


@pytest.mark.parametrize(("number", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_cancels_main_which_cleans_up(number: signal.Signals, code: int):
    cleaned: list[bool] = []
    before = signal.getsignal(number)

    async def main(_app: QApplication) -> int:
        try:
            QTimer.singleShot(10, lambda: os.kill(os.getpid(), number))
            await asyncio.sleep(3600)
        finally:
            cleaned.append(True)
        return 0

    assert run_with_qt([], main) == code
    assert cleaned == [True]
    assert signal.getsignal(number) == before  # our handler is gone again
