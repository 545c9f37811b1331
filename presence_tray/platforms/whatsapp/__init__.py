"""WhatsApp Business Cloud API: no presence at all; inbound messages tell when someone wrote."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "WhatsApp does not share presence"
"""What WhatsApp cannot tell: no presence, last seen or online state in the Cloud API (§5)."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.LAST_INTERACTION,
    can_set_own_status=False,
    # People become known when they write; the Cloud API has no contact list.
    can_list_contacts=False,
    limitation=LIMITATION,
)
"""What a WhatsApp client can do."""
