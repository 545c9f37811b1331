"""The runtime's clock: the simulated day starts where --start says."""

from __future__ import annotations

from datetime import UTC, datetime

from presence_tray import cli
from presence_tray.runtime import new_runtime


async def test_the_simulated_day_starts_where_start_says() -> None:
    wednesday_nine = datetime(2026, 11, 25, 9, 0, tzinfo=UTC).timestamp()
    options = cli.build_parser().parse_args(["--start", "2026-11-25T09:00Z"])
    runtime = new_runtime(options)
    assert wednesday_nine <= runtime.clock.now() < wednesday_nine + 60 * 60
