"""My own status: the menu's choices, what each one asks of the platforms, and the last request.

The tray offers a handful of choices ("Busy", "Do not disturb for 1 h" ...); each becomes one
:class:`~presence_tray.core.client.OwnStatus` that the supervisor sends to every account that
can set it. :class:`OwnStatusTracker` remembers what the user last asked for, so the tray badge
and tooltip ("DND until 15:00") show it, and a timed do-not-disturb ends on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from presence_tray.core.client import OwnStatus
from presence_tray.core.listeners import add_listener, tell_each
from presence_tray.core.presence import PresenceState

if TYPE_CHECKING:
    from datetime import tzinfo

    from presence_tray.core.identity import AccountRef

_log = logging.getLogger(__name__)

TOMORROW_STARTS_AT: Final = time(8, 0)
""""Until tomorrow" ends at this local time on the next calendar day."""


class OwnStatusChoice(StrEnum):
    """What the user can pick in the tray's "Set my status" menu and the DND switch."""

    AVAILABLE = "available"
    BUSY = "busy"
    DND_30_MIN = "dnd_30_min"
    DND_1_HOUR = "dnd_1_hour"
    DND_UNTIL_TOMORROW = "dnd_until_tomorrow"
    DND = "dnd"
    """Do not disturb until turned off (the menu's on/off switch)."""
    AWAY = "away"
    APPEAR_OFFLINE = "appear_offline"


CHOICE_WORDS: Final[dict[OwnStatusChoice, str]] = {
    OwnStatusChoice.AVAILABLE: "Available",
    OwnStatusChoice.BUSY: "Busy",
    OwnStatusChoice.DND_30_MIN: "For 30 minutes",
    OwnStatusChoice.DND_1_HOUR: "For 1 hour",
    OwnStatusChoice.DND_UNTIL_TOMORROW: "Until tomorrow",
    OwnStatusChoice.DND: "Do not disturb",
    OwnStatusChoice.AWAY: "Away",
    OwnStatusChoice.APPEAR_OFFLINE: "Appear offline",
}
"""The menu's words for each choice (the DND durations sit under a "Do not disturb" menu)."""

_PLAIN_STATES: Final = {
    OwnStatusChoice.AVAILABLE: PresenceState.ONLINE,
    OwnStatusChoice.BUSY: PresenceState.BUSY,
    OwnStatusChoice.AWAY: PresenceState.AWAY,
    OwnStatusChoice.APPEAR_OFFLINE: PresenceState.OFFLINE,
}
_DND_SECONDS: Final = {
    OwnStatusChoice.DND_30_MIN: 30 * 60.0,
    OwnStatusChoice.DND_1_HOUR: 60 * 60.0,
}

AVAILABLE: Final = OwnStatus(PresenceState.ONLINE)
"""Where a timed do-not-disturb returns to."""


def tomorrow_morning(now: float, zone: tzinfo | None = None) -> float:
    """08:00 local time on the calendar day after ``now``, as seconds since the epoch.

    Computed on the wall clock, so a daylight-saving change overnight moves it by the hour
    the clocks moved, never to 07:00 or 09:00. ``zone`` None means the system's local zone.
    """
    if zone is None:
        # Naive local datetimes: ``timestamp()`` applies the local rules of that date.
        local_day = datetime.fromtimestamp(now).date()  # noqa: DTZ006 - deliberately local
        return datetime.combine(local_day + timedelta(days=1), TOMORROW_STARTS_AT).timestamp()
    local_day = datetime.fromtimestamp(now, zone).date()
    return datetime.combine(local_day + timedelta(days=1), TOMORROW_STARTS_AT, zone).timestamp()


def own_status_for(choice: OwnStatusChoice, now: float, zone: tzinfo | None = None) -> OwnStatus:
    """The status to send for ``choice`` made at ``now`` (``zone``: for "until tomorrow")."""
    if choice in _PLAIN_STATES:
        return OwnStatus(_PLAIN_STATES[choice])
    if choice is OwnStatusChoice.DND:
        return OwnStatus(PresenceState.BUSY, dnd=True)
    if choice is OwnStatusChoice.DND_UNTIL_TOMORROW:
        return OwnStatus(PresenceState.BUSY, dnd=True, until=tomorrow_morning(now, zone))
    return OwnStatus(PresenceState.BUSY, dnd=True, until=now + _DND_SECONDS[choice])


class OwnStatusOutcome(StrEnum):
    """What became of a requested status on one account."""

    SET = "set"
    UNSUPPORTED = "unsupported"
    """The platform does not let apps set a status (Discord, WhatsApp, LinkedIn)."""
    NOT_CONNECTED = "not_connected"
    """The account is parked (needs reconnecting, failed) or stopped."""
    FAILED = "failed"
    """The platform refused, failed or did not answer in time."""


@dataclass(frozen=True, slots=True)
class OwnStatusResult:
    """One account's outcome, with a sentence that names its platform."""

    account: AccountRef
    outcome: OwnStatusOutcome
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether the status was set on this account."""
        return self.outcome is OwnStatusOutcome.SET

    @property
    def problem(self) -> bool:
        """Whether the user should hear about this account (it could have, but did not)."""
        return self.outcome in (OwnStatusOutcome.NOT_CONNECTED, OwnStatusOutcome.FAILED)


OwnStatusListener = Callable[[OwnStatus | None], None]


class OwnStatusTracker:
    """The status the user last asked for, and when a timed do-not-disturb ends."""

    def __init__(self) -> None:
        """Start with no status known (the tray shows a neutral badge)."""
        self._requested: OwnStatus | None = None
        self._listeners: list[OwnStatusListener] = []

    @property
    def requested(self) -> OwnStatus | None:
        """The last status asked for, as asked (its ``until`` may be past)."""
        return self._requested

    def current(self, now: float) -> OwnStatus | None:
        """My status at ``now``: the request, or Available once a timed DND has ended."""
        status = self._requested
        if status is not None and status.until is not None and now >= status.until:
            return AVAILABLE
        return status

    def expires_at(self, now: float) -> float | None:
        """When the current status ends by itself, if it does and has not yet."""
        status = self._requested
        if status is None or status.until is None or now >= status.until:
            return None
        return status.until

    def record(self, status: OwnStatus) -> None:
        """Remember ``status`` as the user's choice and tell the listeners."""
        self._requested = status
        tell_each(self._listeners, status, log=_log, what="an own-status listener")

    def subscribe(self, listener: OwnStatusListener) -> Callable[[], None]:
        """Call ``listener`` with every recorded status; returns a function that unsubscribes."""
        return add_listener(self._listeners, listener)
