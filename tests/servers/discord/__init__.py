"""A fake Discord for one bot: REST (:mod:`.rest`) and the Gateway WebSocket (:mod:`.gateway`).

Both run on 127.0.0.1 and follow Discord's documented protocol (platform-apis.md §1), so the
client under test (and the official ``discord.py``) talk to them over real sockets.
"""

from tests.servers.discord.gateway import (
    GUILD_MEMBERS,
    GUILD_PRESENCES,
    GUILDS,
    FakeGateway,
    FakeGuild,
    member,
    presence,
)
from tests.servers.discord.rest import DiscordRestFake

__all__ = [
    "GUILDS",
    "GUILD_MEMBERS",
    "GUILD_PRESENCES",
    "DiscordRestFake",
    "FakeGateway",
    "FakeGuild",
    "member",
    "presence",
]
