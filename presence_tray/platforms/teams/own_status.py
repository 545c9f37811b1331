"""Setting my own Teams status: a preferred presence, and a status message beside it.

Graph's ``setUserPreferredPresence`` takes only six availability/activity pairs
(platform-apis.md §3.4); the tray's choices map onto them:

=====================================  ==========================================
OwnStatus                              Graph
=====================================  ==========================================
do-not-disturb (any state)             DoNotDisturb / DoNotDisturb
busy                                   Busy / Busy
away                                   Away / Away
offline ("appear offline")             Offline / OffWork
online with ``until``                  Available / Available
online without ``until``               ``clearUserPreferredPresence``
=====================================  ==========================================

"Available" with no end clears the preferred presence instead of forcing Available: it is
where a timed do-not-disturb returns to, and Teams then shows what the user is really doing
(Busy in a meeting), as its own "Reset status" does. ``until`` becomes the ISO 8601
``expirationDuration``; without it Graph keeps a preferred presence for a day (Busy, DND) or
a week. Idle and unknown are not states a person can pick in Teams.

``text`` becomes the status message (``setStatusMessage``, expiring with ``until``); a later
status without text clears a message this client set (an empty message clears it in Graph).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.teams.graph import WRITE_PRESENCE_PERMISSION, require_success

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from presence_tray.core.client import OwnStatus
    from presence_tray.core.clock import Clock
    from presence_tray.platforms.http import Endpoint, PlatformHttp
    from presence_tray.platforms.teams.graph import GraphEndpoints

DO_NOT_DISTURB: Final = ("DoNotDisturb", "DoNotDisturb")
PREFERRED_PRESENCE: Final[dict[PresenceState, tuple[str, str]]] = {
    PresenceState.ONLINE: ("Available", "Available"),
    PresenceState.BUSY: ("Busy", "Busy"),
    PresenceState.AWAY: ("Away", "Away"),
    PresenceState.OFFLINE: ("Offline", "OffWork"),
}
"""The Graph availability/activity pair for each state a person can pick (without DND)."""


def preferred_presence(status: OwnStatus) -> tuple[str, str] | None:
    """The pair to set for ``status``; None to clear the preferred presence instead."""
    if status.dnd:
        return DO_NOT_DISTURB
    if status.state is PresenceState.ONLINE and status.until is None:
        return None
    pair = PREFERRED_PRESENCE.get(status.state)
    if pair is None:
        msg = f"'{status.state}' is not a status you can choose."
        raise PermanentError(msg)
    return pair


def iso_duration(seconds: float) -> str:
    """``seconds`` (rounded up to whole seconds) as an ISO 8601 duration: ``PT1H30M``."""
    total = max(1, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (secs, "S"))]
    return "PT" + "".join(part for part in parts if not part.startswith("0"))


class OwnStatusWriter:
    """Sets one account's own status through Graph (see the module's table)."""

    def __init__(
        self,
        http: PlatformHttp,
        endpoints: GraphEndpoints,
        clock: Clock,
        my_id: Callable[[], Awaitable[str]],
    ) -> None:
        """Write with ``http``; ``my_id()`` gives the signed-in user's object id."""
        self._http = http
        self._endpoints = endpoints
        self._clock = clock
        self._my_id = my_id
        self._message_set = False

    async def set(self, status: OwnStatus) -> None:
        """Set the preferred presence, then the status message; raise a core error kind."""
        pair = preferred_presence(status)
        seconds_left = None if status.until is None else status.until - self._clock.now()
        if seconds_left is not None and seconds_left <= 0:
            msg = "the status was to end at a time already past, so nothing was set."
            raise PermanentError(msg)
        presence = f"/users/{await self._my_id()}/presence"
        endpoints = self._endpoints
        if pair is None:
            await self._post(endpoints.clear_preferred_presence, presence, {})
        else:
            body: dict[str, object] = {"availability": pair[0], "activity": pair[1]}
            if seconds_left is not None:
                body["expirationDuration"] = iso_duration(seconds_left)
            await self._post(endpoints.preferred_presence, presence, body)
        text = (status.text or "").strip()
        if text or self._message_set:
            await self._post(endpoints.status_message, presence, self._message(text, status))
            self._message_set = bool(text)

    def _message(self, text: str, status: OwnStatus) -> dict[str, object]:
        message: dict[str, object] = {"message": {"content": text, "contentType": "text"}}
        if text and status.until is not None:
            ends = datetime.fromtimestamp(status.until, UTC).replace(tzinfo=None)
            message["expiryDateTime"] = {
                "dateTime": ends.isoformat(timespec="seconds"),
                "timeZone": "UTC",
            }
        return {"statusMessage": message}

    async def _post(self, endpoint: Endpoint, presence: str, body: dict[str, object]) -> None:
        http = self._http
        action = endpoint.name
        response = await http.request(endpoint, "POST", f"{presence}/{action}", json_body=body)
        require_success(http, endpoint, response, permission=WRITE_PRESENCE_PERMISSION)
