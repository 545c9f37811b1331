"""Aggregation: the order of states, both policies, staleness and unknowns."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from presence_tray.core.aggregation import AggregationPolicy, Decision, aggregate
from presence_tray.core.identity import Platform
from presence_tray.core.presence import AVAILABILITY_RANK, Activity, ActivityKind, PresenceState
from tests.core.helpers import NOW, key, value

ORDER = [
    PresenceState.ONLINE,
    PresenceState.IDLE,
    PresenceState.BUSY,
    PresenceState.AWAY,
    PresenceState.OFFLINE,
]
KNOWN = ORDER
SLACK = key(Platform.SLACK, "U1")
TEAMS = key(Platform.TEAMS, "T1")
ZOOM = key(Platform.ZOOM, "Z1")


@pytest.mark.parametrize(("better", "worse"), list(itertools.combinations(ORDER, 2)))
@pytest.mark.parametrize("policy", list(AggregationPolicy))
def test_more_available_state_wins_for_every_pair(
    better: PresenceState, worse: PresenceState, policy: AggregationPolicy
) -> None:
    for first, second in ((better, worse), (worse, better)):
        values = [value(SLACK, first, NOW), value(TEAMS, second, NOW + 1)]
        result = aggregate("p", values, policy=policy)
        assert result.state is better
        assert result.decision is Decision.MOST_AVAILABLE
        assert result.decided_by is not None
        assert result.decided_by.state is better
        assert result.values == tuple(values)


@pytest.mark.parametrize("state", KNOWN)
def test_unknown_is_ignored_when_anything_is_known(state: PresenceState) -> None:
    values = [value(SLACK, PresenceState.UNKNOWN, NOW + 10), value(TEAMS, state, NOW)]
    result = aggregate("p", values, policy=AggregationPolicy.MOST_AVAILABLE)
    assert result.state is state
    assert result.decided_by is values[1]


def test_only_unknown_gives_unknown_never_offline() -> None:
    values = [
        value(SLACK, PresenceState.UNKNOWN, NOW),
        value(TEAMS, PresenceState.UNKNOWN, NOW + 5),
    ]
    result = aggregate("p", values, policy=AggregationPolicy.MOST_AVAILABLE)
    assert result.state is PresenceState.UNKNOWN
    assert result.decision is Decision.ONLY_UNKNOWN
    assert result.decided_by is values[1]


def test_no_values_is_no_data() -> None:
    result = aggregate("p", [], policy=AggregationPolicy.MOST_AVAILABLE)
    assert result.state is PresenceState.UNKNOWN
    assert result.decision is Decision.NO_DATA
    assert result.decided_by is None
    assert not result.dnd
    assert result.activity is None
    assert not result.stale


def test_ties_go_to_the_most_recent() -> None:
    meeting = Activity(ActivityKind.IN_A_MEETING)
    older = value(SLACK, PresenceState.BUSY, NOW)
    newer = value(TEAMS, PresenceState.BUSY, NOW + 30, activity=meeting)
    for values in ([older, newer], [newer, older]):
        result = aggregate("p", values, policy=AggregationPolicy.MOST_AVAILABLE)
        assert result.decided_by is newer
        assert result.activity == meeting


def test_respect_dnd_lets_dnd_anywhere_win() -> None:
    dnd = value(TEAMS, PresenceState.BUSY, NOW, dnd=True)
    online = value(SLACK, PresenceState.ONLINE, NOW + 10)
    most = aggregate("p", [dnd, online], policy=AggregationPolicy.MOST_AVAILABLE)
    assert most.state is PresenceState.ONLINE
    assert not most.dnd
    respect = aggregate("p", [dnd, online], policy=AggregationPolicy.RESPECT_DND)
    assert respect.state is PresenceState.BUSY
    assert respect.dnd
    assert respect.decision is Decision.DND_WINS


def test_respect_dnd_without_dnd_is_most_available() -> None:
    values = [value(TEAMS, PresenceState.BUSY, NOW), value(SLACK, PresenceState.AWAY, NOW)]
    result = aggregate("p", values, policy=AggregationPolicy.RESPECT_DND)
    assert result.state is PresenceState.BUSY
    assert result.decision is Decision.MOST_AVAILABLE


def test_fresh_value_beats_a_more_available_stale_one() -> None:
    stale_online = value(SLACK, PresenceState.ONLINE, NOW - 3600)
    fresh_away = value(TEAMS, PresenceState.AWAY, NOW)
    result = aggregate(
        "p",
        [stale_online, fresh_away],
        policy=AggregationPolicy.MOST_AVAILABLE,
        stale=frozenset({SLACK}),
    )
    assert result.decided_by is fresh_away
    assert not result.stale
    assert result.is_value_stale(stale_online)
    assert not result.is_value_stale(fresh_away)


def test_all_stale_is_marked_stale_never_fresh() -> None:
    values = [value(SLACK, PresenceState.ONLINE, NOW - 3600), value(TEAMS, PresenceState.AWAY, NOW)]
    result = aggregate(
        "p", values, policy=AggregationPolicy.MOST_AVAILABLE, stale=frozenset({SLACK, TEAMS})
    )
    assert result.state is PresenceState.ONLINE
    assert result.stale
    assert result.stale_identities == {SLACK, TEAMS}


def test_stale_known_beats_fresh_unknown() -> None:
    stale_busy = value(SLACK, PresenceState.BUSY, NOW - 3600)
    fresh_unknown = value(TEAMS, PresenceState.UNKNOWN, NOW)
    result = aggregate(
        "p",
        [stale_busy, fresh_unknown],
        policy=AggregationPolicy.MOST_AVAILABLE,
        stale=frozenset({SLACK}),
    )
    assert result.state is PresenceState.BUSY
    assert result.stale


def test_looks_the_same_ignores_observation_time_only() -> None:
    first = aggregate(
        "p",
        [value(SLACK, PresenceState.ONLINE, NOW)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    later = aggregate(
        "p",
        [value(SLACK, PresenceState.ONLINE, NOW + 60)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    changed = aggregate(
        "p",
        [value(SLACK, PresenceState.AWAY, NOW + 60)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    assert first.looks_the_same_as(later)
    assert not first.looks_the_same_as(changed)
    nothing = aggregate("p", [], policy=AggregationPolicy.MOST_AVAILABLE)
    assert nothing.looks_the_same_as(nothing)
    assert not nothing.looks_the_same_as(first)
    custom = Activity(ActivityKind.CUSTOM, text="Lunch")
    with_text = aggregate(
        "p",
        [value(SLACK, PresenceState.ONLINE, NOW, activity=custom)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    assert not first.looks_the_same_as(with_text)
    both = [value(SLACK, PresenceState.ONLINE, NOW), value(TEAMS, PresenceState.AWAY, NOW)]
    other_note = [
        value(SLACK, PresenceState.ONLINE, NOW),
        value(TEAMS, PresenceState.AWAY, NOW, note="x"),
    ]
    assert not aggregate("p", both, policy=AggregationPolicy.MOST_AVAILABLE).looks_the_same_as(
        aggregate("p", other_note, policy=AggregationPolicy.MOST_AVAILABLE)
    )


states = st.sampled_from(list(PresenceState))
platform_values = st.lists(
    st.tuples(st.sampled_from([SLACK, TEAMS, ZOOM]), states, st.floats(0, 1000), st.booleans()),
    min_size=1,
    max_size=3,
    unique_by=lambda t: t[0],
)


@given(platform_values, st.sampled_from(list(AggregationPolicy)))
def test_aggregate_properties(
    raw: list[tuple[object, PresenceState, float, bool]], policy: AggregationPolicy
) -> None:
    values = [
        value(k, s, NOW + t, dnd=d and s is PresenceState.BUSY)  # type: ignore[arg-type]
        for k, s, t, d in raw
    ]
    result = aggregate("p", values, policy=policy)
    known = [v for v in values if v.state is not PresenceState.UNKNOWN]
    # The result is one of the inputs and carries every input.
    assert result.decided_by in values
    assert result.values == tuple(values)
    if not known:
        assert result.state is PresenceState.UNKNOWN
        return
    assert result.state is not PresenceState.UNKNOWN
    if policy is AggregationPolicy.RESPECT_DND and any(v.dnd for v in known):
        assert result.dnd
    else:
        best = max(AVAILABILITY_RANK[v.state] for v in known)
        assert AVAILABILITY_RANK[result.state] == best
        # Ties go to the most recent value of the winning state.
        assert result.decided_by is not None
        assert result.decided_by.observed_at == max(
            v.observed_at for v in known if v.state is result.state
        )
