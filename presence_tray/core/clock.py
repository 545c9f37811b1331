"""Time as a seam, so tests and the simulated network can compress it."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch, and a way to wait."""

    def now(self) -> float:
        """Return the current time in seconds since the epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> float:
        """Return ``time.time()``."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the running event loop."""
        await asyncio.sleep(seconds)


class ScaledClock:
    """A clock that runs ``factor`` times faster than real time, starting from ``start``."""

    def __init__(self, factor: float, start: float | None = None) -> None:
        if factor <= 0:
            msg = f"speed-up factor must be positive, not {factor}"
            raise ValueError(msg)
        self.factor = factor
        self._start = time.time() if start is None else start
        self._real_start = time.monotonic()

    def now(self) -> float:
        """Return the scaled time."""
        return self._start + (time.monotonic() - self._real_start) * self.factor

    def resume_from(self, moment: float) -> None:
        """Jump forward to ``moment`` if it is later than now (never backwards)."""
        ahead = moment - self.now()
        if ahead > 0:
            self._start += ahead

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of scaled time, that is ``seconds / factor`` real seconds."""
        await asyncio.sleep(seconds / self.factor)


class ManualClock:
    """A clock that moves only when told to; ``sleep`` advances it at once.

    Used by tests and benchmarks: a supervisor's five-minute back-off takes no real time,
    and the delays it asked for are kept in ``sleeps`` to be checked.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        """Return the current manual time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the request, advance time and yield once to the loop."""
        self.sleeps.append(seconds)
        self._now += max(0.0, seconds)
        await asyncio.sleep(0)
