"""Server-sent events: the hub's change batches, fanned out to every connected client.

One event per change batch the hub publishes (``event: presence``, its ``data`` a JSON
object whose ``people`` are the changed people as ``GET /v1/people`` shows them), and one
per removal (``event: removed``, ``data: {"people": [ids]}``). Each event is encoded once,
whoever listens, and put in every client's bounded queue without waiting: a client whose
queue is full is dropped (its stream ends), so a slow reader never holds up the hub or the
other clients.

Every event has an ``id``; from the first client on, the latest events are kept
(:mod:`presence_tray.local_api.replay`), so a client that reconnects with ``Last-Event-ID``
gets the events it missed first, or, when they are not all kept, one ``event: resync``
(``data: {"reason": sentence}``) telling it to re-read ``/v1/people``; the stream carries on
after it either way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Final

from presence_tray.core.reports import person_entry
from presence_tray.local_api.replay import ReplayBuffer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceChanged, PresenceHub
    from presence_tray.core.identity import Person

_log = logging.getLogger(__name__)

QUEUE_SIZE: Final = 256
"""Events a client may fall behind by before it is dropped."""
PING_SECONDS: Final = 15.0
"""A comment line this often keeps proxies and clients from timing the stream out."""
PING: Final = b": ping\n\n"
HELLO: Final = b"retry: 3000\n\n"
"""The first bytes of every stream: a client that lost it waits 3 s before connecting again."""
LAST_EVENT_ID: Final = "Last-Event-ID"
"""The header a reconnecting client names the last event it read in."""
RESYNC: Final = "resync"
"""The event telling a reconnecting client that it missed changes it cannot be sent."""


class EventStream:
    """One client's queue of encoded events; None in it ends the stream."""

    __slots__ = ("_queue",)

    def __init__(self, size: int, first: Sequence[bytes] = ()) -> None:
        """A queue holding ``first`` and then at most ``size`` events more."""
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(size + len(first))
        for event in first:
            self._queue.put_nowait(event)

    async def next(self) -> bytes | None:
        """The next event's bytes, or None when the stream is over."""
        return await self._queue.get()

    def offer(self, event: bytes) -> bool:
        """Queue ``event``; False (and nothing queued) when the queue is full."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            return False
        return True

    def end(self) -> None:
        """End the stream now: what is still queued is dropped."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class EventFanOut:
    """Hears the hub and hands every change batch to every connected stream."""

    def __init__(self, hub: PresenceHub, clock: Clock, *, queue_size: int = QUEUE_SIZE) -> None:
        """Fan out ``hub``'s changes (ages in them on ``clock``) once :meth:`start` ran."""
        self._hub = hub
        self._clock = clock
        self._queue_size = queue_size
        self._streams: set[EventStream] = set()
        self._unsubscribers: list[Callable[[], None]] = []
        self._replay = ReplayBuffer()
        self._recording = False
        self.dropped = 0
        """Streams dropped for falling behind (statistics)."""

    @property
    def clients(self) -> int:
        """Streams connected now."""
        return len(self._streams)

    def start(self) -> None:
        """Subscribe to the hub's changes and removals."""
        if not self._unsubscribers:
            self._unsubscribers = [
                self._hub.subscribe(self._on_changes),
                self._hub.subscribe_removals(self._on_removals),
            ]

    def close(self) -> None:
        """Stop hearing the hub and end every stream."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        for stream in self._streams:
            stream.end()
        self._streams.clear()

    @property
    def replay(self) -> ReplayBuffer:
        """The latest events, kept for clients that reconnect."""
        return self._replay

    def connect(self, last_event_id: str | None = None) -> EventStream:
        """A new stream that gets every event from now on, after the events missed since
        ``last_event_id`` (or a resync event when they are not all kept)."""
        self._recording = True  # from the first client on, every event is kept
        first: list[bytes] = []
        if last_event_id is not None:
            missed = self._replay.missed_since(last_event_id)
            if missed.events is None:
                first = [self._encode(self._replay.last_id(), RESYNC, {"reason": missed.reason})]
            else:
                first = missed.events
        stream = EventStream(self._queue_size, first)
        self._streams.add(stream)
        return stream

    def disconnect(self, stream: EventStream) -> None:
        """Forget ``stream`` (its client went away)."""
        self._streams.discard(stream)

    def _on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        if not self._recording:
            return  # nobody ever listened, so nobody can ask for it again: build nothing
        now = self._clock.now()
        policy = self._hub.policy
        people = [person_entry(c.person, c.new, policy, now) for c in changes]
        self._send("presence", {"people": people})

    def _on_removals(self, removed: Sequence[Person]) -> None:
        if self._recording:
            self._send("removed", {"people": [person.person_id for person in removed]})

    @staticmethod
    def _encode(event_id: str, name: str, data: dict[str, object]) -> bytes:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {event_id}\nevent: {name}\ndata: {text}\n\n".encode()

    def _send(self, name: str, data: dict[str, object]) -> None:
        event = self._encode(self._replay.next_id(), name, data)
        self._replay.keep(event)
        for stream in [s for s in self._streams if not s.offer(event)]:
            self._streams.discard(stream)
            stream.end()
            self.dropped += 1
            _log.info("an event stream fell %d events behind; it is closed", self._queue_size)
