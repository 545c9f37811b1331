"""Which people a Discord bot shares each guild with, and whether that is known in full.

The bot's contacts are the members of its guilds. A guild's member list is known in full
after a listing that gives every member: ``GET /guilds/{id}/members`` read to its end, or a
``GUILD_CREATE`` of a guild that is not ``large`` (a large one lists only members not
offline, so it adds to what is known and removes no one). Each new session's ``READY`` names
the bot's guilds; ``GUILD_CREATE`` adds one (the bot joined it, or it came back after an
outage), a ``GUILD_DELETE`` without ``unavailable`` takes one away (the bot was removed or
the guild deleted). An outage (``GUILD_DELETE`` with ``unavailable: true``) changes nothing.

:meth:`GuildMembership.everyone` is the whole contact list only while every guild's members
are known in full; otherwise it is None and nobody may be removed. Members who leave a guild
are not told without the privileged Server Members intent (``GUILD_MEMBER_REMOVE`` needs
GUILD_MEMBERS, which the client does not request): they go when a new session's
``GUILD_CREATE`` lists the guild without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


class GuildMembership:
    """The user ids of each of the bot's guilds, as far as the gateway and REST have said."""

    def __init__(self) -> None:
        """Nothing known: no guild yet, and no READY to say which guilds the bot is in."""
        self._members: dict[str, set[str]] = {}
        self._complete: set[str] = set()
        self._guilds: set[str] | None = None

    def listed(self, guild_id: str, user_ids: Iterable[str], *, whole: bool) -> None:
        """A listing of ``guild_id``'s members: the whole list (it replaces what was known of
        the guild) when ``whole``, else some of them (added)."""
        if whole:
            self._members[guild_id] = set(user_ids)
            self._complete.add(guild_id)
        else:
            self._members.setdefault(guild_id, set()).update(user_ids)
        if self._guilds is not None:
            self._guilds.add(guild_id)

    def seen(self, guild_id: str, user_id: str) -> None:
        """``user_id`` is a member of ``guild_id`` (a presence or member event said so)."""
        self._members.setdefault(guild_id, set()).add(user_id)

    def ready(self, guild_ids: Iterable[str]) -> None:
        """A new session began in exactly these guilds: any other guild was left meanwhile."""
        self._guilds = set(guild_ids)
        for guild_id in set(self._members) - self._guilds:
            del self._members[guild_id]
        self._complete &= self._guilds

    def left(self, guild_id: str) -> None:
        """The bot is no longer in ``guild_id`` (removed, or the guild was deleted)."""
        self._members.pop(guild_id, None)
        self._complete.discard(guild_id)
        if self._guilds is not None:
            self._guilds.discard(guild_id)

    def everyone(self) -> set[str] | None:
        """Everyone who shares a guild with the bot, or None while that is not known in full
        (before READY, or while some guild's list is partial or was never given)."""
        if self._guilds is None or not self._guilds <= self._complete:
            return None
        return {user_id for guild_id in self._guilds for user_id in self._members[guild_id]}
