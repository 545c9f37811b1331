"""Matrix: presence pushed over ``/sync`` (``m.presence``), or read with ``GET .../status``."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "Many Matrix servers turn presence off; then no one's presence is shared"
"""What Matrix cannot tell: servers like matrix.org disable presence (element-web#2667)."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.LIVE,
    can_set_own_status=True,
    can_list_contacts=True,
    limitation=LIMITATION,
)
"""What a Matrix client can do."""
