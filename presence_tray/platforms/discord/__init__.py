"""Discord: presence pushed over the bot gateway (``PRESENCE_UPDATE``, ``GUILD_CREATE``)."""

from __future__ import annotations

from presence_tray.core.client import Capabilities, PresenceMode

LIMITATION = "Discord shows presence only for members of a server shared with your bot"
"""What Discord cannot tell, in the words the app shows (no REST presence for user tokens)."""

CAPABILITIES = Capabilities(
    presence=PresenceMode.LIVE,
    # Apps cannot set a human user's online/idle/dnd status (platform-apis.md §1.4).
    can_set_own_status=False,
    can_list_contacts=True,
    limitation=LIMITATION,
)
"""What a Discord client can do."""
