"""A clock for polled clients under test: time moves only when the test lets it.

Unlike :class:`~presence_tray.core.clock.ManualClock`, whose ``sleep`` jumps ahead at once,
a sleeper here waits until the test moves time past its deadline. :meth:`SteppedClock.step`
waits (in real time) until the code under test is asleep, then wakes the earliest sleepers, so
a poll loop doing real HTTP advances one poll at a time, in order, and a test can say exactly
when a call happened.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

REAL_TIMEOUT_SECONDS = 20.0
"""How long (real time) a test waits for the code under test before failing."""


class SteppedClock:
    """Virtual time whose sleepers wake in deadline order, one step at a time."""

    def __init__(self, start: float) -> None:
        """Start at ``start`` (seconds since the epoch)."""
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        """The virtual time."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the test has moved time ``seconds`` on."""
        entry = (self._now + max(0.0, seconds), asyncio.get_running_loop().create_future())
        self._sleepers.append(entry)
        try:
            await entry[1]
        finally:
            self._sleepers.remove(entry)

    def is_idle(self) -> bool:
        """Whether some task is asleep on this clock, waiting for time to pass."""
        return any(not future.done() for _, future in self._sleepers)

    async def step(self) -> None:
        """Once the code under test sleeps, jump to the earliest deadline and wake its sleepers."""
        await wait_until(self.is_idle, what="the client to wait on the clock")
        pending = [(deadline, future) for deadline, future in self._sleepers if not future.done()]
        self._now = max(self._now, min(deadline for deadline, _ in pending))
        for deadline, future in pending:
            if deadline <= self._now:
                future.set_result(None)
        await asyncio.sleep(0)

    async def run_for(self, seconds: float) -> None:
        """Let ``seconds`` pass, waking every sleeper due in them, in order."""
        end = self._now + seconds
        while True:
            await wait_until(self.is_idle, what="the client to wait on the clock")
            if min(deadline for deadline, f in self._sleepers if not f.done()) > end:
                self._now = max(self._now, end)
                return
            await self.step()

    async def run_until(self, condition: Callable[[], bool], *, within: float) -> None:
        """Step time on until ``condition()`` holds; fail when ``within`` seconds pass first.

        Between steps it also waits in real time, for code that is busy rather than asleep.
        """
        end = self._now + within
        loop = asyncio.get_running_loop()
        real_end = loop.time() + REAL_TIMEOUT_SECONDS
        while not condition():
            if self._now > end or loop.time() > real_end:
                msg = f"condition not met within {within} s of clock time"
                raise AssertionError(msg)
            if self.is_idle():
                await self.step()
            else:
                await asyncio.sleep(0.002)


async def wait_until(condition: Callable[[], bool], *, what: str) -> None:
    """Wait in real time (at most :data:`REAL_TIMEOUT_SECONDS`) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + REAL_TIMEOUT_SECONDS
    while not condition():
        if loop.time() > end:
            msg = f"gave up waiting for {what}"
            raise AssertionError(msg)
        await asyncio.sleep(0.002)
