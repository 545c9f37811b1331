"""Polling within limits: the call budget's window and Retry-After, the rota's order, and the
poll loop's waiting, back-off and reports."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import AuthError, RateLimitedError, TransientError
from presence_tray.core.polling import (
    MAX_FAILED_POLLS,
    CallBudget,
    PollRota,
    RateLimit,
    poll_until_cancelled,
)
from tests.core.helpers import NOW, key

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from presence_tray.core.identity import Identity, IdentityKey
    from presence_tray.core.presence import PlatformPresence


class RecordingSink:
    """A presence sink that keeps the account reports."""

    def __init__(self) -> None:
        self.reports: list[str] = []

    def add_contacts(self, identities: Iterable[Identity]) -> None:
        del identities

    def replace_contacts(self, identities: Iterable[Identity]) -> None:
        del identities

    def publish(self, presence: PlatformPresence) -> None:
        del presence

    def report_live(self) -> None:
        if not self.reports or self.reports[-1] != "live":
            self.reports.append("live")

    def report_degraded(self, reason: str) -> None:
        self.reports.append(f"degraded: {reason}")


# -- the budget --------------------------------------------------------------------------------


def test_a_budget_rejects_a_limit_that_allows_nothing() -> None:
    with pytest.raises(ValueError, match="at least one call"):
        RateLimit(0, 60)
    with pytest.raises(ValueError, match="between 0 and 1"):
        CallBudget(RateLimit(10, 60), ManualClock(NOW), headroom=1.5)


async def test_a_budget_spends_its_share_of_the_limit_then_waits_for_the_window() -> None:
    clock = ManualClock(NOW)
    budget = CallBudget(RateLimit(50, 60), clock, headroom=0.9)
    assert budget.calls_per_window == 45
    for _ in range(45):
        await budget.acquire()
    assert clock.now() == NOW  # 45 calls went at once, no wait
    assert budget.wait_time() == pytest.approx(60.0)
    await budget.acquire()
    assert clock.now() == pytest.approx(NOW + 60.0)
    assert budget.calls_made == 46


async def test_a_budget_never_spends_more_than_the_limit_in_any_window() -> None:
    clock = ManualClock(NOW)
    budget = CallBudget(RateLimit(20, 60), clock)
    moments: list[float] = []
    for _ in range(200):
        await budget.acquire()
        moments.append(clock.now())
        clock.advance(random.Random(len(moments)).uniform(0, 2))
    for index, moment in enumerate(moments):
        in_window = [m for m in moments[index:] if m < moment + 60]
        assert len(in_window) <= 18  # 90 % of 20


async def test_a_retry_after_holds_every_call_until_it_has_passed() -> None:
    clock = ManualClock(NOW)
    budget = CallBudget(RateLimit(100, 60), clock)
    budget.hold_off(30)
    assert budget.wait_time() == pytest.approx(30)
    await budget.acquire()
    assert clock.now() == pytest.approx(NOW + 30)
    assert budget.times_held == 1


def test_a_small_limit_still_allows_one_call() -> None:
    assert CallBudget(RateLimit(1, 60), ManualClock(NOW)).calls_per_window == 1


# -- the rota ----------------------------------------------------------------------------------

ALICE, BOB, CAROL, DAN = (key(remote_id=name) for name in ("alice", "bob", "carol", "dan"))


def test_the_rota_asks_priority_people_first_then_the_longest_waiting() -> None:
    rota = PollRota(60, is_priority=lambda k: k == DAN)
    rota.replace_members([ALICE, BOB, CAROL, DAN])
    assert rota.due(NOW, 2) == [DAN, ALICE]
    rota.mark_asked([DAN, ALICE], NOW)
    assert rota.due(NOW + 1, 10) == [BOB, CAROL]
    rota.mark_asked([BOB], NOW + 1)
    rota.mark_asked([CAROL], NOW + 2)
    # A minute on, Dan (priority) is due first, then Alice (asked longest ago).
    assert rota.due(NOW + 62, 10) == [DAN, ALICE, BOB, CAROL]
    assert rota.due(NOW + 61, 10) == [DAN, ALICE, BOB]


def test_nobody_is_asked_about_more_often_than_the_interval() -> None:
    rota = PollRota(60, is_priority=lambda _: True)
    rota.replace_members([ALICE])
    rota.mark_asked([ALICE], NOW)
    assert rota.due(NOW + 59, 10) == []
    assert rota.next_due_at() == NOW + 60
    rota.set_interval(30)
    assert rota.due(NOW + 30, 10) == [ALICE]


def test_a_fresh_contact_list_keeps_the_turns_of_the_people_still_on_it() -> None:
    rota = PollRota(60, is_priority=lambda _: False)
    rota.replace_members([ALICE, BOB])
    rota.mark_asked([ALICE, BOB], NOW)
    rota.replace_members([BOB, CAROL])
    assert len(rota) == 2
    assert rota.due(NOW + 1, 10) == [CAROL]  # Bob was asked a second ago; Alice has gone
    rota.mark_asked([ALICE], NOW + 1)  # a late answer about someone gone changes nothing
    assert len(rota) == 2
    assert PollRota(60, lambda _: False).next_due_at() is None


# -- the loop ----------------------------------------------------------------------------------


class ScriptedPlatform:
    """A fetch that answers from a script: a list of errors (or None for success) per call."""

    def __init__(self, clock: ManualClock, script: list[Exception | None], stop_after: int) -> None:
        self.clock = clock
        self.script = script
        self.stop_after = stop_after
        self.calls: list[tuple[float, tuple[IdentityKey, ...]]] = []

    async def fetch(self, keys: Sequence[IdentityKey]) -> None:
        self.calls.append((self.clock.now(), tuple(keys)))
        if len(self.calls) >= self.stop_after:
            raise asyncio.CancelledError
        outcome = self.script[len(self.calls) - 1] if len(self.calls) <= len(self.script) else None
        if outcome is not None:
            raise outcome


async def run_loop(rota: PollRota, platform: ScriptedPlatform, sink: RecordingSink) -> None:
    with pytest.raises(asyncio.CancelledError):
        await poll_until_cancelled(
            rota,
            platform.fetch,
            batch_size=2,
            clock=platform.clock,
            sink=sink,
            platform_name="Slack",
            rng=random.Random(7),
        )


async def test_the_loop_asks_in_batches_and_waits_for_the_next_person_due() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(60, is_priority=lambda _: False)
    rota.replace_members([ALICE, BOB, CAROL])
    platform = ScriptedPlatform(clock, [], stop_after=4)
    sink = RecordingSink()
    await run_loop(rota, platform, sink)
    (t1, first), (t2, second), (t3, third) = platform.calls[:3]
    assert (first, second) == ((ALICE, BOB), (CAROL,))
    assert t1 == t2 == NOW
    assert third == (ALICE, BOB)
    assert t3 == pytest.approx(NOW + 60)
    assert sink.reports == ["live"]


async def test_a_rate_limit_waits_retry_after_and_says_so() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(60, is_priority=lambda _: False)
    rota.replace_members([ALICE])
    limited = RateLimitedError("slow down", retry_after=42)
    platform = ScriptedPlatform(clock, [limited], stop_after=2)
    sink = RecordingSink()
    await run_loop(rota, platform, sink)
    assert platform.calls[1][0] == pytest.approx(NOW + 42)
    assert sink.reports == ["degraded: Slack asked to slow down; asking again in 42 s"]


async def test_passing_failures_back_off_with_growing_jittered_waits_then_recover() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(60, is_priority=lambda _: False)
    rota.replace_members([ALICE])
    failures: list[Exception | None] = [TransientError("Slack answered 503.")] * 4
    platform = ScriptedPlatform(clock, [*failures, None], stop_after=6)
    sink = RecordingSink()
    await run_loop(rota, platform, sink)
    waits = [b[0] - a[0] for a, b in itertools.pairwise(platform.calls[:5])]
    assert all(later > earlier for earlier, later in itertools.pairwise(waits))
    assert 1 <= waits[0] <= 2
    assert sink.reports[0].startswith("degraded: Slack answered 503. Trying again in")
    assert sink.reports[-1] == "live"


async def test_the_loop_gives_up_to_the_supervisor_after_failing_too_often() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(60, is_priority=lambda _: False)
    rota.replace_members([ALICE])
    platform = ScriptedPlatform(clock, [TransientError("down")] * 50, stop_after=100)
    with pytest.raises(TransientError, match="down"):
        await poll_until_cancelled(
            rota, platform.fetch, batch_size=1, clock=clock, sink=RecordingSink(), platform_name="X"
        )
    assert len(platform.calls) == MAX_FAILED_POLLS


async def test_a_refused_sign_in_goes_straight_to_the_supervisor() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(60, is_priority=lambda _: False)
    rota.replace_members([ALICE])
    platform = ScriptedPlatform(clock, [AuthError("revoked")], stop_after=100)
    with pytest.raises(AuthError):
        await poll_until_cancelled(
            rota, platform.fetch, batch_size=1, clock=clock, sink=RecordingSink(), platform_name="X"
        )
    assert len(platform.calls) == 1


async def test_an_empty_rota_sleeps_an_interval_at_a_time() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(90, is_priority=lambda _: False)
    platform = ScriptedPlatform(clock, [], stop_after=1)
    task = asyncio.create_task(
        poll_until_cancelled(
            rota, platform.fetch, batch_size=1, clock=clock, sink=RecordingSink(), platform_name="X"
        )
    )
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clock.sleeps[:3] == [90, 90, 90]
    assert platform.calls == []


async def test_the_batch_is_chosen_once_the_budget_has_room_so_a_favourite_goes_first() -> None:
    clock = ManualClock(NOW)
    rota = PollRota(60, is_priority=lambda k: k == ALICE)
    rota.replace_members([ALICE, BOB])
    rota.mark_asked([ALICE], NOW - 30)  # Alice falls due in 30 s; Bob is due now
    budget = CallBudget(RateLimit(10, 60), clock)
    budget.hold_off(40)  # ...but nothing may go for 40 s
    platform = ScriptedPlatform(clock, [], stop_after=2)
    with pytest.raises(asyncio.CancelledError):
        await poll_until_cancelled(
            rota,
            platform.fetch,
            batch_size=1,
            clock=clock,
            sink=RecordingSink(),
            platform_name="X",
            budget=budget,
        )
    assert platform.calls[0] == (pytest.approx(NOW + 40), (ALICE,))
