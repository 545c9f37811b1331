"""Folding one person's per-platform values into one badge, with its reasons kept."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from presence_tray.core.presence import (
    AVAILABILITY_RANK,
    Activity,
    PlatformPresence,
    PresenceState,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

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


class AggregatedPresence(NamedTuple):
    """One person's status, with the value that decided it and every platform's own value.

    A named tuple rather than a frozen dataclass for speed (one is built per update the hub
    takes); treat it as an immutable value, not as a sequence.
    """

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

    def looks_the_same_as(self, other: AggregatedPresence) -> bool:
        """Whether a person would see no difference (observation times aside).

        Cheap fields first: this runs for every aggregate the hub recomputes.
        """
        mine, theirs = self.decided_by, other.decided_by
        if (
            self.state is not other.state
            or self.decision is not other.decision
            or self.stale_identities != other.stale_identities
            or len(self.values) != len(other.values)
        ):
            return False
        if mine is None or theirs is None:
            return mine is theirs
        if (
            mine.identity != theirs.identity
            or mine.dnd != theirs.dnd
            or mine.activity != theirs.activity
        ):
            return False
        for a, b in zip(self.values, other.values, strict=True):
            if a is not b and (
                a.state is not b.state
                or a.identity != b.identity
                or a.dnd != b.dnd
                or a.activity != b.activity
                or a.note != b.note
            ):
                return False
        return True


def _recency(value: PlatformPresence) -> float:
    return value.observed_at


def _tier(value: PlatformPresence, stale: frozenset[IdentityKey]) -> int:
    """2 for a fresh known value, 1 for a stale known one, 0 for unknown."""
    if value.state is PresenceState.UNKNOWN:
        return 0
    return 1 if value.identity in stale else 2


def _most_available(values: tuple[PlatformPresence, ...]) -> PlatformPresence:
    """The most available value, the most recent among equals (UNKNOWN ranks lowest)."""
    # An explicit loop: faster than max() with a key function for the usual 1 to 3 values.
    rank = AVAILABILITY_RANK
    best = values[0]
    best_rank = rank[best.state]
    for value in values[1:]:
        value_rank = rank[value.state]
        if value_rank > best_rank or (
            value_rank == best_rank and value.observed_at > best.observed_at
        ):
            best, best_rank = value, value_rank
    return best


def aggregate(
    person_id: str,
    values: Iterable[PlatformPresence],
    *,
    policy: AggregationPolicy,
    stale: frozenset[IdentityKey] = _NO_STALE,
    last_seen_at: float | None = None,
) -> AggregatedPresence:
    """Aggregate one person's values under ``policy``.

    ``stale`` names the identities whose values are no longer fresh (see
    :class:`~presence_tray.core.freshness.FreshnessPolicy`). Fresh known values are preferred
    to stale ones, and known ones to unknown ones; within that, the most available wins (or,
    under :attr:`AggregationPolicy.RESPECT_DND`, do-not-disturb); ties go to the most recent.
    """
    all_values = values if isinstance(values, tuple) else tuple(values)
    winner: PlatformPresence | None = None
    decision = Decision.NO_DATA
    if all_values:
        if stale and len(stale) < len(all_values):
            # Some fresh, some stale: fresh known beats stale known beats unknown.
            winner = max(
                all_values,
                key=lambda v: (_tier(v, stale), AVAILABILITY_RANK[v.state], v.observed_at),
            )
        else:
            # All fresh, or all stale (the cache at start-up): one tier, so availability
            # alone decides (unknown ranks lowest).
            winner = _most_available(all_values)
        if winner.state is PresenceState.UNKNOWN:
            decision = Decision.ONLY_UNKNOWN
        else:
            decision = Decision.MOST_AVAILABLE
            if policy is AggregationPolicy.RESPECT_DND:
                tier = _tier(winner, stale)
                in_dnd = [v for v in all_values if v.dnd and _tier(v, stale) == tier]
                if in_dnd:
                    winner = max(in_dnd, key=_recency)
                    decision = Decision.DND_WINS

    return AggregatedPresence(
        person_id,
        PresenceState.UNKNOWN if winner is None else winner.state,
        decision,
        winner,
        all_values,
        stale,
        last_seen_at,
    )
