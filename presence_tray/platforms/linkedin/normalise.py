"""LinkedIn: always unknown, because no public API shares presence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.presence import PresenceSource
from presence_tray.platforms.linkedin import LIMITATION
from presence_tray.platforms.vocabulary import unknown_presence

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey
    from presence_tray.core.presence import PlatformPresence


def normalise_linkedin_presence(identity: IdentityKey, *, observed_at: float) -> PlatformPresence:
    """What LinkedIn says about anyone's presence: nothing, plainly."""
    return unknown_presence(identity, observed_at, PresenceSource.NONE, note=LIMITATION)
