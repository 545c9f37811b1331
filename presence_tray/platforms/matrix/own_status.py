"""Setting my own Matrix presence: the ``PUT /presence/{me}/status`` body.

Matrix has three presences, ``online``, ``unavailable`` and ``offline``, and a free
``status_msg`` (platform-apis.md §7.4). It has no busy and no do-not-disturb (``busy`` is an
unstable proposal, MSC3026, that servers refuse unless they opted in), so:

- available → ``online``; idle and away → ``unavailable``; appear offline → ``offline``;
- busy and do not disturb → ``unavailable``, with "Busy" or "Do not disturb" as the status
  message when the user wrote none, so the people who see it know why.

A message the user wrote is sent as it is (clipped); no message clears the previous one. The
same word is what the client's ``/sync`` loop sends as ``set_presence``, so syncing keeps the
chosen presence instead of turning it back to online.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.wire import clip_text

if TYPE_CHECKING:
    from presence_tray.core.client import OwnStatus

ONLINE: Final = "online"
UNAVAILABLE: Final = "unavailable"
OFFLINE: Final = "offline"
BUSY_TEXT: Final = "Busy"
DND_TEXT: Final = "Do not disturb"

_WORDS: Final = {
    PresenceState.ONLINE: ONLINE,
    PresenceState.IDLE: UNAVAILABLE,
    PresenceState.AWAY: UNAVAILABLE,
    PresenceState.BUSY: UNAVAILABLE,
    PresenceState.OFFLINE: OFFLINE,
}


def presence_body(status: OwnStatus) -> dict[str, str]:
    """The JSON body asking Matrix for ``status``; PermanentError if it has no such presence."""
    default_text: str | None
    if status.dnd:
        word, default_text = UNAVAILABLE, DND_TEXT
    else:
        found = _WORDS.get(status.state)
        if found is None:
            msg = f"Matrix has no presence for {status.state.value!r}."
            raise PermanentError(msg)
        word = found
        default_text = BUSY_TEXT if status.state is PresenceState.BUSY else None
    body = {"presence": word}
    text = clip_text((status.text or "").strip()) or default_text
    if text:
        body["status_msg"] = text
    return body


__all__ = ["OFFLINE", "ONLINE", "UNAVAILABLE", "presence_body"]
