"""History keeps transitions, not observations."""

from __future__ import annotations

from presence_tray.core.aggregation import AggregationPolicy, aggregate
from presence_tray.core.history import PresenceTransition, transitions
from presence_tray.core.hub import PresenceChanged
from presence_tray.core.identity import Person, Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from tests.core.helpers import NOW, key, value

SLACK = key(Platform.SLACK, "U1")
TEAMS = key(Platform.TEAMS, "T1")
PERSON = Person("alice", "Alice", (SLACK, TEAMS))


def change(old: list[object] | None, new: list[object]) -> PresenceChanged:
    policy = AggregationPolicy.MOST_AVAILABLE
    return PresenceChanged(
        PERSON,
        None if old is None else aggregate("alice", old, policy=policy),  # type: ignore[arg-type]
        aggregate("alice", new, policy=policy),  # type: ignore[arg-type]
    )


def test_first_values_are_transitions_except_cached_ones() -> None:
    found = transitions(
        [
            change(
                None,
                [
                    value(SLACK, PresenceState.ONLINE, NOW),
                    value(TEAMS, PresenceState.AWAY, NOW - 60, source=PresenceSource.CACHE),
                ],
            )
        ]
    )
    assert found == [
        PresenceTransition(SLACK, PresenceState.ONLINE, dnd=False, activity=None, at=NOW)
    ]


def test_only_changed_identities_count() -> None:
    meeting = Activity(ActivityKind.IN_A_MEETING, text="Weekly")
    old = [value(SLACK, PresenceState.ONLINE, NOW), value(TEAMS, PresenceState.BUSY, NOW)]
    new = [
        value(SLACK, PresenceState.ONLINE, NOW + 60),  # observed again: no transition
        value(TEAMS, PresenceState.BUSY, NOW + 60, activity=meeting),  # activity changed
    ]
    assert transitions([change(old, new)]) == [
        PresenceTransition(
            TEAMS, PresenceState.BUSY, dnd=False, activity=ActivityKind.IN_A_MEETING, at=NOW + 60
        )
    ]
    dnd = [value(SLACK, PresenceState.ONLINE, NOW), value(TEAMS, PresenceState.BUSY, NOW, dnd=True)]
    assert [t.dnd for t in transitions([change(old, dnd)])] == [True]
