"""The clock seam and the error kinds."""

from __future__ import annotations

import asyncio
import time

import pytest

from presence_tray.core.clock import ManualClock, ScaledClock, SystemClock
from presence_tray.core.errors import PresenceError, RateLimitedError, TransientError


async def test_manual_clock_advances_on_sleep() -> None:
    clock = ManualClock(100.0)
    await clock.sleep(30)
    clock.advance(5)
    await clock.sleep(-1)
    assert clock.now() == 135.0
    assert clock.sleeps == [30, -1]


async def test_scaled_clock_runs_faster() -> None:
    clock = ScaledClock(1000.0, start=0.0)
    before = clock.now()
    started = time.monotonic()
    await clock.sleep(50.0)  # 50 ms of real time
    assert time.monotonic() - started < 1.0
    assert clock.now() - before >= 49.0


def test_scaled_clock_refuses_a_silly_factor() -> None:
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(0)


async def test_system_clock_is_wall_time() -> None:
    clock = SystemClock()
    assert abs(clock.now() - time.time()) < 1
    await clock.sleep(0)
    await asyncio.sleep(0)


def test_rate_limited_is_transient_with_a_non_negative_delay() -> None:
    err = RateLimitedError("slow down", retry_after=-3)
    assert isinstance(err, TransientError)
    assert isinstance(err, PresenceError)
    assert err.retry_after == 0.0


def test_scaled_clock_resumes_forward_only() -> None:
    clock = ScaledClock(1.0, start=1000.0)
    clock.resume_from(5000.0)
    assert 5000.0 <= clock.now() < 5001.0
    clock.resume_from(10.0)  # never backwards
    assert clock.now() >= 5000.0
