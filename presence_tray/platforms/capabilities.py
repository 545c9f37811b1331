"""What each platform lets a desktop app do, gathered from the platform packages.

The settings screen shows these ("live", "polled every 60 s", "no presence on LinkedIn"), and
the simulated network declares them so it behaves like the real accounts it stands in for.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from presence_tray.core.identity import Platform
from presence_tray.platforms import discord, linkedin, matrix, slack, teams, whatsapp, xmpp, zoom

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.client import Capabilities

PLATFORM_CAPABILITIES: Final[Mapping[Platform, Capabilities]] = MappingProxyType(
    {
        Platform.DISCORD: discord.CAPABILITIES,
        Platform.SLACK: slack.CAPABILITIES,
        Platform.TEAMS: teams.CAPABILITIES,
        Platform.ZOOM: zoom.CAPABILITIES,
        Platform.WHATSAPP: whatsapp.CAPABILITIES,
        Platform.LINKEDIN: linkedin.CAPABILITIES,
        Platform.MATRIX: matrix.CAPABILITIES,
        Platform.XMPP: xmpp.CAPABILITIES,
    }
)
"""Every platform's capabilities, including its limitation sentence."""
