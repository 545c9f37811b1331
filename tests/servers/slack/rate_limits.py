"""Slack's per-method rate-limit tiers, enforced over a sliding minute of an injected clock.

Tiers of the reference (platform-apis.md §2.5): users.getPresence T3, users.setPresence T2,
users.profile.get T4, dnd.info T3, dnd.teamInfo T2, dnd.endDnd T2, apps.connections.open T3.
The others follow Slack's method pages: users.list T2, users.profile.set T3, dnd.setSnooze and
dnd.endSnooze T2; auth.test is "Special" there and is treated as T4 here. Slack allows bursts
above these numbers ("20+/min"); the fake holds each method to exactly its tier's number, the
strictest reading, so a client that stays within it is safe against the real service.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

WINDOW_SECONDS = 60.0
TIER_CALLS_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "auth.test": 4,
    "users.list": 2,
    "users.getPresence": 3,
    "users.setPresence": 2,
    "users.profile.get": 4,
    "users.profile.set": 3,
    "dnd.info": 3,
    "dnd.teamInfo": 2,
    "dnd.setSnooze": 2,
    "dnd.endSnooze": 2,
    "dnd.endDnd": 2,
    "apps.connections.open": 3,
}


class RateLimiter:
    """Counts the accepted calls of each method over the last minute of ``clock``."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._accepted: defaultdict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, method: str) -> int | None:
        """Record a call of ``method``; ``None`` if it may go ahead, else whole seconds to wait.

        A refused call is not counted, as with Slack: waiting ``Retry-After`` is enough.
        """
        now = self._clock()
        accepted = self._accepted[method]
        while accepted and accepted[0] <= now - WINDOW_SECONDS:
            accepted.popleft()
        limit = TIER_CALLS_PER_MINUTE[METHOD_TIERS.get(method, 4)]
        if len(accepted) >= limit:
            return max(1, math.ceil(accepted[0] + WINDOW_SECONDS - now))
        accepted.append(now)
        return None
