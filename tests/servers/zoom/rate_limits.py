"""Zoom's per-account rate limits by label, over a sliding second of an injected clock.

Zoom limits requests per account, shared by every app, by plan and by the label each API has
(platform-apis.md §4.5). The fake defaults to the Pro plan: Light 30 and Medium 20 requests a
second, Heavy 10; give it other numbers to test a stricter plan. Refused requests do not count,
so waiting ``Retry-After`` is enough.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

WINDOW_SECONDS = 1.0


class Label(StrEnum):
    """A Zoom API's rate-limit label."""

    LIGHT = "Light"
    MEDIUM = "Medium"
    HEAVY = "Heavy"


PRO_PLAN: Mapping[Label, int] = {Label.LIGHT: 30, Label.MEDIUM: 20, Label.HEAVY: 10}
"""Requests per second per label on the Pro plan."""


class LabelLimiter:
    """Counts each label's accepted requests over the last second of ``clock``."""

    def __init__(self, clock: Callable[[], float], per_second: Mapping[Label, int]) -> None:
        self._clock = clock
        self.per_second = dict(per_second)
        self._accepted: defaultdict[Label, deque[float]] = defaultdict(deque)

    def retry_after(self, label: Label) -> int | None:
        """Record a request of ``label``: None if it may go, else whole seconds to wait."""
        now = self._clock()
        accepted = self._accepted[label]
        while accepted and accepted[0] <= now - WINDOW_SECONDS:
            accepted.popleft()
        if len(accepted) >= self.per_second[label]:
            return max(1, math.ceil(accepted[0] + WINDOW_SECONDS - now))
        accepted.append(now)
        return None
