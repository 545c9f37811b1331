"""Microsoft Graph ``presence`` resources (``GET /users/{id}/presence``, bulk ``value[]``).

``availability`` gives the state and ``activity`` the detail (platform-apis.md §3.3); both
are matched case-insensitively, so the newer camelCase spellings (``inAMeeting``) read the
same as the documented PascalCase ones. Undocumented words (``focusing``) are reported once:
an unknown availability makes the value unknown, an unknown activity is left out.

Decisions: ``BusyIdle`` stays busy (the vocabulary has no "idle" flag beside a state);
``PresenceUnknown`` is unknown without a warning, since Graph documents it; the status message
becomes the activity's text (a custom status when there is no activity); out of office (the
activity, or ``outOfOfficeSettings.isOutOfOffice``) wins over any other activity, as the purple
badge does in Teams.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, NotRequired, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import (
    ActivityKind,
    PlatformPresence,
    PresenceSource,
)
from presence_tray.platforms.vocabulary import (
    AWAY,
    BUSY,
    DO_NOT_DISTURB,
    IDLE,
    OFFLINE,
    ONLINE,
    UNKNOWN,
    Meaning,
    activity_of,
    custom_status,
    unknown_presence,
)
from presence_tray.platforms.wire import DEFAULT_UNKNOWN_LOG, UnknownValueLog, WireReader, clip_text

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey

# -- wire shapes (resources/presence.md) -------------------------------------------------------


class GraphItemBody(TypedDict):
    """A message body; ``contentType`` is ``text`` or ``html``."""

    content: str
    contentType: str


class GraphStatusMessage(TypedDict):
    """The status message a person set (``expiryDateTime`` is not returned for others)."""

    message: GraphItemBody
    publishedDateTime: NotRequired[str]
    expiryDateTime: NotRequired[dict[str, str]]


class GraphOutOfOfficeSettings(TypedDict):
    """Automatic replies: whether they are on now."""

    message: NotRequired[str | None]
    isOutOfOffice: bool


class GraphPresence(TypedDict):
    """One user's presence."""

    id: str
    availability: str
    activity: str
    statusMessage: NotRequired[GraphStatusMessage | None]
    outOfOfficeSettings: NotRequired[GraphOutOfOfficeSettings | None]
    sequenceNumber: NotRequired[str]


AVAILABILITIES: dict[str, Meaning] = {
    "available": ONLINE,
    "availableidle": IDLE,
    "away": AWAY,
    "berightback": AWAY,
    "busy": BUSY,
    "busyidle": BUSY,
    "donotdisturb": DO_NOT_DISTURB,
    "offline": OFFLINE,
    "presenceunknown": UNKNOWN,
}
"""``availability`` (case-folded) → meaning."""

ACTIVITIES: dict[str, ActivityKind | None] = {
    "available": None,
    "away": None,
    "berightback": None,
    "busy": None,
    "donotdisturb": None,
    "inacall": ActivityKind.IN_A_CALL,
    "inaconferencecall": ActivityKind.IN_A_CALL,
    "inactive": None,
    "inameeting": ActivityKind.IN_A_MEETING,
    "offline": None,
    "offwork": ActivityKind.OFF_WORK,
    "outofoffice": ActivityKind.OUT_OF_OFFICE,
    "presenceunknown": None,
    "presenting": ActivityKind.PRESENTING,
    # A flavour of do-not-disturb, which the availability already says.
    "urgentinterruptionsonly": None,
}
"""``activity`` (case-folded) → activity kind; None where the word only repeats the state."""

_TAG = re.compile(r"<[^>]*>")


def normalise_graph_presence(
    identity: IdentityKey,
    payload: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """One Graph presence resource as a core value; unknown (reported once) if unreadable."""
    read = WireReader(Platform.TEAMS, unknown)
    meaning = read.choice(AVAILABILITIES, payload, "availability")
    if meaning is None:
        return unknown_presence(identity, observed_at, PresenceSource.POLL)
    kind = read.choice(ACTIVITIES, payload, "activity", required=False)
    if read.flag(payload, "outOfOfficeSettings", "isOutOfOffice"):
        kind = ActivityKind.OUT_OF_OFFICE
    text = _status_message(read, payload)
    activity = custom_status(text) if kind is None else activity_of(kind, text=text)
    return PlatformPresence(
        identity,
        meaning.state,
        observed_at,
        source=PresenceSource.POLL,
        dnd=meaning.dnd,
        activity=activity,
    )


def _status_message(read: WireReader, payload: object) -> str | None:
    content = read.text(payload, "statusMessage", "message", "content")
    if content is not None and (
        (read.text(payload, "statusMessage", "message", "contentType") or "").casefold() == "html"
    ):
        content = html.unescape(_TAG.sub("", content))
    return clip_text(content)
