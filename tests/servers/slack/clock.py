"""A clock the test moves by hand, so a rate-limit minute or an idle hour passes instantly."""

from __future__ import annotations

from dataclasses import dataclass

# 2026-11-25 09:00:00 UTC, a Wednesday morning: a fixed start keeps answers reproducible.
DEFAULT_START = 1_795_597_200.0


@dataclass
class ManualClock:
    """Unix time in seconds that changes only when the test calls :meth:`advance`."""

    now: float = DEFAULT_START

    def __call__(self) -> float:
        """The current time, as ``time.time()`` would give it."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.now += seconds
