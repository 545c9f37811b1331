"""Matrix ``m.presence`` content (from ``/sync``) and ``GET /presence/{userId}/status``.

``online`` turns idle when the client is not ``currently_active`` and the user has not been
active for :data:`IDLE_AFTER_MS` (servers mark people ``unavailable`` after a similar wait).

``busy`` (MSC3026, unstable) is busy *without* DND: the proposal means "I may not answer",
not "hold my notifications", and Matrix has no do-not-disturb presence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.platforms.vocabulary import (
    BUSY,
    IDLE,
    OFFLINE,
    ONLINE,
    Meaning,
    custom_status,
    unknown_presence,
)
from presence_tray.platforms.wire import (
    DEFAULT_UNKNOWN_LOG,
    UnknownValueLog,
    WireReader,
    clip_text,
    get_str,
    get_value,
)

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey

# -- wire shapes (matrix-spec data/api/client-server/presence.yaml, m.presence.yaml) ---------


class MatrixPresence(TypedDict):
    """``m.presence`` content, or the body of ``GET /presence/{userId}/status``."""

    presence: str
    last_active_ago: NotRequired[int]
    currently_active: NotRequired[bool]
    status_msg: NotRequired[str | None]
    avatar_url: NotRequired[str]
    displayname: NotRequired[str]


class MatrixPresenceEvent(TypedDict):
    """An ``m.presence`` event from ``/sync``'s ``presence.events``."""

    type: str
    sender: str
    content: MatrixPresence


PRESENCE_EVENT_TYPE = "m.presence"

IDLE_AFTER_MS = 5 * 60 * 1000
"""How long without activity turns a not-currently-active ``online`` into idle."""

PRESENCES: dict[str, Meaning] = {
    "online": ONLINE,
    "unavailable": IDLE,
    "offline": OFFLINE,
    "busy": BUSY,
}
"""Matrix ``presence`` (case-folded) → meaning."""


def normalise_matrix_presence(
    identity: IdentityKey,
    payload: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """``m.presence`` content (or a whole event) as a core value; unknown if unreadable."""
    read = WireReader(Platform.MATRIX, unknown)
    if get_str(payload, "type") == PRESENCE_EVENT_TYPE:
        payload = get_value(payload, "content")
    meaning = read.choice(PRESENCES, payload, "presence")
    last_active_ago = read.number(payload, "last_active_ago")
    last_active_at = None
    if last_active_ago is not None and last_active_ago >= 0:
        last_active_at = observed_at - last_active_ago / 1000
    if meaning is None:
        return unknown_presence(
            identity, observed_at, PresenceSource.PUSH, last_active_at=last_active_at
        )
    state = meaning.state
    if (
        state is PresenceState.ONLINE
        and read.flag(payload, "currently_active") is not True
        and last_active_ago is not None
        and last_active_ago >= IDLE_AFTER_MS
    ):
        state = PresenceState.IDLE
    return PlatformPresence(
        identity,
        state,
        observed_at,
        source=PresenceSource.PUSH,
        activity=custom_status(clip_text(read.text(payload, "status_msg"))),
        last_active_at=last_active_at,
    )
