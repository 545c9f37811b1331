"""Polling within a platform's rate limits: who to ask about next, and when a call may go.

Slack, Teams and Zoom push nothing a desktop app can receive, so their clients ask. Three
small pieces, all on the injected :class:`~presence_tray.core.clock.Clock` (so a benchmark can
run a day in minutes):

- :class:`CallBudget` holds one endpoint (or one group of endpoints that share a limit) to
  its documented rate, minus some headroom, over a sliding window, and stops all calls for as
  long as a ``Retry-After`` asked.
- :class:`PollRota` decides whose presence to ask for next: people who matter most (favourites,
  people shown in the contacts window) as soon as they are due, everyone else in turn, least
  recently asked first. Nobody is asked more often than the polling interval.
- :func:`poll_until_cancelled` runs a client's fetch over the rota for ever: it waits when
  nothing is due, honours ``Retry-After``, backs off with jitter on passing failures and tells
  the account's sink whether it is live or degraded. Sign-in and permanent failures go up to
  the supervisor, which parks the account.
"""

from __future__ import annotations

import logging
import math
import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import RateLimitedError, TransientError
from presence_tray.core.supervisor import Backoff

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Sequence

    from presence_tray.core.client import PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import IdentityKey

_log = logging.getLogger(__name__)

DEFAULT_HEADROOM = 0.9
"""The share of a documented limit the poller spends; the rest covers clock skew between us and
the server, and the calls the user makes (setting their status) beside the polling."""
MAX_FAILED_POLLS = 8
"""Passing failures in a row after which the poll loop gives up and the supervisor restarts
the client (with its own, longer back-off)."""
POLL_BACKOFF = Backoff(base_seconds=2.0, cap_seconds=120.0)
"""Back-off between failed polls: 1-2 s, 2-4 s, ... up to 1-2 minutes."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A documented limit: at most ``calls`` calls in any ``per_seconds`` seconds."""

    calls: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.calls < 1 or self.per_seconds <= 0:
            msg = f"a rate limit needs at least one call over a positive time, not {self}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class BudgetUsage:
    """A read-only snapshot of one :class:`CallBudget`: calls spent and left (statistics)."""

    name: str
    limit_calls: int
    """The documented limit: this many calls ..."""
    per_seconds: float
    """... in any window this long."""
    calls_per_window: int
    """What the budget spends at most per window (the limit less the headroom)."""
    spent_in_window: int
    left_in_window: int
    calls_total: int
    times_held: int
    """How often the platform asked us to slow down."""
    held_for_seconds: float
    """How much longer a ``Retry-After`` stops every call (0 when none does)."""


class CallBudget:
    """Calls left on one limit, over a sliding window of the clock.

    Spends at most ``headroom`` of the documented limit (never less than one call per
    window). A ``Retry-After`` from the platform (:meth:`hold_off`) stops every call on this
    budget until it has passed, whatever the window says.
    """

    def __init__(
        self,
        limit: RateLimit,
        clock: Clock,
        *,
        headroom: float = DEFAULT_HEADROOM,
        name: str = "",
    ) -> None:
        """A budget for ``limit`` on ``clock``; ``name`` says which limit (statistics)."""
        if not 0 < headroom <= 1:
            msg = f"headroom is a share of the limit, between 0 and 1, not {headroom}"
            raise ValueError(msg)
        self.limit = limit
        self.name = name
        self._clock = clock
        self._allowed = max(1, math.floor(limit.calls * headroom))
        self._recent: deque[float] = deque()
        self._held_until = -math.inf
        self.calls_made = 0
        """Calls spent since the budget was made (for statistics and the benchmark)."""
        self.times_held = 0
        """How often the platform asked us to slow down (a 429 with ``Retry-After``)."""

    @property
    def calls_per_window(self) -> int:
        """Calls this budget spends at most per window of the limit."""
        return self._allowed

    def wait_time(self) -> float:
        """Seconds until the next call may go (0 when it may go now)."""
        now = self._clock.now()
        self._forget_before(now - self.limit.per_seconds)
        wait = self._held_until - now
        if len(self._recent) >= self._allowed:
            wait = max(wait, self._recent[0] + self.limit.per_seconds - now)
        return max(0.0, wait)

    async def wait_until_free(self) -> None:
        """Wait until a call may go, without spending it."""
        while (wait := self.wait_time()) > 0:
            await self._clock.sleep(wait)

    async def acquire(self) -> None:
        """Wait until a call may go, then count it as spent."""
        await self.wait_until_free()
        self._recent.append(self._clock.now())
        self.calls_made += 1

    def usage(self) -> BudgetUsage:
        """Calls spent and left now."""
        now = self._clock.now()
        self._forget_before(now - self.limit.per_seconds)
        spent = len(self._recent)
        return BudgetUsage(
            name=self.name,
            limit_calls=self.limit.calls,
            per_seconds=self.limit.per_seconds,
            calls_per_window=self._allowed,
            spent_in_window=spent,
            left_in_window=max(0, self._allowed - spent),
            calls_total=self.calls_made,
            times_held=self.times_held,
            held_for_seconds=max(0.0, self._held_until - now),
        )

    def hold_off(self, seconds: float) -> None:
        """The platform asked for no calls for ``seconds``: hold every call until then."""
        self.times_held += 1
        self._held_until = max(self._held_until, self._clock.now() + max(0.0, seconds))

    def _forget_before(self, moment: float) -> None:
        recent = self._recent
        while recent and recent[0] <= moment:
            recent.popleft()


class PollRota:
    """Whose presence one account asks for next.

    Every member is due ``interval`` seconds after it was last asked about. Of the due
    members, priority ones (``is_priority``: favourites, people in view) go first, then the
    rest, least recently asked first, so with too small a budget everyone still gets a turn
    and favourites stay freshest.
    """

    def __init__(self, interval: float, is_priority: Callable[[IdentityKey], bool]) -> None:
        """A rota asking about each member at most every ``interval`` seconds."""
        self.interval = interval
        self._is_priority = is_priority
        self._last_asked: dict[IdentityKey, float] = {}

    def __len__(self) -> int:
        return len(self._last_asked)

    def set_interval(self, interval: float) -> None:
        """Change how often a member may be asked about (the polling interval setting)."""
        self.interval = interval

    def replace_members(self, keys: Iterable[IdentityKey]) -> None:
        """Make ``keys`` the members (a fresh contact list); known ones keep their turn."""
        previous = self._last_asked
        self._last_asked = {key: previous.get(key, -math.inf) for key in keys}

    def due(self, now: float, limit: int) -> list[IdentityKey]:
        """Up to ``limit`` members due at ``now``: priority ones first, then the longest waiting."""
        threshold = now - self.interval
        due = [(asked, key) for key, asked in self._last_asked.items() if asked <= threshold]
        if not due:
            return []
        is_priority = self._is_priority
        due.sort(key=lambda entry: (not is_priority(entry[1]), entry[0]))
        return [key for _, key in due[:limit]]

    def mark_asked(self, keys: Iterable[IdentityKey], now: float) -> None:
        """Record that ``keys`` were asked about at ``now``."""
        last_asked = self._last_asked
        for key in keys:
            if key in last_asked:
                last_asked[key] = now

    def next_due_at(self) -> float | None:
        """When the next member becomes due (None with no members)."""
        if not self._last_asked:
            return None
        return min(self._last_asked.values()) + self.interval


async def poll_until_cancelled(  # noqa: PLR0913 - keyword-only seams of one loop
    rota: PollRota,
    fetch: Callable[[Sequence[IdentityKey]], Awaitable[None]],
    *,
    batch_size: int,
    clock: Clock,
    sink: PresenceSink,
    platform_name: str,
    budget: CallBudget | None = None,
    rng: random.Random | None = None,
    each_turn: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Ask about the rota's due members, ``batch_size`` at a time, until cancelled.

    ``fetch(keys)`` asks the platform about ``keys`` and publishes what it learns to the
    sink; it spends the endpoints' :class:`CallBudget` itself. The batch is chosen once
    ``budget`` (the presence endpoint's) has room, so a favourite that fell due while the
    loop waited for the budget goes in the next call, not the one after. ``each_turn`` (the
    contact list's re-read, a page at a time) is awaited before each batch is chosen, and
    at least every interval while nobody is due. A
    :class:`~presence_tray.core.errors.RateLimitedError` waits its ``retry_after``; any other
    :class:`~presence_tray.core.errors.TransientError` backs off with jitter, and after
    :data:`MAX_FAILED_POLLS` in a row is raised to the supervisor. Other errors (sign-in
    refused, permanent failures, bugs) are raised at once.
    """
    rng = rng or random.Random()
    failures = 0
    while True:
        if budget is not None:
            await budget.wait_until_free()
        try:
            if each_turn is not None:
                await each_turn()
            now = clock.now()
            batch = rota.due(now, batch_size)
            if not batch:
                due_at = rota.next_due_at()
                await clock.sleep(rota.interval if due_at is None else max(0.0, due_at - now))
                continue
            await fetch(batch)
        except RateLimitedError as err:
            sink.report_degraded(
                f"{platform_name} asked to slow down; asking again in {err.retry_after:.0f} s"
            )
            _log.info("%s: rate limited, waiting %.1f s", platform_name, err.retry_after)
            await clock.sleep(err.retry_after)
            continue
        except TransientError as err:
            failures += 1
            if failures >= MAX_FAILED_POLLS:
                raise
            delay = POLL_BACKOFF.delay(failures - 1, rng)
            sink.report_degraded(f"{err} Trying again in {delay:.0f} s.")
            _log.info("%s: poll failed (%s); retrying in %.1f s", platform_name, err, delay)
            await clock.sleep(delay)
            continue
        rota.mark_asked(batch, clock.now())
        failures = 0
        sink.report_live()
