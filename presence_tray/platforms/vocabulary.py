"""What a platform's status word means in core terms, and the values every normaliser builds."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from presence_tray.core.presence import (
    Activity,
    ActivityKind,
    PlatformPresence,
    PresenceSource,
    PresenceState,
)

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey


class Meaning(NamedTuple):
    """One wire spelling in core terms: a state, the DND flag and an activity kind."""

    state: PresenceState
    dnd: bool = False
    activity: ActivityKind | None = None


ONLINE = Meaning(PresenceState.ONLINE)
IDLE = Meaning(PresenceState.IDLE)
BUSY = Meaning(PresenceState.BUSY)
DO_NOT_DISTURB = Meaning(PresenceState.BUSY, dnd=True)
AWAY = Meaning(PresenceState.AWAY)
OFFLINE = Meaning(PresenceState.OFFLINE)
UNKNOWN = Meaning(PresenceState.UNKNOWN)


def with_dnd(meaning: Meaning) -> Meaning:
    """``meaning`` with do-not-disturb on, which makes the state busy."""
    return meaning._replace(state=PresenceState.BUSY, dnd=True)


_PLAIN_ACTIVITIES = {kind: Activity(kind) for kind in ActivityKind}


def activity_of(
    kind: ActivityKind, text: str | None = None, until: float | None = None
) -> Activity:
    """An activity; the common plain ones ("in a meeting") are shared, not built each time."""
    if text is None and until is None:
        return _PLAIN_ACTIVITIES[kind]
    return Activity(kind, text=text, until=until)


def custom_status(
    text: str | None, emoji: str | None = None, until: float | None = None
) -> Activity | None:
    """A custom-status activity, or None when there is neither text nor emoji."""
    if not text and not emoji:
        return None
    return Activity(ActivityKind.CUSTOM, text=text or None, emoji=emoji or None, until=until)


def unknown_presence(
    identity: IdentityKey,
    observed_at: float,
    source: PresenceSource,
    *,
    note: str | None = None,
    last_active_at: float | None = None,
) -> PlatformPresence:
    """An "unknown" value: no data, or data we could not read."""
    return PlatformPresence(
        identity,
        PresenceState.UNKNOWN,
        observed_at,
        source=source,
        note=note,
        last_active_at=last_active_at,
    )
