"""The small protocol every platform client speaks, and what it may declare it can do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.core.identity import AccountRef, Identity
    from presence_tray.core.presence import PlatformPresence, PresenceState


class PresenceMode(StrEnum):
    """How a platform lets us know people's presence."""

    LIVE = "live"
    """Pushed as it happens over a connection we hold (Discord gateway, Matrix /sync, XMPP)."""
    POLLED = "polled"
    """Read by asking every so often (Slack, Teams, Zoom)."""
    LAST_INTERACTION = "last_interaction"
    """No presence; only when someone last messaged (WhatsApp)."""
    NONE = "none"
    """No presence at all (LinkedIn)."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What one platform client can do, so the UI never promises more."""

    presence: PresenceMode
    can_set_own_status: bool
    can_list_contacts: bool
    poll_interval_seconds: float | None = None
    limitation: str | None = None
    """The platform's honest limit in one sentence ("Slack shows only active/away ...")."""


class AccountHealth(StrEnum):
    """The state of one account's connection, as the user sees it in settings."""

    CONNECTING = "connecting"
    LIVE = "live"
    DEGRADED = "degraded"
    RECONNECTING = "reconnecting"
    NEEDS_RECONNECT = "needs_reconnect"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class OwnStatus:
    """What the user asked their own status to be, on every platform that can set it."""

    state: PresenceState
    dnd: bool = False
    until: float | None = None
    text: str | None = None


class PresenceSink(Protocol):
    """Where a client delivers what it learns; the supervisor gives each client its own."""

    def add_contacts(self, identities: Iterable[Identity]) -> None:
        """Make these identities known (contact list, roster, guild members)."""

    def replace_contacts(self, identities: Iterable[Identity]) -> None:
        """Say these identities are the account's whole contact list now: new ones are
        added, and the account's contacts not among them are no longer its contacts (see
        :meth:`~presence_tray.core.hub.PresenceHub.remove_contacts`). Send only a complete
        listing, never one cut short by a failure."""

    def publish(self, presence: PlatformPresence) -> None:
        """Deliver one normalised presence value."""

    def report_live(self) -> None:
        """Say the connection is up and data is flowing."""

    def report_degraded(self, reason: str) -> None:
        """Say the client runs but with a handicap (rate limited, partial data)."""


@runtime_checkable
class PlatformClient(Protocol):
    """One account's client. ``run`` connects and delivers until cancelled or it fails.

    ``run`` raises :mod:`presence_tray.core.errors` kinds; returning means the connection
    ended and the supervisor will start it again.
    """

    @property
    def account(self) -> AccountRef:
        """The account this client serves."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this client can do."""
        ...

    async def run(self, sink: PresenceSink) -> None:
        """Connect, list contacts and deliver presence until cancelled."""
        ...


@runtime_checkable
class OwnStatusSetter(Protocol):
    """A client that can set the user's own status on its platform."""

    async def set_own_status(self, status: OwnStatus) -> None:
        """Set the user's own status; raise a core error kind on failure."""
        ...
