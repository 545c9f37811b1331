"""The presence vocabulary shared by every layer.

One platform's view of one identity is a :class:`PlatformPresence`; the hub folds those into
one :class:`~presence_tray.core.aggregation.AggregatedPresence` per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey


class PresenceState(StrEnum):
    """Normalised availability. ``UNKNOWN`` means "cannot tell" and is never shown as offline."""

    ONLINE = "online"
    IDLE = "idle"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


AVAILABILITY_RANK: dict[PresenceState, int] = {
    PresenceState.ONLINE: 5,
    PresenceState.IDLE: 4,
    PresenceState.BUSY: 3,
    PresenceState.AWAY: 2,
    PresenceState.OFFLINE: 1,
    PresenceState.UNKNOWN: 0,
}
"""Most available first: online > idle > busy > away > offline; unknown below everything."""

REACHABLE_STATES = frozenset({PresenceState.ONLINE, PresenceState.IDLE})
"""States in which a person can be reached now (busy and DND are deliberately excluded)."""


class ActivityKind(StrEnum):
    """What someone is doing, apart from how available they are."""

    IN_A_MEETING = "in_a_meeting"
    IN_A_CALL = "in_a_call"
    PRESENTING = "presenting"
    IN_CALENDAR_EVENT = "in_calendar_event"
    OUT_OF_OFFICE = "out_of_office"
    OFF_WORK = "off_work"
    CUSTOM = "custom"


class PresenceSource(StrEnum):
    """How a value reached us, which decides how long it stays fresh."""

    PUSH = "push"
    """Pushed over a live connection: fresh while the connection is live."""
    POLL = "poll"
    """Read by polling: fresh for the platform's time-to-live."""
    LAST_INTERACTION = "last_interaction"
    """Inferred from the last message, never a presence (WhatsApp)."""
    CACHE = "cache"
    """Loaded from the local cache at start-up: stale until confirmed."""
    NONE = "none"
    """The platform shares nothing; the value says so."""


@dataclass(frozen=True, slots=True)
class Activity:
    """Detail beside the state: a meeting, a call, a custom status, and until when."""

    kind: ActivityKind
    text: str | None = None
    emoji: str | None = None
    until: float | None = None
    """Seconds since the epoch when the activity ends, where the platform says."""


class DevicePresence(NamedTuple):
    """One device's own state where a platform tells them apart (Discord ``client_status``).

    Detail only: the platform's own aggregate is :attr:`PlatformPresence.state`, and the
    devices are never re-aggregated by the hub.
    """

    device: str
    """The platform's name for the device, e.g. "desktop", "mobile", "web"."""
    state: PresenceState
    dnd: bool = False


class PlatformPresence(NamedTuple):
    """One identity's status as one platform reported it.

    Immutable like the frozen dataclasses elsewhere in core, but a named tuple: the hub
    handles a hundred thousand of these a second, and a frozen dataclass takes three times
    as long to build. For the same reason times are seconds since the epoch, not datetimes.
    """

    identity: IdentityKey
    state: PresenceState
    observed_at: float
    source: PresenceSource = PresenceSource.POLL
    dnd: bool = False
    """Do-not-disturb is on. Implies ``state`` busy; "busy" alone is a weaker promise."""
    activity: Activity | None = None
    last_active_at: float | None = None
    """When the person was last active there (Matrix ``last_active_ago``, a WhatsApp message)."""
    note: str | None = None
    """A platform's own limit, said plainly ("WhatsApp does not share presence")."""
    devices: tuple[DevicePresence, ...] = ()
    """Per-device states where the platform shares them (detail; empty when it does not).
    Not kept in the cache: a device list is only true while the connection is live."""
