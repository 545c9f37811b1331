"""Small builders shared by the core tests."""

from __future__ import annotations

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import Activity, PlatformPresence, PresenceSource, PresenceState

NOW = 1_700_000_000.0


def key(
    platform: Platform = Platform.SLACK, remote_id: str = "U1", account: str = "acct"
) -> IdentityKey:
    """An identity key with sensible defaults."""
    return IdentityKey(platform, account, remote_id)


def identity(k: IdentityKey, name: str = "Alice Chen", person: str | None = "alice") -> Identity:
    """An identity of ``k`` belonging to ``person``."""
    return Identity(k, name, handles=(f"{k.remote_id.lower()}@example.org",), person_id=person)


def value(
    k: IdentityKey,
    state: PresenceState,
    at: float = NOW,
    *,
    dnd: bool = False,
    source: PresenceSource = PresenceSource.POLL,
    activity: Activity | None = None,
    note: str | None = None,
    last_active_at: float | None = None,
) -> PlatformPresence:
    """A platform presence value."""
    return PlatformPresence(
        k,
        state,
        at,
        source=source,
        dnd=dnd,
        activity=activity,
        note=note,
        last_active_at=last_active_at,
    )
