"""One simulated platform account, a real :class:`~presence_tray.core.client.PlatformClient`.

It lists the simulated people who have an account on its platform, then delivers what the
platform would say about them: push platforms (Discord, Matrix, XMPP, and WhatsApp's message
webhook) when something a person would see changes, checked every simulated minute; polled
platforms (Slack, Teams, Zoom) everyone at every poll. Time and waiting come from the injected
:class:`~presence_tray.core.clock.Clock`, so a ``ScaledClock`` speeds the world up and a
``ManualClock`` lets tests run hours in milliseconds.

A client built with ``drops_connection`` loses its connection now and then and cannot
reconnect for a few minutes, raising :class:`~presence_tray.core.errors.TransientError`, so
the supervisor's back-off runs and the hub shows the platform's values going stale.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from typing import TYPE_CHECKING, Final

from presence_tray.core.client import PresenceMode
from presence_tray.core.errors import PermanentError, TransientError
from presence_tray.core.identity import AccountRef
from presence_tray.platforms.capabilities import PLATFORM_CAPABILITIES
from presence_tray.platforms.simulated.population import SIMULATED_ACCOUNT_ID
from presence_tray.platforms.simulated.render import observe
from presence_tray.platforms.wire import UnknownValueLog

if TYPE_CHECKING:
    from presence_tray.core.client import Capabilities, OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import IdentityKey, Platform
    from presence_tray.core.presence import PlatformPresence
    from presence_tray.platforms.simulated.world import World

CHECK_INTERVAL_SECONDS: Final = 60.0
"""How often a push platform looks for changes to push (simulated seconds)."""
MINUTES_BETWEEN_DROPS: Final = (45.0, 180.0)
MINUTES_DOWN_AFTER_DROP: Final = (3.0, 8.0)
"""Long enough for polled values (fresh for three poll intervals) to go stale."""
_YIELD_EVERY = 500
"""Let the event loop breathe between this many people, for networks of thousands."""


SIMULATED_UNKNOWN_LOG = UnknownValueLog(
    logging.getLogger("presence_tray.platforms.simulated"), level=logging.INFO
)
"""The simulated network sends a few odd payloads on purpose, to run the unknown-value path;
they are reported at INFO: no real platform misbehaved."""


class SimulatedAccountClient:
    """The simulated account on one platform; many share one :class:`World`."""

    def __init__(
        self,
        platform: Platform,
        world: World,
        clock: Clock,
        *,
        unknown: UnknownValueLog = SIMULATED_UNKNOWN_LOG,
        drops_connection: bool = False,
    ) -> None:
        """A client of ``platform`` reporting on the people of ``world`` at ``clock`` time."""
        self._account = AccountRef(platform, SIMULATED_ACCOUNT_ID)
        self._capabilities = PLATFORM_CAPABILITIES[platform]
        self._world = world
        self._clock = clock
        self._unknown = unknown
        self._drops = (
            _ConnectionDrops(f"drops/{world.seed}/{platform}") if drops_connection else None
        )
        self._contacts = [
            (person, identity)
            for person in world.people_on(platform)
            if (identity := person.identity(platform)) is not None
        ]
        self.own_status: OwnStatus | None = None
        """The last status the user set through this account."""

    @property
    def account(self) -> AccountRef:
        """``(platform, "simulated")``."""
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        """The real platform's capabilities: the simulation promises no more than it."""
        return self._capabilities

    async def run(self, sink: PresenceSink) -> None:
        """List the contacts, then deliver their presence until cancelled or dropped."""
        if self._drops is not None:
            self._drops.check(self._clock.now())
        sink.add_contacts(identity for _, identity in self._contacts)
        sink.report_live()
        polled = self._capabilities.presence is PresenceMode.POLLED
        interval = self._capabilities.poll_interval_seconds or CHECK_INTERVAL_SECONDS
        shown: dict[IdentityKey, tuple[object, ...]] = {}
        next_check = self._clock.now()
        while True:
            now = self._clock.now()
            if self._drops is not None:
                self._drops.check(now)
            await self._deliver(sink, now, shown, everyone=polled)
            next_check += interval
            now = self._clock.now()
            if now - next_check > interval:
                # Far behind (a suspended laptop, a test clock moved by someone else):
                # check once now rather than replay every missed check.
                next_check = now
            await self._clock.sleep(max(0.0, next_check - now))

    async def set_own_status(self, status: OwnStatus) -> None:
        """Remember ``status``, or refuse as the real platform would."""
        if not self._capabilities.can_set_own_status:
            msg = f"{self._account.platform.display_name} does not let apps set your status"
            raise PermanentError(msg)
        self.own_status = status

    async def _deliver(
        self,
        sink: PresenceSink,
        at: float,
        shown: dict[IdentityKey, tuple[object, ...]],
        *,
        everyone: bool,
    ) -> None:
        """Publish every contact's value (polling), or those whose visible value changed."""
        for count, (person, identity) in enumerate(self._contacts, start=1):
            value = observe(self._world, person, identity, at, self._unknown)
            visible = _visible(value)
            if everyone or shown.get(identity.key) != visible:
                shown[identity.key] = visible
                sink.publish(value)
            if count % _YIELD_EVERY == 0:
                await asyncio.sleep(0)


def _visible(value: PlatformPresence) -> tuple[object, ...]:
    """What a person would see of ``value``; a push platform sends only when this changes.

    The last-active time is compared to the second: Matrix recomputes ``last_active_ago`` in
    whole milliseconds at every check, and servers do not push because it grew.
    """
    last_active = None if value.last_active_at is None else round(value.last_active_at)
    return (value.state, value.dnd, value.activity, value.note, value.source, last_active)


class _ConnectionDrops:
    """When a simulated connection drops and how long it stays down; seeded, so repeatable."""

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)
        self._drop_at: float | None = None
        self._back_at = -math.inf

    def check(self, now: float) -> None:
        """Raise :class:`TransientError` if the connection is down (or drops) at ``now``."""
        if now < self._back_at:
            msg = "the simulated service cannot be reached"
            raise TransientError(msg)
        if self._drop_at is None:
            self._drop_at = now + self._rng.uniform(*MINUTES_BETWEEN_DROPS) * 60
        elif now >= self._drop_at:
            self._drop_at = None
            self._back_at = now + self._rng.uniform(*MINUTES_DOWN_AFTER_DROP) * 60
            msg = "the simulated connection dropped"
            raise TransientError(msg)
