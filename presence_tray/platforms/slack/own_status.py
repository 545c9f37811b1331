"""Setting my own Slack status from the tray's choice.

Slack has three separate switches, and "Set my status" sets all three each time:

- presence: ``users.setPresence`` ``auto`` (available, busy) or ``away``;
- do not disturb: ``dnd.setSnooze`` for the minutes until ``until`` (rounded up), or
  :data:`DEFAULT_SNOOZE_MINUTES` without an end; any other choice ends a running snooze
  (``dnd.endSnooze``; "no snooze running" is fine);
- the custom status: ``users.profile.set`` with the chosen text (busy without text says
  :data:`BUSY_STATUS_TEXT`) expiring at ``until``; no text clears it, so the tray's status
  replaces whatever status was set in Slack.

Slack cannot make anyone appear offline: that choice is refused with a sentence saying so,
rather than quietly setting away.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.slack.web_api import SlackRefusalError

if TYPE_CHECKING:
    from presence_tray.core.client import OwnStatus
    from presence_tray.platforms.slack.web_api import SlackWebApi

DEFAULT_SNOOZE_MINUTES: Final = 24 * 60
"""Do not disturb without an end lasts a day: Slack has no endless snooze through its API,
and choosing "Available" ends it at any time."""
STATUS_TEXT_MAX_CHARS: Final = 100
"""Slack's limit on ``status_text``; a longer text is cut rather than refused."""
BUSY_STATUS_TEXT: Final = "Busy"
BUSY_STATUS_EMOJI: Final = ":no_entry:"
APPEAR_OFFLINE_REFUSED: Final = (
    "Slack cannot make you appear offline; choose Away to look unavailable there."
)
_SLACK_PRESENCE: Final = {
    PresenceState.ONLINE: "auto",
    PresenceState.BUSY: "auto",
    PresenceState.IDLE: "away",
    PresenceState.AWAY: "away",
}


async def set_slack_status(api: SlackWebApi, status: OwnStatus, *, now: float) -> None:
    """Set presence, do-not-disturb and custom status on Slack as ``status`` asks."""
    presence = _SLACK_PRESENCE.get(status.state)
    if presence is None:
        raise PermanentError(
            APPEAR_OFFLINE_REFUSED
            if status.state is PresenceState.OFFLINE
            else f"Slack has no status that means {status.state}."
        )
    await api.write("users.setPresence", presence=presence)
    if status.dnd:
        await api.write("dnd.setSnooze", num_minutes=str(snooze_minutes(status.until, now)))
    else:
        await _end_snooze(api)
    await api.write("users.profile.set", profile=json.dumps(_profile(status)))


def snooze_minutes(until: float | None, now: float) -> int:
    """Whole minutes from ``now`` to ``until``, rounded up (at least one)."""
    if until is None:
        return DEFAULT_SNOOZE_MINUTES
    return max(1, math.ceil((until - now) / 60))


async def _end_snooze(api: SlackWebApi) -> None:
    try:
        await api.write("dnd.endSnooze")
    except SlackRefusalError as err:
        if err.code != "snooze_not_active":
            raise


def _profile(status: OwnStatus) -> dict[str, object]:
    """The custom status part of ``users.profile.set``'s ``profile``."""
    text = (status.text or "").strip()[:STATUS_TEXT_MAX_CHARS]
    emoji = ""
    if status.state is PresenceState.BUSY and not status.dnd and not text:
        text, emoji = BUSY_STATUS_TEXT, BUSY_STATUS_EMOJI
    expiration = math.ceil(status.until) if text and status.until is not None else 0
    return {"status_text": text, "status_emoji": emoji, "status_expiration": expiration}
