"""Microsoft Teams: presence read from Microsoft Graph by polling ``getPresencesByUserId``."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "Teams presence is polled, so it can be a minute behind"
"""What Teams cannot do for a desktop app: push (Graph webhooks need a public HTTPS server)."""

POLL_INTERVAL_SECONDS = 60.0
"""One bulk request (up to 650 people) a minute is far below Graph's 1,500 per 30 s."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.POLLED,
    can_set_own_status=True,
    can_list_contacts=True,
    poll_interval_seconds=POLL_INTERVAL_SECONDS,
    limitation=LIMITATION,
)
"""What a Teams client can do."""
