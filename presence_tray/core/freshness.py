"""When a platform's value stops being trustworthy.

A value pushed over a live connection stays true until the platform says otherwise; once the
connection is gone it ages like a polled value. A polled value is fresh for its platform's
time-to-live (a few poll intervals). A cached value is stale until something confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource

if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Mapping

DEFAULT_TTL_SECONDS: Mapping[Platform, float] = {
    # Push platforms: how long a value outlives a dropped connection.
    Platform.DISCORD: 600.0,
    Platform.MATRIX: 600.0,
    Platform.XMPP: 600.0,
    # Polled platforms: three default poll intervals, so one missed poll is not "stale".
    Platform.SLACK: 180.0,
    Platform.TEAMS: 180.0,
    Platform.ZOOM: 180.0,
    # No presence at all: what they say ("does not share presence") does not age.
    Platform.WHATSAPP: 86_400.0,
    Platform.LINKEDIN: 86_400.0,
}


DEFAULT_TTL_FALLBACK = 300.0
_NEVER = float("inf")
# Module-level aliases: attribute lookups on the enum class cost time in the hot loop below.
_POLL = PresenceSource.POLL
_PUSH = PresenceSource.PUSH
_CACHE = PresenceSource.CACHE
_LAST_INTERACTION = PresenceSource.LAST_INTERACTION
_NO_STALE: frozenset[IdentityKey] = frozenset()


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    """Per-platform time-to-live for presence values."""

    ttl_seconds: Mapping[Platform, float] = field(default_factory=lambda: dict(DEFAULT_TTL_SECONDS))

    def ttl(self, platform: Platform) -> float:
        """Seconds a value from ``platform`` stays fresh without a live connection."""
        return self.ttl_seconds.get(platform, DEFAULT_TTL_FALLBACK)

    def is_fresh(
        self, value: PlatformPresence, now: float, live_accounts: Container[AccountRef]
    ) -> bool:
        """Whether ``value`` may be shown as current at ``now``."""
        stale, _ = self.split((value,), now, live_accounts)
        return not stale

    def split(
        self, values: Iterable[PlatformPresence], now: float, live_accounts: Container[AccountRef]
    ) -> tuple[frozenset[IdentityKey], float]:
        """The stale identities among ``values``, and when the next fresh one expires.

        One pass, for the hub's hot path; same rules as :meth:`is_fresh`.
        """
        stale: list[IdentityKey] = []
        next_expiry = _NEVER
        ttls = self.ttl_seconds
        for value in values:
            source = value.source
            identity = value.identity
            # identity[:2] is (platform, account_id): equal to its AccountRef, without building one.
            if (
                source is _POLL
                or source is _LAST_INTERACTION
                or (source is _PUSH and identity[:2] not in live_accounts)
            ):
                expiry = value.observed_at + ttls.get(identity.platform, DEFAULT_TTL_FALLBACK)
                if expiry < now:
                    stale.append(identity)
                elif expiry < next_expiry:
                    next_expiry = expiry
            elif source is _CACHE:
                stale.append(identity)
            # NONE states a platform's limit, and PUSH over a live connection stays true:
            # neither ages on its own.
        return (frozenset(stale) if stale else _NO_STALE), next_expiry
