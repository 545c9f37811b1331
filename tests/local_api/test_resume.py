"""Resuming the event stream: a client that reconnects with Last-Event-ID gets what it missed,
or one 'resync' event when that is no longer kept or the id is not this run's; the stream
says 'retry:' once. Real HTTP against the API on a free port."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceState
from presence_tray.local_api.events import LAST_EVENT_ID, RESYNC
from presence_tray.local_api.replay import REPLAY_EVENTS, ReplayBuffer
from tests.local_api.conftest import serve
from tests.local_api.test_events import Event, sse_events

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import httpx

    from tests.local_api.conftest import Served


def change(served: Served, state: PresenceState) -> None:
    """Carol's one platform says ``state``: one presence event."""
    served.book.set("Carol Diaz", state, Platform.DISCORD)
    served.book.flush()


def states(events: list[Event]) -> list[object]:
    """Carol's state in each presence event."""
    return [event.data["people"][0]["state"] for event in events]  # type: ignore[index]


def number(event: Event) -> int:
    """The counting part of an event's id."""
    return int(event.id.rpartition("-")[2])


async def next_events(events: AsyncIterator[Event], count: int) -> list[Event]:
    """The next ``count`` events, waiting at most 5 s."""
    async with asyncio.timeout(5):
        return [await anext(events) for _ in range(count)]


async def read_one(served: Served, state: PresenceState) -> Event:
    """Connect, see Carol change to ``state``, and disconnect: the event read."""
    async with served.client.stream("GET", "/v1/events") as answer:
        change(served, state)
        (event,) = await next_events(sse_events(answer), 1)
    return event


def resume(served: Served, last_event_id: str) -> httpx.AsyncClient:
    """The client, for a stream reconnecting after ``last_event_id``."""
    served.client.headers[LAST_EVENT_ID] = last_event_id
    return served.client


async def test_a_client_that_reconnects_gets_the_events_it_missed_in_order(
    served: Served,
) -> None:
    seen = await read_one(served, PresenceState.ONLINE)
    change(served, PresenceState.AWAY)  # while the client is away
    change(served, PresenceState.BUSY)
    async with resume(served, seen.id).stream("GET", "/v1/events") as answer:
        events = sse_events(answer)
        missed = await next_events(events, 2)
        change(served, PresenceState.OFFLINE)
        (live,) = await next_events(events, 1)
    assert states(missed) == ["away", "busy"]
    assert states([live]) == ["offline"]
    assert [number(e) for e in [seen, *missed, live]] == [1, 2, 3, 4]
    assert {e.id.partition("-")[0] for e in [seen, *missed, live]} == {
        served.routes.events.replay.run
    }


async def test_an_id_older_than_what_is_kept_gets_a_resync_then_the_live_stream(
    served: Served,
) -> None:
    seen = await read_one(served, PresenceState.ONLINE)
    for state in [PresenceState.AWAY, PresenceState.ONLINE] * (REPLAY_EVENTS // 2 + 1):
        change(served, state)
    assert len(served.routes.events.replay) == REPLAY_EVENTS  # bounded
    newest = served.routes.events.replay.last_id()
    async with resume(served, seen.id).stream("GET", "/v1/events") as answer:
        events = sse_events(answer)
        (resync,) = await next_events(events, 1)
        change(served, PresenceState.BUSY)
        (live,) = await next_events(events, 1)
    assert resync.name == RESYNC
    assert "no longer kept" in str(resync.data["reason"])
    assert resync.id == newest  # a client that reconnects after it resumes from here
    assert (live.name, states([live]), number(live)) == ("presence", ["busy"], number(resync) + 1)


async def test_after_a_resync_the_next_reconnect_resumes_without_one(served: Served) -> None:
    async with resume(served, "not an id").stream("GET", "/v1/events") as answer:
        (resync,) = await next_events(sse_events(answer), 1)
    assert resync.name == RESYNC
    assert "is not an event id of this API" in str(resync.data["reason"])
    change(served, PresenceState.ONLINE)
    async with resume(served, resync.id).stream("GET", "/v1/events") as answer:
        (missed,) = await next_events(sse_events(answer), 1)
    assert (missed.name, states([missed])) == ("presence", ["online"])


async def test_an_id_from_before_a_restart_gets_a_resync() -> None:
    async with serve() as before:
        seen = await read_one(before, PresenceState.ONLINE)
    async with serve() as after:
        change(after, PresenceState.AWAY)  # nobody listened yet: nothing to resume from
        async with resume(after, seen.id).stream("GET", "/v1/events") as answer:
            (resync,) = await next_events(sse_events(answer), 1)
    assert resync.name == RESYNC
    assert "earlier run" in str(resync.data["reason"])


async def test_the_stream_says_retry_once(served: Served) -> None:
    lines: list[str] = []
    async with served.client.stream("GET", "/v1/events") as answer:
        change(served, PresenceState.ONLINE)
        change(served, PresenceState.AWAY)
        async with asyncio.timeout(5):
            async for line in answer.aiter_lines():
                lines.append(line)
                if sum(line.startswith("event: ") for line in lines) == 2:
                    break
    assert lines[0] == "retry: 3000"
    assert sum(line.startswith("retry:") for line in lines) == 1
    assert sum(line.startswith("id: ") for line in lines) == 2


def test_the_buffer_keeps_at_most_its_events_and_bytes() -> None:
    buffer = ReplayBuffer(max_events=3, max_bytes=100)
    for text in ["a" * 10, "b" * 10, "c" * 10, "d" * 10]:
        buffer.keep(text.encode())
    assert (len(buffer), buffer.size_bytes) == (3, 30)  # the oldest went
    assert buffer.missed_since(f"{buffer.run}-0").events is None  # event 1 is gone
    assert buffer.missed_since(f"{buffer.run}-2").events == [b"c" * 10, b"d" * 10]
    buffer.keep(b"e" * 90)
    assert (len(buffer), buffer.size_bytes) == (2, 100)
    buffer.keep(b"f" * 101)  # larger than the whole bound: not kept at all
    assert (len(buffer), buffer.size_bytes) == (0, 0)
    assert buffer.missed_since(buffer.last_id()).events == []  # nothing was missed
    assert buffer.missed_since(f"{buffer.run}-5").events is None
    assert buffer.missed_since(f"{buffer.run}-7").events is None  # not sent yet: not ours
    assert buffer.missed_since("x" * 100).events is None
