"""Server-sent events: a hub change reaches a connected client; a slow client is dropped and
never holds up the hub; stopping the server ends every stream. Resuming with Last-Event-ID is
in test_resume.py."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceState
from presence_tray.local_api.events import EventFanOut
from tests.ui.helpers import START, AddressBook

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import httpx

    from tests.local_api.conftest import Served


@dataclass(frozen=True)
class Event:
    """One server-sent event as a client reads it."""

    id: str
    name: str
    data: dict[str, object]


async def sse_events(answer: httpx.Response) -> AsyncIterator[Event]:
    """Each event of a stream, as the SSE rules read it; comments and retry are skipped."""
    event_id, name, data = "", "message", ""
    async for line in answer.aiter_lines():
        field, _, value = line.partition(": ")
        if field == "id":
            event_id = value
        elif field == "event":
            name = value
        elif field == "data":
            data = value
        elif line == "" and data:
            yield Event(event_id, name, json.loads(data))
            name, data = "message", ""


async def events_of(answer: httpx.Response) -> AsyncIterator[tuple[str, dict[str, object]]]:
    """(event name, data) for each event of a stream."""
    async for event in sse_events(answer):
        yield event.name, event.data


async def test_a_hub_change_reaches_the_stream(served: Served) -> None:
    async with served.client.stream("GET", "/v1/events") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/event-stream"
        assert served.routes.events.clients == 1  # connected once the headers came
        served.book.set("Carol Diaz", PresenceState.ONLINE, Platform.DISCORD)
        served.book.flush()
        async with asyncio.timeout(5):
            name, data = await anext(events_of(answer))
    assert name == "presence"
    (carol,) = data["people"]  # type: ignore[misc]
    assert (carol["name"], carol["state"], carol["decided_by"]) == (
        "Carol Diaz",
        "online",
        "discord",
    )


async def test_a_removal_is_an_event_of_its_own(served: Served) -> None:
    async with served.client.stream("GET", "/v1/events") as answer:
        assert served.routes.events.clients == 1  # connected once the headers came
        bob = served.book.keys["Bob Stone", Platform.ZOOM]
        served.hub.link(bob, "alice-chen")  # Bob's only identity joins Alice: Bob is gone
        names = []
        async with asyncio.timeout(5):
            async for name, data in events_of(answer):
                names.append(name)
                if name == "removed":
                    assert data == {"people": ["bob-stone"]}
                    break
    assert names == ["presence", "removed"]


async def test_stopping_the_server_ends_the_streams(served: Served) -> None:
    async with served.client.stream("GET", "/v1/events") as answer:
        assert served.routes.events.clients == 1  # connected once the headers came
        served.routes.close()
        async with asyncio.timeout(5):
            rest = [line async for line in answer.aiter_lines()]
    assert rest[0] == "retry: 3000"
    assert served.routes.events.clients == 0


async def test_a_client_that_falls_behind_is_dropped_and_the_others_carry_on() -> None:
    clock = ManualClock(START)
    hub = PresenceHub(clock)
    book = AddressBook(hub, clock)
    book.person("Alice Chen", Platform.SLACK)
    book.flush()
    fan_out = EventFanOut(hub, clock, queue_size=3)
    fan_out.start()
    slow, reader = fan_out.connect(), fan_out.connect()
    received: list[bytes | None] = []
    for state in [PresenceState.ONLINE, PresenceState.AWAY] * 3:
        book.set("Alice Chen", state)
        book.flush()  # the hub never waits for a stream
        received.append(await reader.next())
    assert fan_out.clients == 1
    assert fan_out.dropped == 1
    assert await slow.next() is None  # its stream ends; it can connect again
    assert all(event is not None and b"event: presence" in event for event in received)
    fan_out.close()
    assert await reader.next() is None
