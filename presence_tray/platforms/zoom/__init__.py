"""Zoom: presence polled for the user's Team Chat contacts, company and external."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "Zoom presence is polled, so it can be a minute behind"
"""What Zoom cannot do for a desktop app: push (its webhook needs a public HTTPS endpoint)."""

POLL_INTERVAL_SECONDS = 60.0
"""Zoom's rate limits are per account and shared by every app: stay gentle."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.POLLED,
    # Only while the user is signed in to a Zoom client, at most once a minute (§4.4).
    can_set_own_status=True,
    can_list_contacts=True,
    poll_interval_seconds=POLL_INTERVAL_SECONDS,
    limitation=LIMITATION,
)
"""What a Zoom client can do."""
