"""Slack: presence polled with ``users.getPresence``, DND and custom status beside it."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "Slack shows only active/away for other people"
"""What Slack cannot tell: for others, "away" may mean idle, away or signed out."""

POLL_INTERVAL_SECONDS = 60.0
"""``users.getPresence`` is Tier 3 (about 50 calls a minute): a minute keeps a few dozen fresh."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.POLLED,
    can_set_own_status=True,
    can_list_contacts=True,
    poll_interval_seconds=POLL_INTERVAL_SECONDS,
    limitation=LIMITATION,
)
"""What a Slack client can do."""
