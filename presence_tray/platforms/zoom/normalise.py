"""Zoom presence status strings, from every endpoint that returns one.

Zoom has no separate activity field: the status word carries it (platform-apis.md §4.3).
The endpoints disagree on spellings (``In_A_Zoom_Meeting`` vs ``In_A_Meeting``, ``On_A_Call``
vs ``In_A_Call``, and an old ``Do_No_Disturb`` typo); all are accepted, case-insensitively.
Every busy word is busy, but only do-not-disturb sets the DND flag: a meeting is not a promise
to hold notifications.

``end_time`` (sent with do-not-disturb) becomes the activity's ``until``. Do-not-disturb has
no activity kind of its own, so a timed DND carries a custom activity with no text, only the
end time: the UI shows "Do not disturb" from the state and "until" from the activity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PlatformPresence, PresenceSource
from presence_tray.platforms.vocabulary import (
    AWAY,
    BUSY,
    DO_NOT_DISTURB,
    OFFLINE,
    ONLINE,
    Meaning,
    activity_of,
    unknown_presence,
)
from presence_tray.platforms.wire import DEFAULT_UNKNOWN_LOG, UnknownValueLog, WireReader, get_value

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey

# -- wire shapes (zoom/rivet-javascript users.d.ts, teamchat.d.ts) ------------------------------


class ZoomPresenceStatus(TypedDict):
    """``GET /users/{userId}/presence_status``."""

    status: str
    end_time: NotRequired[str]
    remaining_time: NotRequired[int]


class ZoomContactPresence(TypedDict):
    """The presence part of a Team Chat contact (``query_presence_status=true``)."""

    id: str
    presence_status: str


_MEETING = Meaning(BUSY.state, activity=ActivityKind.IN_A_MEETING)
_CALL = Meaning(BUSY.state, activity=ActivityKind.IN_A_CALL)
_CALENDAR = Meaning(BUSY.state, activity=ActivityKind.IN_CALENDAR_EVENT)

STATUSES: dict[str, Meaning] = {
    "available": ONLINE,
    "away": AWAY,
    "do_not_disturb": DO_NOT_DISTURB,
    "do_no_disturb": DO_NOT_DISTURB,
    "busy": BUSY,
    "in_a_zoom_meeting": _MEETING,
    "in_a_meeting": _MEETING,
    "on_a_call": _CALL,
    "in_a_call": _CALL,
    "presenting": Meaning(BUSY.state, activity=ActivityKind.PRESENTING),
    "in_calendar_event": _CALENDAR,
    "in_a_calendar_event": _CALENDAR,
    "out_of_office": Meaning(AWAY.state, activity=ActivityKind.OUT_OF_OFFICE),
    "offline": OFFLINE,
}
"""Zoom status (case-folded) → meaning."""


def normalise_zoom_presence(
    identity: IdentityKey,
    payload: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """A Zoom presence (``status``, or a contact's ``presence_status``) as a core value.

    Unknown, reported once, when unreadable.
    """
    read = WireReader(Platform.ZOOM, unknown)
    field = "status" if get_value(payload, "status") is not None else "presence_status"
    meaning = read.choice(STATUSES, payload, field)
    if meaning is None:
        return unknown_presence(identity, observed_at, PresenceSource.POLL)
    until = read.timestamp(payload, "end_time")
    activity = None
    if meaning.activity is not None:
        activity = activity_of(meaning.activity, until=until)
    elif until is not None and meaning.dnd:
        activity = Activity(ActivityKind.CUSTOM, until=until)
    return PlatformPresence(
        identity,
        meaning.state,
        observed_at,
        source=PresenceSource.POLL,
        dnd=meaning.dnd,
        activity=activity,
    )
