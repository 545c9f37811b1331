"""The notifier: rules, favourites, cooldown, start-up quiet, bursts, one-shots and DND digests.

Driven through a real hub on a manual clock, so the batches are the ones the app sees.
"""

from __future__ import annotations

import asyncio

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.notifier import (
    DIGEST_TITLE,
    Notification,
    Notifier,
    tick_periodically,
)
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from tests.core.helpers import NOW, identity, key, value

ONLINE, IDLE, BUSY, AWAY, OFFLINE, UNKNOWN = (
    PresenceState.ONLINE,
    PresenceState.IDLE,
    PresenceState.BUSY,
    PresenceState.AWAY,
    PresenceState.OFFLINE,
    PresenceState.UNKNOWN,
)
PEOPLE = {
    "alice": "Alice Chen",
    "bob": "Bob Stone",
    "carol": "Carol Diaz",
    "dave": "Dave Ng",
    "erin": "Erin Wu",
}
MEETING = Activity(ActivityKind.IN_A_MEETING)


class World:
    """A hub with a few people on Slack (pushed, live) and Teams (polled), and a notifier."""

    def __init__(self, *, quiet_seconds: float | None = 30.0, burst_size: int = 3) -> None:
        self.clock = ManualClock(NOW)
        self.hub = PresenceHub(self.clock)
        self.sent: list[Notification] = []
        self.spent: list[NotificationRule] = []
        self.favourites: set[str] = set()
        self.favourite_cooldown = 300.0
        self.dnd = False
        self.hub.add_identities(
            identity(key(platform, f"{pid}-{platform.value}"), name, pid)
            for pid, name in PEOPLE.items()
            for platform in (Platform.SLACK, Platform.TEAMS)
        )
        self.hub.set_account_health(AccountRef(Platform.SLACK, "acct"), AccountHealth.LIVE)
        self.hub.flush()
        self.notifier = Notifier(
            self.clock,
            self.sent.append,
            favourites=lambda: self.favourites,
            favourite_cooldown=lambda: self.favourite_cooldown,
            dnd_active=lambda: self.dnd,
            on_rule_spent=self.spent.append,
            quiet_seconds=quiet_seconds,
            burst_size=burst_size,
        )
        self.hub.subscribe(self.notifier.on_changes)

    def set(
        self,
        person: str,
        state: PresenceState,
        *,
        platform: Platform = Platform.SLACK,
        dnd: bool = False,
        activity: Activity | None = None,
        source: PresenceSource | None = None,
    ) -> None:
        if source is None:
            source = PresenceSource.PUSH if platform is Platform.SLACK else PresenceSource.POLL
        k = key(platform, f"{person}-{platform.value}")
        self.hub.ingest(
            value(k, state, self.clock.now(), dnd=dnd, activity=activity, source=source)
        )

    def flush(self) -> None:
        self.hub.flush()

    def settled(self, **states: PresenceState) -> World:
        """Everyone starts known (away unless given), the quiet window is over, nothing sent."""
        self.notifier.start()
        for person in PEOPLE:
            self.set(person, states.get(person, AWAY))
        self.flush()
        self.notifier.mark_settled()
        return self

    def rule(self, person: str, on: NotifyOn, **kwargs: float | bool) -> NotificationRule:
        rule = NotificationRule(person, on, **kwargs)  # type: ignore[arg-type]
        self.notifier.add_rule(rule)
        return rule

    def titles(self) -> list[str]:
        return [n.title for n in self.sent]


@pytest.fixture
def world() -> World:
    return World().settled()


# -- what fires -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "before", "after", "fires"),
    [
        (NotifyOn.AVAILABLE, AWAY, ONLINE, True),
        (NotifyOn.AVAILABLE, OFFLINE, IDLE, True),
        (NotifyOn.AVAILABLE, BUSY, ONLINE, True),
        (NotifyOn.AVAILABLE, ONLINE, IDLE, False),  # still available
        (NotifyOn.AVAILABLE, ONLINE, AWAY, False),
        (NotifyOn.OFFLINE, ONLINE, OFFLINE, True),
        (NotifyOn.OFFLINE, AWAY, OFFLINE, True),
        (NotifyOn.OFFLINE, OFFLINE, AWAY, False),
        (NotifyOn.OFFLINE, ONLINE, AWAY, False),
        (NotifyOn.ANY_CHANGE, ONLINE, AWAY, True),
        (NotifyOn.ANY_CHANGE, AWAY, BUSY, True),
        (NotifyOn.ANY_CHANGE, AWAY, AWAY, False),
        (NotifyOn.ANY_CHANGE, AWAY, UNKNOWN, False),  # "cannot tell" is not a change to report
        (NotifyOn.AVAILABLE, AWAY, UNKNOWN, False),
        (NotifyOn.OFFLINE, AWAY, UNKNOWN, False),  # unknown is never offline
    ],
)
def test_rules_fire_on_their_transitions(
    on: NotifyOn, before: PresenceState, after: PresenceState, fires: bool
) -> None:
    world = World().settled(alice=before)
    world.rule("alice", on)
    world.set("alice", after)
    world.flush()
    assert len(world.sent) == (1 if fires else 0), world.sent


def test_available_means_not_in_dnd_and_dnd_counts_as_a_change(world: World) -> None:
    world.rule("alice", NotifyOn.AVAILABLE)
    world.rule("bob", NotifyOn.ANY_CHANGE)
    world.set("alice", BUSY, dnd=True)
    world.set("bob", BUSY)
    world.flush()
    assert world.titles() == ["Bob Stone is busy"]
    world.clock.advance(300)
    world.set("bob", BUSY, dnd=True)  # busy -> do-not-disturb: same state, DND changed
    world.flush()
    assert world.titles()[-1] == "Bob Stone is in do-not-disturb"


def test_title_and_body_say_who_what_where_and_what_before() -> None:
    world = World().settled()
    world.rule("alice", NotifyOn.AVAILABLE)
    world.set("alice", BUSY, activity=MEETING)
    world.flush()  # busy in a meeting: no rule for that
    world.set("alice", ONLINE)
    world.flush()
    assert world.sent == [
        Notification("Alice Chen is available", "on Slack · was in a meeting", "alice")
    ]


def test_offline_and_other_states_have_their_own_words(world: World) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE, cooldown_seconds=0)
    for state, title, body in [
        (OFFLINE, "Alice Chen went offline", "on Slack · was away"),
        (IDLE, "Alice Chen is available (idle)", "on Slack · was offline"),
        (BUSY, "Alice Chen is busy", "on Slack · was idle"),
    ]:
        world.set("alice", state)
        world.flush()
        assert (world.sent[-1].title, world.sent[-1].body) == (title, body)


def test_no_rule_no_notification(world: World) -> None:
    world.set("alice", ONLINE)
    world.flush()
    assert world.sent == []


# -- favourites -------------------------------------------------------------------------------


def test_favourites_notify_on_available_by_default(world: World) -> None:
    world.favourites.add("alice")
    world.set("alice", OFFLINE)
    world.flush()
    assert world.sent == []  # default is "on available" only
    world.set("alice", ONLINE)
    world.flush()
    assert world.titles() == ["Alice Chen is available"]


def test_a_favourites_own_rule_replaces_the_default(world: World) -> None:
    world.favourites.add("alice")
    world.rule("alice", NotifyOn.OFFLINE)
    world.set("alice", ONLINE)
    world.flush()
    assert world.sent == []
    world.set("alice", OFFLINE)
    world.flush()
    assert world.titles() == ["Alice Chen went offline"]


def test_favourites_are_asked_at_each_batch(world: World) -> None:
    world.set("alice", ONLINE)
    world.flush()
    assert world.sent == []
    world.favourites.add("alice")
    world.set("alice", AWAY)
    world.flush()
    world.set("alice", ONLINE)
    world.flush()
    assert world.titles() == ["Alice Chen is available"]


def test_favourites_cooldown_is_asked_live(world: World) -> None:
    world.favourites.add("alice")
    world.favourite_cooldown = 60.0  # the settings dialog changed it
    for _ in range(2):
        world.set("alice", AWAY)
        world.flush()
        world.set("alice", ONLINE)
        world.flush()
        world.clock.advance(60)
    assert world.titles() == ["Alice Chen is available", "Alice Chen is available"]


# -- cooldown ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cooldown", "wait", "second_sent"),
    [
        (300.0, 299.0, False),
        (300.0, 300.0, True),  # exactly the cooldown: allowed again
        (300.0, 301.0, True),
        (60.0, 59.9, False),
        (60.0, 60.0, True),
        (0.0, 0.0, True),
    ],
)
def test_one_notification_per_person_per_cooldown(
    world: World, cooldown: float, wait: float, second_sent: bool
) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE, cooldown_seconds=cooldown)
    world.set("alice", ONLINE)
    world.flush()
    world.clock.advance(wait)
    world.set("alice", BUSY)
    world.flush()
    assert world.titles() == ["Alice Chen is available"] + (
        ["Alice Chen is busy"] if second_sent else []
    )


def test_the_default_cooldown_is_five_minutes(world: World) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.set("alice", ONLINE)
    world.flush()
    world.clock.advance(299)
    world.set("alice", BUSY)
    world.flush()
    world.clock.advance(1)
    world.set("alice", AWAY)
    world.flush()
    assert world.titles() == ["Alice Chen is available", "Alice Chen is away"]


def test_cooldown_is_per_person(world: World) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.rule("bob", NotifyOn.ANY_CHANGE)
    world.set("alice", ONLINE)
    world.flush()
    world.set("bob", ONLINE)
    world.flush()
    assert world.titles() == ["Alice Chen is available", "Bob Stone is available"]


def test_a_change_during_cooldown_updates_what_was_before(world: World) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.set("alice", ONLINE)
    world.flush()
    world.set("alice", OFFLINE)
    world.flush()  # within the cooldown: dropped, but remembered as her latest status
    world.clock.advance(300)
    world.set("alice", ONLINE)
    world.flush()
    assert world.sent[-1] == Notification(
        "Alice Chen is available", "on Slack · was offline", "alice"
    )


# -- start-up ---------------------------------------------------------------------------------


def test_nothing_is_sent_before_start_or_while_accounts_connect() -> None:
    world = World(quiet_seconds=30.0)
    world.rule("alice", NotifyOn.ANY_CHANGE, cooldown_seconds=0)
    world.set("alice", ONLINE)
    world.flush()
    world.notifier.start()
    world.set("alice", AWAY)
    world.flush()
    world.clock.advance(29.9)
    world.set("alice", BUSY)
    world.flush()
    assert world.sent == []
    assert world.notifier.quiet
    world.clock.advance(0.1)
    assert not world.notifier.quiet
    world.set("alice", ONLINE)
    world.flush()
    # Compared with her status during the quiet window, not before it.
    assert world.sent == [Notification("Alice Chen is available", "on Slack · was busy", "alice")]


def test_mark_settled_ends_the_quiet_window_early() -> None:
    world = World(quiet_seconds=None)
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.notifier.start()
    world.set("alice", AWAY)
    world.flush()
    world.clock.advance(10_000)
    world.set("alice", ONLINE)
    world.flush()
    assert world.sent == []  # without a time limit only mark_settled ends it
    world.notifier.mark_settled()
    world.set("alice", BUSY)
    world.flush()
    assert world.titles() == ["Alice Chen is busy"]


def test_cached_values_being_replaced_at_start_up_do_not_notify() -> None:
    world = World(quiet_seconds=0.0)
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.notifier.start()
    world.set("alice", OFFLINE, source=PresenceSource.CACHE)
    world.flush()  # the last run's value: stale until confirmed
    world.set("alice", ONLINE)
    world.flush()  # the first fresh value is where she is, not a change we saw
    assert world.sent == []
    world.set("alice", AWAY)
    world.flush()
    assert world.titles() == ["Alice Chen is away"]


def test_values_turning_stale_do_not_notify() -> None:
    world = World(quiet_seconds=0.0)
    world.rule("alice", NotifyOn.ANY_CHANGE, cooldown_seconds=0)
    world.notifier.start()
    # Teams (polled) says online, Slack (pushed, live) says away: online wins.
    world.set("alice", ONLINE, platform=Platform.TEAMS)
    world.set("alice", AWAY)
    world.flush()
    assert world.hub.aggregate("alice").state is ONLINE  # type: ignore[union-attr]
    # Teams' value outlives its time-to-live: the badge falls back to Slack's away.
    world.clock.advance(181)
    changes = world.hub.refresh_staleness()
    assert changes
    assert world.hub.aggregate("alice").state is AWAY  # type: ignore[union-attr]
    assert world.sent == []
    # Slack's connection drops: every value is stale, the badge is stale.
    world.hub.set_account_health(AccountRef(Platform.SLACK, "acct"), AccountHealth.RECONNECTING)
    world.clock.advance(601)
    assert world.hub.refresh_staleness()
    assert world.sent == []
    # A real change after all that is compared with the last fresh status (online).
    world.hub.set_account_health(AccountRef(Platform.SLACK, "acct"), AccountHealth.LIVE)
    world.set("alice", OFFLINE)
    world.flush()
    assert world.sent == [
        Notification("Alice Chen went offline", "on Slack · was available", "alice")
    ]


def test_people_the_hub_just_learned_of_do_not_notify(world: World) -> None:
    world.favourites.add("newcomer")
    k = key(Platform.SLACK, "newcomer-slack")
    world.hub.add_identities([identity(k, "New Comer", "newcomer")])
    world.hub.ingest(value(k, ONLINE, world.clock.now(), source=PresenceSource.PUSH))
    world.flush()
    assert world.sent == []


# -- bursts -----------------------------------------------------------------------------------


def test_a_burst_becomes_one_summary(world: World) -> None:
    for person in ("alice", "bob", "carol"):
        world.rule(person, NotifyOn.AVAILABLE)
        world.set(person, ONLINE)
    world.flush()
    assert world.sent == [
        Notification("3 people became available", "Alice Chen, Bob Stone, Carol Diaz", None)
    ]


def test_two_in_a_batch_stay_two(world: World) -> None:
    for person in ("alice", "bob"):
        world.rule(person, NotifyOn.AVAILABLE)
        world.set(person, ONLINE)
    world.flush()
    assert world.titles() == ["Alice Chen is available", "Bob Stone is available"]


def test_a_mixed_burst_lists_what_each_did() -> None:
    world = World(burst_size=2).settled(alice=ONLINE, bob=AWAY)
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.rule("bob", NotifyOn.ANY_CHANGE)
    world.set("alice", OFFLINE)
    world.set("bob", ONLINE)
    world.flush()
    assert world.sent == [
        Notification(
            "2 people changed status", "Alice Chen went offline, Bob Stone became available"
        )
    ]


def test_a_long_burst_names_five_and_counts_the_rest() -> None:
    world = World(burst_size=2).settled()
    for person in PEOPLE:
        world.rule(person, NotifyOn.OFFLINE)
        world.set(person, OFFLINE)
    world.flush()
    (sent,) = world.sent
    assert sent.title == "5 people went offline"
    assert sent.body == "Alice Chen, Bob Stone, Carol Diaz, Dave Ng, Erin Wu"
    extra = [f"P{i}" for i in range(7)]
    world.hub.add_identities(identity(key(Platform.SLACK, p), p, p) for p in extra)
    world.flush()
    for p in extra:
        world.hub.ingest(
            value(key(Platform.SLACK, p), AWAY, world.clock.now(), source=PresenceSource.PUSH)
        )
    world.flush()
    for p in extra:
        world.rule(p, NotifyOn.AVAILABLE)
        world.hub.ingest(
            value(key(Platform.SLACK, p), ONLINE, world.clock.now(), source=PresenceSource.PUSH)
        )
    world.flush()
    assert world.sent[-1].body == "P0, P1, P2, P3, P4 and 2 more"


def test_people_in_cooldown_leave_the_burst(world: World) -> None:
    for person in ("alice", "bob", "carol"):
        world.rule(person, NotifyOn.ANY_CHANGE)
    world.set("alice", BUSY)
    world.flush()
    for person in ("alice", "bob", "carol"):
        world.set(person, ONLINE)
    world.flush()
    assert world.titles() == [
        "Alice Chen is busy",
        "Bob Stone is available",
        "Carol Diaz is available",
    ]


# -- one-shot rules -----------------------------------------------------------------------------


def test_a_one_shot_rule_fires_once_and_is_handed_back(world: World) -> None:
    rule = world.rule("alice", NotifyOn.AVAILABLE, once=True)
    world.set("alice", ONLINE)
    world.flush()
    assert world.spent == [rule]
    assert world.notifier.rules == []
    world.clock.advance(1000)
    world.set("alice", AWAY)
    world.flush()
    world.set("alice", ONLINE)
    world.flush()
    assert world.titles() == ["Alice Chen is available"]


def test_a_one_shot_that_does_not_match_stays(world: World) -> None:
    rule = world.rule("alice", NotifyOn.AVAILABLE, once=True)
    world.set("alice", OFFLINE)
    world.flush()
    assert world.spent == []
    assert world.notifier.rules == [rule]


def test_a_spent_rule_is_not_revived_by_a_reload_before_storage_deletes_it(
    world: World,
) -> None:
    rule = world.rule("alice", NotifyOn.AVAILABLE, once=True)
    keep = world.rule("bob", NotifyOn.OFFLINE)
    world.set("alice", ONLINE)
    world.flush()
    world.notifier.set_rules([rule, keep])  # storage has not deleted it yet
    assert world.notifier.rules == [keep]
    world.notifier.set_rules([keep])  # now it has
    world.notifier.set_rules([rule, keep])  # and the user added it again
    assert world.notifier.rules == [rule, keep]


def test_a_one_shot_beside_a_standing_rule(world: World) -> None:
    once = world.rule("alice", NotifyOn.AVAILABLE, once=True)
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.set("alice", ONLINE)
    world.flush()
    assert world.spent == [once]
    assert [r.on for r in world.notifier.rules] == [NotifyOn.ANY_CHANGE]
    assert world.titles() == ["Alice Chen is available"]


# -- do-not-disturb ---------------------------------------------------------------------------


def test_dnd_holds_everything_and_one_digest_follows(world: World) -> None:
    world.rule("alice", NotifyOn.AVAILABLE)
    world.rule("bob", NotifyOn.OFFLINE)
    world.dnd = True
    world.set("alice", ONLINE)
    world.flush()
    world.set("bob", OFFLINE)
    world.flush()
    assert world.sent == []
    assert world.notifier.held == 2
    world.notifier.tick()
    assert world.sent == []  # still in DND
    world.dnd = False
    world.notifier.tick()
    assert world.sent == [
        Notification(DIGEST_TITLE, "Alice Chen became available, Bob Stone went offline")
    ]
    world.notifier.tick()
    assert len(world.sent) == 1  # once


def test_the_digest_follows_the_next_batch_when_dnd_ended(world: World) -> None:
    world.rule("alice", NotifyOn.AVAILABLE)
    world.rule("bob", NotifyOn.ANY_CHANGE)
    world.dnd = True
    world.set("alice", ONLINE)
    world.flush()
    world.dnd = False
    world.set("bob", BUSY)
    world.flush()
    assert world.sent == [
        Notification(DIGEST_TITLE, "Alice Chen became available", "alice"),
        Notification("Bob Stone is busy", "on Slack · was away", "bob"),
    ]


def test_the_digest_tells_each_persons_latest_state(world: World) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.rule("bob", NotifyOn.AVAILABLE)
    world.rule("carol", NotifyOn.ANY_CHANGE)
    world.dnd = True
    for states in ([ONLINE, ONLINE, ONLINE], [BUSY, OFFLINE, AWAY], [OFFLINE, OFFLINE, AWAY]):
        for person, state in zip(("alice", "bob", "carol"), states, strict=True):
            world.set(person, state)
        world.flush()
        world.clock.advance(1)
    world.dnd = False
    world.notifier.tick()
    # Carol is back where she was when DND began: nothing to tell.
    assert world.sent == [
        Notification(DIGEST_TITLE, "Alice Chen went offline, Bob Stone went offline")
    ]


def test_dnd_ignores_cooldown_and_starts_it_afresh(world: World) -> None:
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.set("alice", ONLINE)
    world.flush()
    world.dnd = True
    world.set("alice", BUSY)
    world.flush()
    world.dnd = False
    world.notifier.tick()
    world.set("alice", AWAY)
    world.flush()  # within the cooldown of the digest
    assert world.titles() == ["Alice Chen is available", DIGEST_TITLE]


def test_one_shot_rules_are_spent_when_held(world: World) -> None:
    rule = world.rule("alice", NotifyOn.AVAILABLE, once=True)
    world.dnd = True
    world.set("alice", ONLINE)
    world.flush()
    assert world.spent == [rule]
    world.dnd = False
    world.notifier.tick()
    assert world.sent == [Notification(DIGEST_TITLE, "Alice Chen became available", "alice")]


def test_no_digest_when_nothing_happened(world: World) -> None:
    world.dnd = True
    world.set("alice", ONLINE)
    world.flush()  # no rule for Alice
    world.dnd = False
    world.notifier.tick()
    assert world.sent == []


def test_the_start_up_quiet_window_wins_over_dnd() -> None:
    world = World(quiet_seconds=30.0)
    world.rule("alice", NotifyOn.ANY_CHANGE)
    world.dnd = True
    world.notifier.start()
    world.set("alice", ONLINE)
    world.flush()
    world.set("alice", AWAY)
    world.flush()
    world.dnd = False
    world.clock.advance(30)
    world.notifier.tick()
    assert world.sent == []


async def test_tick_periodically_sleeps_while_nothing_is_held(world: World) -> None:
    """No tick (and no reload) while nothing waits for the end of do-not-disturb; the first
    held change starts the ticking, and its digest comes when do-not-disturb ends."""
    world.rule("alice", NotifyOn.AVAILABLE)
    reloads: list[bool] = []
    reloaded = asyncio.Event()

    async def reload() -> None:
        reloads.append(world.dnd)
        reloaded.set()

    task = asyncio.create_task(tick_periodically(world.notifier, 0.001, reload))
    try:
        await asyncio.sleep(0.1)
        assert reloads == []
        world.dnd = True
        world.set("alice", ONLINE)
        world.flush()
        async with asyncio.timeout(5):
            await reloaded.wait()
        world.dnd = False
        reloaded.clear()
        async with asyncio.timeout(5):
            await reloaded.wait()  # its tick, right after, sends the digest
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert world.titles() == [DIGEST_TITLE]
    assert reloads[0] is True


async def test_tick_periodically_reloads_then_ticks(world: World) -> None:
    world.rule("alice", NotifyOn.AVAILABLE)
    world.dnd = True
    world.set("alice", ONLINE)
    world.flush()
    reloads: list[int] = []
    reloaded = asyncio.Event()

    async def reload() -> None:
        reloads.append(1)
        world.dnd = False
        reloaded.set()

    task = asyncio.create_task(tick_periodically(world.notifier, 0.001, reload))
    try:
        async with asyncio.timeout(5):
            await reloaded.wait()  # the tick right after this reload sent the digest
        await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert world.titles() == [DIGEST_TITLE]
    assert reloads == [1]  # nothing held after the digest: no more ticks
