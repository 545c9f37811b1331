"""The test harness itself: the guarantees tests/conftest.py promises hold."""

from __future__ import annotations

import asyncio
import logging


async def test_asyncio_runs_in_debug_mode() -> None:
    assert asyncio.get_running_loop().get_debug()


def test_expected_warnings_are_handed_to_the_test(
    expected_warnings: list[logging.LogRecord],
) -> None:
    logging.getLogger("presence_tray.test").warning("planned %s", "warning")
    logging.getLogger("asyncio").error("a planned asyncio error")
    assert [r.getMessage() for r in expected_warnings] == [
        "planned warning",
        "a planned asyncio error",
    ]
