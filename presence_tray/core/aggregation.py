"""Folding one person's per-platform values into one badge, with its reasons kept."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from presence_tray.core.presence import (
    AVAILABILITY_RANK,
    Activity,
    PlatformPresence,
    PresenceState,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from presence_tray.core.identity import IdentityKey


class AggregationPolicy(StrEnum):
    """How several platforms' values become one."""

    MOST_AVAILABLE = "most_available"
    """The product brief's default: online > idle > busy > away > offline."""
    RESPECT_DND = "respect_dnd"
    """Do-not-disturb on any platform wins; otherwise most available wins."""


class Decision(StrEnum):
    """Why the aggregate is what it is."""

    MOST_AVAILABLE = "most_available"
    DND_WINS = "dnd_wins"
    ONLY_UNKNOWN = "only_unknown"
    NO_DATA = "no_data"


_NO_STALE: frozenset[IdentityKey] = frozenset()


@dataclass(frozen=True, slots=True)
class AggregatedPresence:
    """One person's status, with the value that decided it and every platform's own value."""

    person_id: str
    state: PresenceState
    decision: Decision
    decided_by: PlatformPresence | None
    values: tuple[PlatformPresence, ...]
    stale_identities: frozenset[IdentityKey] = _NO_STALE
    last_seen_at: float | None = None

    @property
    def dnd(self) -> bool:
        """Do-not-disturb is on where the badge comes from."""
        return self.decided_by is not None and self.decided_by.dnd

    @property
    def activity(self) -> Activity | None:
        """The deciding platform's activity, if any."""
        return None if self.decided_by is None else self.decided_by.activity

    @property
    def stale(self) -> bool:
        """The badge rests on a value that is no longer fresh."""
        decider = self.decided_by
        return decider is not None and decider.identity in self.stale_identities

    def is_value_stale(self, value: PlatformPresence) -> bool:
        """Whether one of this aggregate's per-platform values is stale."""
        return value.identity in self.stale_identities

    def display_key(self) -> tuple[object, ...]:
        """Everything a person sees of this aggregate, without the observation times."""
        decider = self.decided_by
        return (
            self.state,
            self.decision,
            None if decider is None else decider.identity,
            self.dnd,
            self.activity,
            self.stale_identities,
            tuple((v.identity, v.state, v.dnd, v.activity, v.note) for v in self.values),
        )


def _recency(value: PlatformPresence) -> float:
    return value.observed_at


def _availability_then_recency(value: PlatformPresence) -> tuple[int, float]:
    return AVAILABILITY_RANK[value.state], value.observed_at


def aggregate(
    person_id: str,
    values: Iterable[PlatformPresence],
    *,
    policy: AggregationPolicy,
    is_fresh: Callable[[PlatformPresence], bool],
    last_seen_at: float | None = None,
) -> AggregatedPresence:
    """Aggregate one person's values under ``policy``.

    Fresh known values are preferred to stale ones; unknown values count only when nothing
    else is known; ties go to the most recent observation.
    """
    all_values = tuple(values)
    fresh_known: list[PlatformPresence] = []
    stale_known: list[PlatformPresence] = []
    unknown: list[PlatformPresence] = []
    stale_keys: list[IdentityKey] = []
    for value in all_values:
        fresh = is_fresh(value)
        if not fresh:
            stale_keys.append(value.identity)
        if value.state is PresenceState.UNKNOWN:
            unknown.append(value)
        elif fresh:
            fresh_known.append(value)
        else:
            stale_known.append(value)
    stale_identities = frozenset(stale_keys) if stale_keys else _NO_STALE

    candidates = fresh_known or stale_known
    winner: PlatformPresence | None = None
    decision = Decision.NO_DATA
    if candidates:
        if policy is AggregationPolicy.RESPECT_DND:
            in_dnd = [value for value in candidates if value.dnd]
            if in_dnd:
                winner = max(in_dnd, key=_recency)
                decision = Decision.DND_WINS
        if winner is None:
            winner = max(candidates, key=_availability_then_recency)
            decision = Decision.MOST_AVAILABLE
    elif unknown:
        winner = max(unknown, key=_recency)
        decision = Decision.ONLY_UNKNOWN

    return AggregatedPresence(
        person_id=person_id,
        state=PresenceState.UNKNOWN if winner is None else winner.state,
        decision=decision,
        decided_by=winner,
        values=all_values,
        stale_identities=stale_identities,
        last_seen_at=last_seen_at,
    )
