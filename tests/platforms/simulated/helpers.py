"""A recording sink and a bounded way to run a client on a ManualClock."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.identity import Identity
    from presence_tray.core.presence import PlatformPresence
    from presence_tray.platforms.simulated.client import SimulatedAccountClient

WEDNESDAY_10_UTC = 1_700_042_400.0
"""2023-11-15 10:00 UTC: Europe at work, the Americas asleep, Asia in the evening."""


class RecordingSink:
    """A :class:`~presence_tray.core.client.PresenceSink` that keeps everything it is given."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.contacts: list[Identity] = []
        self.published: list[PlatformPresence] = []

    def add_contacts(self, identities: Iterable[Identity]) -> None:
        self.calls.append("add_contacts")
        self.contacts.extend(identities)

    def replace_contacts(self, identities: Iterable[Identity]) -> None:
        self.calls.append("replace_contacts")
        self.contacts = list(identities)

    def publish(self, presence: PlatformPresence) -> None:
        self.calls.append("publish")
        self.published.append(presence)

    def report_live(self) -> None:
        self.calls.append("report_live")

    def report_degraded(self, reason: str) -> None:
        self.calls.append(f"report_degraded: {reason}")


async def run_for(
    client: SimulatedAccountClient, sink: RecordingSink, clock: ManualClock, seconds: float
) -> None:
    """Run ``client`` until ``clock`` has moved ``seconds``, then cancel it and wait for it."""
    task = asyncio.create_task(client.run(sink))
    end = clock.now() + seconds
    try:
        # Not an Event: nothing signals here; each turn lets the client take one ManualClock step.
        while clock.now() < end and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def assert_no_task_left() -> None:
    """Nothing but the test itself may still run on the loop."""
    assert asyncio.all_tasks() == {asyncio.current_task()}
