"""The hub: identities into people, coalescing, change events, queries and statistics."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.aggregation import AggregationPolicy, Decision
from presence_tray.core.client import AccountHealth
from presence_tray.core.clock import ManualClock, ScaledClock
from presence_tray.core.freshness import FreshnessPolicy
from presence_tray.core.hub import PresenceChanged, PresenceHub, refresh_staleness_periodically
from presence_tray.core.identity import Identity, Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from tests.core.helpers import NOW, identity, key, value

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

ALICE_SLACK = key(Platform.SLACK, "U1")
ALICE_TEAMS = key(Platform.TEAMS, "T1")
BOB_SLACK = key(Platform.SLACK, "U2")
BOB_DISCORD = key(Platform.DISCORD, "42")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def hub(clock: ManualClock) -> PresenceHub:
    hub = PresenceHub(clock)
    hub.add_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            identity(ALICE_TEAMS, "Alice C.", "alice"),
            identity(BOB_SLACK, "Bob Stone", "bob"),
            identity(BOB_DISCORD, "bobby", "bob"),
        ]
    )
    hub.flush()
    return hub


def record(hub: PresenceHub) -> list[Sequence[PresenceChanged]]:
    batches: list[Sequence[PresenceChanged]] = []
    hub.subscribe(batches.append)
    return batches


def test_identities_with_one_hint_form_one_person(hub: PresenceHub) -> None:
    people = {p.person_id: p for p in hub.people()}
    assert set(people) == {"alice", "bob"}
    assert people["alice"].identities == (ALICE_SLACK, ALICE_TEAMS)
    assert people["alice"].display_name == "Alice Chen"
    assert hub.identity(ALICE_TEAMS) is not None
    assert hub.person("nobody") is None


def test_identity_without_hint_is_a_person_of_its_own(clock: ManualClock) -> None:
    hub = PresenceHub(clock)
    k = key(Platform.MATRIX, "@carol:example.org")
    hub.add_identities([Identity(k, "Carol")])
    changes = hub.flush()
    assert [c.person.display_name for c in changes] == ["Carol"]
    assert changes[0].old is None
    assert changes[0].new.decision is Decision.NO_DATA


def test_re_adding_an_identity_updates_it_without_a_new_person(hub: PresenceHub) -> None:
    hub.add_identities([identity(ALICE_SLACK, "Alice Renamed", "alice")])
    assert len(hub.people()) == 2
    assert hub.identity(ALICE_SLACK).display_name == "Alice Renamed"  # type: ignore[union-attr]


def test_ingest_publishes_old_and_new_aggregate(hub: PresenceHub) -> None:
    batches = record(hub)
    hub.ingest(value(ALICE_SLACK, PresenceState.AWAY))
    hub.flush()
    hub.ingest(value(ALICE_TEAMS, PresenceState.ONLINE))
    hub.flush()
    assert len(batches) == 2
    second = batches[1][0]
    assert second.old is not None
    assert second.old.state is PresenceState.AWAY
    assert second.new.state is PresenceState.ONLINE
    assert second.new.decided_by is not None
    assert second.new.decided_by.identity == ALICE_TEAMS
    aggregate = hub.aggregate("alice")
    assert aggregate is second.new
    assert {v.identity for v in aggregate.values} == {ALICE_SLACK, ALICE_TEAMS}


def test_bursts_coalesce_to_the_latest_value(hub: PresenceHub) -> None:
    batches = record(hub)
    for state in (PresenceState.ONLINE, PresenceState.AWAY, PresenceState.BUSY):
        hub.ingest(value(BOB_SLACK, state))
    hub.flush()
    assert len(batches) == 1
    assert [c.new.state for c in batches[0]] == [PresenceState.BUSY]
    assert hub.statistics().updates_total == 3


def test_unchanged_aggregate_publishes_nothing(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(BOB_SLACK, PresenceState.ONLINE))
    hub.flush()
    batches = record(hub)
    clock.advance(10)
    hub.ingest(value(BOB_SLACK, PresenceState.ONLINE, clock.now()))
    assert hub.flush() == []
    assert batches == []


def test_value_for_an_unknown_identity_is_counted_not_raised(hub: PresenceHub) -> None:
    hub.ingest(value(key(Platform.ZOOM, "stranger"), PresenceState.ONLINE))
    assert hub.flush() == []
    assert hub.statistics().unmatched_updates == 1


def test_scheduled_flush_is_requested_once_per_burst(clock: ManualClock) -> None:
    scheduled: list[Callable[[], object]] = []
    hub = PresenceHub(clock, schedule_flush=scheduled.append)
    hub.add_identities([identity(ALICE_SLACK)])
    for _ in range(5):
        hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE))
    assert len(scheduled) == 1
    changes = scheduled[0]()
    assert isinstance(changes, list)
    assert hub.aggregate("alice").state is PresenceState.ONLINE  # type: ignore[union-attr]
    hub.ingest(value(ALICE_SLACK, PresenceState.AWAY))
    assert len(scheduled) == 2


def test_polled_value_goes_stale_after_its_ttl(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE, clock.now()))
    hub.flush()
    assert not hub.aggregate("alice").stale  # type: ignore[union-attr]
    assert hub.refresh_staleness() == []
    clock.advance(181)
    changes = hub.refresh_staleness()
    assert [c.person.person_id for c in changes] == ["alice"]
    assert changes[0].new.stale
    assert changes[0].new.state is PresenceState.ONLINE  # shown with its age, not dropped


def test_each_value_goes_stale_on_time_whatever_came_before(
    hub: PresenceHub, clock: ManualClock
) -> None:
    """The staleness check looks at nobody until the earliest expiry; a person updated later
    (expiring later) or re-checked early must not push anyone's expiry back."""
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE, clock.now()))
    hub.flush()
    clock.advance(100)
    hub.ingest(value(BOB_SLACK, PresenceState.AWAY, clock.now()))
    hub.flush()
    assert hub.refresh_staleness() == []
    clock.advance(81)  # alice's value is 181 s old, bob's 81 s
    assert [c.person.person_id for c in hub.refresh_staleness()] == ["alice"]
    hub.ingest(value(ALICE_SLACK, PresenceState.IDLE, clock.now()))  # fresh again, later expiry
    hub.flush()
    clock.advance(99)  # bob's is 180 s old: not yet
    assert hub.refresh_staleness() == []
    clock.advance(1)
    assert [c.person.person_id for c in hub.refresh_staleness()] == ["bob"]
    assert hub.aggregate("bob").stale  # type: ignore[union-attr]
    assert not hub.aggregate("alice").stale  # type: ignore[union-attr]


def test_pushed_values_age_only_once_the_account_drops(
    hub: PresenceHub, clock: ManualClock
) -> None:
    account = BOB_DISCORD.account
    hub.set_account_health(account, AccountHealth.LIVE)
    hub.ingest(value(BOB_DISCORD, PresenceState.ONLINE, clock.now(), source=PresenceSource.PUSH))
    hub.flush()
    clock.advance(3600)
    hub.refresh_staleness()
    assert not hub.aggregate("bob").stale  # type: ignore[union-attr]
    hub.set_account_health(account, AccountHealth.LIVE)  # no change: nothing to do
    hub.set_account_health(account, AccountHealth.RECONNECTING)
    changes = hub.flush()
    assert [c.person.person_id for c in changes] == ["bob"]
    assert changes[0].new.stale
    assert hub.statistics().account_health[account] is AccountHealth.RECONNECTING


def test_policy_switch_reaggregates_everyone(hub: PresenceHub) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE))
    hub.ingest(value(ALICE_TEAMS, PresenceState.BUSY, dnd=True))
    hub.flush()
    assert hub.aggregate("alice").state is PresenceState.ONLINE  # type: ignore[union-attr]
    hub.set_policy(AggregationPolicy.RESPECT_DND)
    hub.set_policy(AggregationPolicy.RESPECT_DND)
    assert hub.policy is AggregationPolicy.RESPECT_DND
    changes = hub.flush()
    assert [c.new.state for c in changes if c.person.person_id == "alice"] == [PresenceState.BUSY]


def test_last_seen_survives_going_offline(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(BOB_SLACK, PresenceState.ONLINE, clock.now()))
    hub.flush()
    seen = clock.now()
    clock.advance(7200)
    hub.ingest(value(BOB_SLACK, PresenceState.OFFLINE, clock.now()))
    hub.flush()
    aggregate = hub.aggregate("bob")
    assert aggregate is not None
    assert aggregate.state is PresenceState.OFFLINE
    assert aggregate.last_seen_at == seen


def test_last_active_time_counts_as_seen(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.UNKNOWN, clock.now(), last_active_at=NOW - 300))
    hub.flush()
    assert hub.aggregate("alice").last_seen_at == NOW - 300  # type: ignore[union-attr]


def test_batch_availability_answers_who_and_where(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.AWAY))
    hub.ingest(value(ALICE_TEAMS, PresenceState.ONLINE))
    hub.ingest(value(BOB_SLACK, PresenceState.BUSY, dnd=True))
    hub.ingest(value(BOB_DISCORD, PresenceState.OFFLINE))
    hub.flush()
    alice, bob, ghost = hub.availability(["alice", "bob", "ghost"])
    assert alice.reachable
    assert alice.via == (Platform.TEAMS,)
    assert alice.person is not None
    assert not bob.reachable
    assert bob.via == ()
    assert bob.state is PresenceState.BUSY
    assert ghost.person is None
    assert not ghost.reachable
    assert ghost.state is PresenceState.UNKNOWN


def test_stale_online_is_not_reachable(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE, clock.now()))
    hub.flush()
    clock.advance(3600)
    hub.refresh_staleness()
    (alice,) = hub.availability(["alice"])
    assert not alice.reachable
    assert alice.state is PresenceState.ONLINE


def test_reachable_on_several_platforms_best_first(hub: PresenceHub) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.IDLE, NOW + 5))
    hub.ingest(value(ALICE_TEAMS, PresenceState.ONLINE, NOW))
    hub.flush()
    (alice,) = hub.availability(["alice"])
    assert alice.via == (Platform.TEAMS, Platform.SLACK)


def test_find_people_prefers_exact_then_partial(hub: PresenceHub) -> None:
    assert [p.person_id for p in hub.find_people("alice chen")] == ["alice"]
    assert [p.person_id for p in hub.find_people("bobby")] == ["bob"]
    assert [p.person_id for p in hub.find_people("u2@example.org")] == ["bob"]
    assert {p.person_id for p in hub.find_people("ston")} == {"bob"}
    assert {p.person_id for p in hub.find_people("e")} == {"alice", "bob"}
    assert hub.find_people("  ") == []
    assert hub.find_people("zz") == []


def test_a_failing_listener_does_not_stop_others(
    hub: PresenceHub, expected_warnings: list[object]
) -> None:
    def broken(_: Sequence[PresenceChanged]) -> None:
        msg = "listener bug"
        raise RuntimeError(msg)

    hub.subscribe(broken)
    batches = record(hub)
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE))
    hub.flush()
    assert len(batches) == 1
    assert any(
        "listener failed" in getattr(r, "getMessage", lambda: "")() for r in expected_warnings
    )
    expected_warnings.clear()


def test_unsubscribe_stops_delivery(hub: PresenceHub) -> None:
    batches: list[Sequence[PresenceChanged]] = []
    unsubscribe = hub.subscribe(batches.append)
    unsubscribe()
    unsubscribe()
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE))
    hub.flush()
    assert batches == []


def test_statistics_count_updates_events_and_states(hub: PresenceHub, clock: ManualClock) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE))
    hub.ingest(value(BOB_DISCORD, PresenceState.OFFLINE))
    hub.flush()
    stats = hub.statistics()
    assert stats.people == 2
    assert stats.identities == 4
    assert stats.updates_by_platform == {Platform.SLACK: 1, Platform.DISCORD: 1}
    assert stats.states == {PresenceState.ONLINE: 1, PresenceState.OFFLINE: 1}
    assert stats.events_total == 4  # two people added, then two changed
    assert stats.events_per_second == pytest.approx(4 / 60)
    clock.advance(61)
    assert hub.statistics().events_per_second == 0


def test_a_person_gaining_an_identity_is_announced(hub: PresenceHub) -> None:
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE))
    hub.flush()
    batches = record(hub)
    zoom = key(Platform.ZOOM, "Z9")
    hub.add_identities([identity(zoom, "Alice Chen", "alice")])
    changes = hub.flush()
    assert [c.person.identities for c in changes] == [(ALICE_SLACK, ALICE_TEAMS, zoom)]
    assert changes[0].old is not None
    assert changes[0].new.looks_the_same_as(changes[0].old)
    assert len(batches) == 1
    assert hub.flush() == []  # announced once


SPEED = 2000.0
"""A simulated clock fast enough that three minutes of time-to-live pass in 0.09 s."""


def fast_hub() -> tuple[PresenceHub, ScaledClock, list[PresenceChanged]]:
    clock = ScaledClock(SPEED, start=NOW)
    hub = PresenceHub(clock)
    hub.add_identities(
        [identity(ALICE_SLACK, "Alice Chen", "alice"), identity(BOB_DISCORD, "Bob", "bob")]
    )
    hub.flush()
    changes: list[PresenceChanged] = []
    hub.subscribe(changes.extend)
    return hub, clock, changes


async def stale_seen(changes: list[PresenceChanged], person_id: str) -> None:
    async with asyncio.timeout(5):
        while not any(c.person.person_id == person_id and c.new.stale for c in changes):  # noqa: ASYNC110 - polling a plain list the hub appends to
            await asyncio.sleep(0.005)


async def test_the_staleness_task_wakes_when_a_value_ages_out_not_every_beat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub, clock, changes = fast_hub()
    checks: list[float] = []
    check = hub.refresh_staleness

    def counted_check() -> list[PresenceChanged]:
        checks.append(clock.now())
        return check()

    monkeypatch.setattr(hub, "refresh_staleness", counted_check)
    hub.ingest(value(ALICE_SLACK, PresenceState.ONLINE, clock.now()))
    hub.flush()
    expires = clock.now() + FreshnessPolicy().ttl(Platform.SLACK)
    task = asyncio.create_task(refresh_staleness_periodically(hub, 0.001))
    try:
        await stale_seen(changes, "alice")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert min(checks) >= expires  # never shown stale early...
    assert len(checks) <= 3  # ...and not checked every millisecond (about 90 beats) until then


async def test_an_account_that_stops_pushing_brings_the_next_check_forward() -> None:
    hub, clock, changes = fast_hub()
    account = BOB_DISCORD.account
    hub.set_account_health(account, AccountHealth.LIVE)
    ttl = FreshnessPolicy().ttl(Platform.DISCORD)
    seen = clock.now() - ttl + 60  # a minute of freshness left once the connection drops
    hub.ingest(value(BOB_DISCORD, PresenceState.ONLINE, seen, source=PresenceSource.PUSH))
    hub.flush()
    task = asyncio.create_task(refresh_staleness_periodically(hub, 0.001))
    try:
        await asyncio.sleep(0.01)  # the task now waits with nothing that can age out
        hub.set_account_health(account, AccountHealth.RECONNECTING)
        hub.flush()
        await stale_seen(changes, "bob")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert clock.now() >= seen + ttl
