"""Letting a platform client run in a test until something holds, within real time."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

REAL_SECONDS_ALLOWED = 20.0
"""Generous: CI runs the tests under coverage on a shared 2-core machine; a passing wait
returns as soon as its condition holds."""


async def run_until(condition: Callable[[], bool], *, what: str, pause: float = 0.001) -> None:
    """Let the loop run (``pause`` real seconds at a time) until ``condition()`` holds; fail
    the test, naming ``what``, after :data:`REAL_SECONDS_ALLOWED`."""
    deadline = time.monotonic() + REAL_SECONDS_ALLOWED
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(pause)
