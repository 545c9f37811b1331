"""My own XMPP presence from the tray's "Set my status" choice (RFC 6121 §4.7).

Available → no ``show``; busy or do-not-disturb → ``dnd``; idle and away → ``away``; the text
becomes ``status``. XMPP has no expiry: ``until`` is not sent.

"Appear offline" is refused with a sentence rather than sent as ``type="unavailable"``: an
unavailable resource no longer receives its contacts' presence (RFC 6121 §4.5), so the tray
would go blind while still claiming to show everyone, and XMPP has no standard invisibility
that servers must support.

The tray signs in with priority :data:`OWN_PRIORITY` (negative): a resource with a negative
priority never receives messages sent to my bare address (RFC 6121 §8.5.2.1), so the tray
cannot swallow a chat meant for me. Contacts' clients show the presence of my resource with
the highest priority, so while a chat client of mine is signed in too, theirs shows its status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError
from presence_tray.core.presence import PresenceState

if TYPE_CHECKING:
    from presence_tray.core.client import OwnStatus

OWN_PRIORITY: Final = -1
"""The priority of the tray's resource: below every chat client, and never sent messages."""
APPEAR_OFFLINE_REFUSED: Final = (
    "XMPP cannot make you appear offline while Presence Tray keeps showing your contacts: "
    "signing out would stop their presence too. Choose Away or Do not disturb instead."
)
_SHOWS: Final[dict[PresenceState, str | None]] = {
    PresenceState.ONLINE: None,
    PresenceState.BUSY: "dnd",
    PresenceState.IDLE: "away",
    PresenceState.AWAY: "away",
}


@dataclass(frozen=True, slots=True)
class OwnPresence:
    """What my ``<presence/>`` says: ``show`` (None is available) and the status text."""

    show: str | None = None
    status: str | None = None


AVAILABLE_PRESENCE: Final = OwnPresence()
"""What the tray sends until the user chooses a status."""


def own_presence(status: OwnStatus) -> OwnPresence:
    """The presence that says ``status``; a sentence (PermanentError) if XMPP cannot."""
    if status.state not in _SHOWS:
        raise PermanentError(
            APPEAR_OFFLINE_REFUSED
            if status.state is PresenceState.OFFLINE
            else f"XMPP has no presence that means {status.state}."
        )
    show = "dnd" if status.dnd else _SHOWS[status.state]
    return OwnPresence(show, (status.text or "").strip() or None)
