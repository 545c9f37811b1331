"""The last events sent, kept so a client that reconnects gets what it missed.

An event's id is ``<run>-<number>``: ``run`` is new each time the event stream starts (each
start of the app, and each restart of the API's listener), ``number`` counts up from 1. A
client sends the last id it read in ``Last-Event-ID`` when it reconnects; the events after
it are replayed when they are all still kept. When they are not (the id is older than the
buffer, from another run, or not an id at all) the client is told to resync: re-read
``/v1/people`` and carry on with the stream, as a Kubernetes watch answers "410 Gone" to a
resource version it no longer keeps.

The buffer is bounded twice, by a number of events and by their size in bytes, so a burst of
large batches cannot hold much memory.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass
from typing import Final

REPLAY_EVENTS: Final = 512
"""The most events kept for clients that reconnect."""
REPLAY_BYTES: Final = 2 * 1024 * 1024
"""The most bytes of events kept for clients that reconnect (the bound that matters when
batches are large)."""
MAX_ID_CHARS: Final = 64
"""A ``Last-Event-ID`` longer than this is not one of ours."""


@dataclass(frozen=True, slots=True)
class Missed:
    """What a reconnecting client gets: the events it missed, or None when it must resync."""

    events: list[bytes] | None
    reason: str = ""
    """Why it must resync (empty when the events are replayed)."""


class ReplayBuffer:
    """The newest events of one run, oldest first, within :data:`REPLAY_EVENTS` and
    :data:`REPLAY_BYTES`."""

    def __init__(self, *, max_events: int = REPLAY_EVENTS, max_bytes: int = REPLAY_BYTES) -> None:
        """An empty buffer for a new run (a new random run id)."""
        self.run = secrets.token_hex(4)
        """This run's part of every event id."""
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._kept: deque[tuple[int, bytes]] = deque()
        self._bytes = 0
        self.last_number = 0
        """The number of the newest event (0 before the first)."""

    @property
    def size_bytes(self) -> int:
        """Bytes of events kept now."""
        return self._bytes

    def __len__(self) -> int:
        """Events kept now."""
        return len(self._kept)

    def next_id(self) -> str:
        """The id of the next event; :meth:`keep` it once encoded."""
        return f"{self.run}-{self.last_number + 1}"

    def last_id(self) -> str:
        """The id of the newest event (``<run>-0`` before the first)."""
        return f"{self.run}-{self.last_number}"

    def keep(self, event: bytes) -> None:
        """Keep the event :meth:`next_id` named, dropping the oldest beyond the bounds (an
        event larger than the byte bound is not kept at all)."""
        self.last_number += 1
        self._kept.append((self.last_number, event))
        self._bytes += len(event)
        while self._kept and (len(self._kept) > self._max_events or self._bytes > self._max_bytes):
            _, dropped = self._kept.popleft()
            self._bytes -= len(dropped)

    def missed_since(self, last_event_id: str) -> Missed:
        """The events after ``last_event_id``, or why they cannot all be replayed."""
        run, _, number = last_event_id.strip().partition("-")
        if len(last_event_id) > MAX_ID_CHARS or not (number.isascii() and number.isdigit()):
            return Missed(None, f"{last_event_id[:MAX_ID_CHARS]!r} is not an event id of this API.")
        if run != self.run or int(number) > self.last_number:
            return Missed(
                None,
                "That event id is from an earlier run of the app or of its API (they restarted "
                "since), so what changed since is unknown.",
            )
        after = int(number)
        if after == self.last_number:
            return Missed([])
        if not self._kept or self._kept[0][0] > after + 1:
            return Missed(
                None,
                f"The events after that id are no longer kept (the API keeps the last "
                f"{self._max_events} events, at most {self._max_bytes // 1024} KiB of them).",
            )
        return Missed([event for kept, event in self._kept if kept > after])
