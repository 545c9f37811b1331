"""XMPP: presence pushed per connected resource (RFC 6121), for contacts on the roster."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "XMPP shows presence only for contacts who share it with you"
"""What XMPP cannot tell: without a presence subscription the server sends nothing."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.LIVE,
    can_set_own_status=True,
    can_list_contacts=True,
    limitation=LIMITATION,
)
"""What an XMPP client can do."""
