"""LinkedIn: no public API shares or sets presence; identities only, for linking people."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "LinkedIn does not share presence"
"""What LinkedIn cannot tell: no public API exposes a member's online status (§6)."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.NONE,
    can_set_own_status=False,
    can_list_contacts=False,
    limitation=LIMITATION,
)
"""What a LinkedIn client can do."""
