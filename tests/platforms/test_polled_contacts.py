"""A polled account's contact list read again page by page, between the presence polls."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import TransientError
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.polling import PollRota, poll_until_cancelled
from presence_tray.platforms.polled import CONTACTS_REFRESH_SECONDS, ContactList, ContactPage
from tests.platforms.simulated.helpers import RecordingSink

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence

NOW = 1_795_597_200.0
INTERVAL = 60.0
PAGE_SECONDS = 5.0
"""How long one page takes (the call, or waiting for its budget)."""


def contact(number: int) -> Identity:
    return Identity(IdentityKey(Platform.ZOOM, "acct", f"U{number:03}"), f"Person {number}")


FAVOURITE = contact(0)


class Directory:
    """A contact list served in pages of ten, each taking :data:`PAGE_SECONDS`, and a
    log of what the poll loop did when."""

    def __init__(self, clock: ManualClock, size: int) -> None:
        self.clock = clock
        self.people = [contact(number) for number in range(size)]
        self.log: list[tuple[str, float]] = []
        self.fail_at_page: int | None = None

    async def pages(self) -> AsyncGenerator[ContactPage, None]:
        people = list(self.people)
        for start in range(0, max(len(people), 1), 10):
            page = start // 10
            await self.clock.sleep(PAGE_SECONDS)
            if page == self.fail_at_page:
                self.fail_at_page = None
                self.log.append(("failed page", self.clock.now()))
                msg = "Zoom answered 503."
                raise TransientError(msg)
            self.log.append((f"page {page}", self.clock.now()))
            yield ContactPage(people[start : start + 10], last=start + 10 >= len(people))

    async def fetch(self, keys: Sequence[IdentityKey]) -> None:
        if FAVOURITE.key in keys:
            self.log.append(("favourite", self.clock.now()))

    def times(self, what: str) -> list[float]:
        return [at for event, at in self.log if event.startswith(what)]


async def poll_with_refresh(
    clock: ManualClock,
    contacts: ContactList,
    rota: PollRota,
    sink: RecordingSink,
    fetch: Callable[[Sequence[IdentityKey]], Awaitable[None]],
) -> None:
    """The poll loop as the clients run it, until ``fetch`` cancels it."""
    with pytest.raises(asyncio.CancelledError):
        await poll_until_cancelled(
            rota,
            fetch,
            batch_size=5,
            clock=clock,
            sink=sink,
            platform_name="Zoom",
            rng=random.Random(3),
            each_turn=lambda: contacts.read_page_if_due(sink),
        )


async def run_polling(directory: Directory, sink: RecordingSink, *, until: float) -> None:
    """Read the list, then poll (the favourite first) until the clock passes ``until``."""
    clock = directory.clock
    rota = PollRota(INTERVAL, lambda key: key == FAVOURITE.key)
    contacts = ContactList(directory.pages, rota, clock)
    await contacts.read(sink)

    async def fetch(keys: Sequence[IdentityKey]) -> None:
        await directory.fetch(keys)
        if clock.now() >= until:
            raise asyncio.CancelledError

    await poll_with_refresh(clock, contacts, rota, sink, fetch)


async def test_the_list_is_read_whole_at_the_start_and_again_after_ten_minutes() -> None:
    clock = ManualClock(NOW)
    directory = Directory(clock, size=25)
    sink = RecordingSink()

    await run_polling(directory, sink, until=NOW + 2 * CONTACTS_REFRESH_SECONDS)

    first_pages = directory.times("page")[:3]
    assert first_pages == [NOW + 5, NOW + 10, NOW + 15]
    again = directory.times("page 0")[1]
    assert again >= first_pages[-1] + CONTACTS_REFRESH_SECONDS
    assert sink.calls.count("replace_contacts") >= 2


async def test_a_re_read_goes_a_page_per_turn_and_the_favourite_keeps_its_turn() -> None:
    clock = ManualClock(NOW)
    directory = Directory(clock, size=300)  # thirty pages: 150 s of reading
    sink = RecordingSink()

    await run_polling(directory, sink, until=NOW + CONTACTS_REFRESH_SECONDS + 400)

    favourite = directory.times("favourite")
    gaps = [later - earlier for earlier, later in itertools.pairwise(favourite)]
    assert max(gaps) <= INTERVAL + PAGE_SECONDS  # never held up by the 150 s of pages
    pages = directory.times("page")[30:]  # the re-read
    assert len(pages) == 30
    assert any(pages[0] < at < pages[-1] for at in favourite)


async def test_joiners_and_leavers_reach_the_sink_and_the_rota() -> None:
    clock = ManualClock(NOW)
    directory = Directory(clock, size=12)
    sink = RecordingSink()
    directory.people.append(contact(50))
    del directory.people[3]

    contacts = ContactList(directory.pages, PollRota(INTERVAL, lambda _: False), clock)
    await contacts.read(sink)
    directory.people = [*directory.people[:5], contact(51)]
    clock.advance(CONTACTS_REFRESH_SECONDS)
    for _ in range(3):
        await contacts.read_page_if_due(sink)

    assert [identity.key.remote_id for identity in sink.contacts] == [
        *(f"U{number:03}" for number in (0, 1, 2, 4, 5)),
        "U051",
    ]


async def test_a_listing_cut_short_changes_nothing_and_starts_again() -> None:
    clock = ManualClock(NOW)
    directory = Directory(clock, size=25)
    sink = RecordingSink()
    rota = PollRota(INTERVAL, lambda _: False)
    contacts = ContactList(directory.pages, rota, clock)
    await contacts.read(sink)
    directory.people = directory.people[:15]
    directory.fail_at_page = 1
    clock.advance(CONTACTS_REFRESH_SECONDS)

    await contacts.read_page_if_due(sink)
    with pytest.raises(TransientError):
        await contacts.read_page_if_due(sink)
    assert len(sink.contacts) == 25
    assert len(rota) == 25

    for _ in range(2):
        await contacts.read_page_if_due(sink)
    assert [event for event, _ in directory.log[-3:]] == ["failed page", "page 0", "page 1"]
    assert len(sink.contacts) == len(rota) == 15


async def test_an_empty_list_is_still_read_again() -> None:
    clock = ManualClock(NOW)
    directory = Directory(clock, size=0)
    sink = RecordingSink()
    joined: list[Identity] = []

    async def fetch(_keys: Sequence[IdentityKey]) -> None:
        joined.extend(sink.contacts)
        raise asyncio.CancelledError

    rota = PollRota(INTERVAL, lambda _: False)
    contacts = ContactList(directory.pages, rota, clock)
    await contacts.read(sink)
    directory.people = [contact(7)]
    await poll_with_refresh(clock, contacts, rota, sink, fetch)

    assert joined == [contact(7)]  # listed, then polled
    assert clock.now() >= NOW + CONTACTS_REFRESH_SECONDS
