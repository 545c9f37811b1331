"""WhatsApp: always unknown; an inbound message says only when the person last wrote.

The value stays unknown even right after a message: writing a minute ago is not being
online, and the app must never suggest otherwise (platform-apis.md §5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceSource
from presence_tray.platforms.vocabulary import unknown_presence
from presence_tray.platforms.whatsapp import LIMITATION
from presence_tray.platforms.wire import DEFAULT_UNKNOWN_LOG, UnknownValueLog, WireReader, get_str

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey
    from presence_tray.core.presence import PlatformPresence

# -- wire shape (webhooks/reference/messages); "from" is a Python keyword, hence this form ----

WhatsAppMessage = TypedDict(
    "WhatsAppMessage", {"from": str, "id": str, "timestamp": str, "type": str}
)
"""One entry of a ``messages`` webhook's ``value.messages[]`` (the fields used here)."""


def normalise_whatsapp_presence(identity: IdentityKey, *, observed_at: float) -> PlatformPresence:
    """What WhatsApp says about anyone's presence: nothing, plainly."""
    return unknown_presence(identity, observed_at, PresenceSource.NONE, note=LIMITATION)


def message_sender(message: object) -> str | None:
    """The sender's WhatsApp id (``from``, a phone number in digits) of an inbound message."""
    return get_str(message, "from")


def normalise_whatsapp_message(
    identity: IdentityKey,
    message: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """An inbound message from ``identity`` as a last-interaction value (still unknown).

    Without a readable ``timestamp`` (Unix seconds as a string) it says only that WhatsApp
    shares no presence, and the problem is reported once.
    """
    read = WireReader(Platform.WHATSAPP, unknown)
    sent_at = read.timestamp(message, "timestamp", required=True)
    if sent_at is None:
        return normalise_whatsapp_presence(identity, observed_at=observed_at)
    return whatsapp_last_interaction(identity, sent_at=sent_at, observed_at=observed_at)


def whatsapp_last_interaction(
    identity: IdentityKey, *, sent_at: float, observed_at: float
) -> PlatformPresence:
    """``identity`` wrote at ``sent_at``: a last-interaction value, its state still unknown."""
    return unknown_presence(
        identity,
        observed_at,
        PresenceSource.LAST_INTERACTION,
        note=LIMITATION,
        # A sender's clock ahead of ours must not put their message in the future.
        last_active_at=min(sent_at, observed_at),
    )
