"""Presence history: the transitions of each identity's value, not every observation."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from presence_tray.core.presence import PresenceSource

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.identity import IdentityKey
    from presence_tray.core.presence import ActivityKind, PlatformPresence, PresenceState


class PresenceTransition(NamedTuple):
    """One identity's value changed to this at ``at`` (a named tuple: written by the
    thousand)."""

    identity: IdentityKey
    state: PresenceState
    dnd: bool
    activity: ActivityKind | None
    at: float


def _signature(value: PlatformPresence) -> tuple[object, ...]:
    activity = value.activity
    return (value.state, value.dnd, None if activity is None else activity.kind)


def transitions(changes: Iterable[PresenceChanged]) -> list[PresenceTransition]:
    """The identity-level transitions inside a batch of hub changes.

    A value counts when its state, DND flag or activity kind differs from the same
    identity's value in the old aggregate (or there was none). Cached values replayed at
    start-up are not transitions.
    """
    found: list[PresenceTransition] = []
    for change in changes:
        before = {} if change.old is None else {v.identity: v for v in change.old.values}
        for value in change.new.values:
            if value.source is PresenceSource.CACHE:
                continue
            previous = before.get(value.identity)
            if previous is not None and _signature(previous) == _signature(value):
                continue
            activity = value.activity
            found.append(
                PresenceTransition(
                    value.identity,
                    value.state,
                    value.dnd,
                    None if activity is None else activity.kind,
                    value.observed_at,
                )
            )
    return found
