"""When a platform's value stops being trustworthy.

A value pushed over a live connection stays true until the platform says otherwise; once the
connection is gone it ages like a polled value. A polled value is fresh for its platform's
time-to-live (a few poll intervals). A cached value is stale until something confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource

if TYPE_CHECKING:
    from collections.abc import Container, Mapping

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


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    """Per-platform time-to-live for presence values."""

    ttl_seconds: Mapping[Platform, float] = field(default_factory=lambda: dict(DEFAULT_TTL_SECONDS))

    def ttl(self, platform: Platform) -> float:
        """Seconds a value from ``platform`` stays fresh without a live connection."""
        return self.ttl_seconds.get(platform, 300.0)

    def is_fresh(
        self, value: PlatformPresence, now: float, live_accounts: Container[AccountRef]
    ) -> bool:
        """Whether ``value`` may be shown as current at ``now``."""
        source = value.source
        if source is PresenceSource.CACHE:
            return False
        if source is PresenceSource.NONE:
            return True
        if source is PresenceSource.PUSH and value.identity.account in live_accounts:
            return True
        return now - value.observed_at <= self.ttl_seconds.get(value.identity.platform, 300.0)

    def expires_at(self, value: PlatformPresence) -> float:
        """When ``value`` turns stale if nothing refreshes it (ignoring live connections)."""
        if value.source is PresenceSource.CACHE:
            return value.observed_at
        return value.observed_at + self.ttl(value.identity.platform)
