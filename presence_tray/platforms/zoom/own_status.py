"""Setting my own Zoom status: the ``PUT /users/me/presence_status`` body, and its refusals.

Zoom takes Available, Away, Busy and Do_Not_Disturb among others (platform-apis.md §4.4);
``duration`` (minutes, 1 to 1,440) goes with do-not-disturb only. So:

- available → ``Available``; away (and idle) → ``Away``; busy → ``Busy``;
- do not disturb → ``Do_Not_Disturb`` for the minutes until ``until`` (rounded up, at least
  1, at most 1,440). Without an end, Zoom's own default would end it after 20 minutes; the
  client asks for the longest Zoom allows instead, a day, the nearest to "until I turn it off";
- appear offline → not possible: Zoom shows you offline only when no Zoom app is signed in.

A status text has no place in this call and is not sent. Zoom changes the status only while the
user is signed in to a Zoom app, and at most once a minute.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.wire import clip_text, get_int, get_str

if TYPE_CHECKING:
    import httpx

    from presence_tray.core.client import OwnStatus

DND_STATUS: Final = "Do_Not_Disturb"
MIN_DND_MINUTES: Final = 1
MAX_DND_MINUTES: Final = 1440
UPDATE_INTERVAL_SECONDS: Final = 60.0
"""Zoom takes at most one status change a minute from a user (§4.4)."""
NOT_SIGNED_IN_CODE: Final = 5411
"""The 400 code Zoom gives when the user has no Zoom app signed in (its other 400 for this
call is 5301; Zoom does not document which is which, so the message is read as well)."""

CANNOT_APPEAR_OFFLINE: Final = (
    "Zoom cannot show you as offline while you are signed in to a Zoom app; "
    "quit Zoom or sign out of it to appear offline."
)
NOT_SIGNED_IN: Final = (
    "Zoom changes your status only while you are signed in to a Zoom app; "
    "open Zoom, sign in and try again."
)

_PLAIN: Final = {
    PresenceState.ONLINE: "Available",
    PresenceState.IDLE: "Away",
    PresenceState.AWAY: "Away",
    PresenceState.BUSY: "Busy",
}


def update_body(status: OwnStatus, now: float) -> dict[str, object]:
    """The JSON body that asks Zoom for ``status`` at ``now``; PermanentError if it cannot."""
    if status.state is PresenceState.OFFLINE:
        raise PermanentError(CANNOT_APPEAR_OFFLINE)
    if status.dnd:
        return {"status": DND_STATUS, "duration": dnd_minutes(status.until, now)}
    word = _PLAIN.get(status.state)
    if word is None:
        msg = f"Zoom has no status for {status.state.value!r}."
        raise PermanentError(msg)
    return {"status": word}


def dnd_minutes(until: float | None, now: float) -> int:
    """Minutes of do-not-disturb from ``now`` to ``until`` (a day when it has no end)."""
    if until is None:
        return MAX_DND_MINUTES
    minutes = math.ceil((until - now) / 60.0)
    return min(MAX_DND_MINUTES, max(MIN_DND_MINUTES, minutes))


def refusal(response: httpx.Response, body: object, word: object) -> PermanentError:
    """Why Zoom did not take the status ``word``, from its answer (a 4xx other than 401/429)."""
    code = get_int(body, "code")
    message = clip_text(get_str(body, "message")) or ""
    if code == NOT_SIGNED_IN_CODE or any(
        phrase in message.casefold() for phrase in ("not signed in", "not logged in")
    ):
        return PermanentError(NOT_SIGNED_IN)
    reason = message.rstrip(".") or "no reason given"
    return PermanentError(
        f"Zoom did not accept the status {word}: {reason} (HTTP {response.status_code}, "
        f"code {code})."
    )
