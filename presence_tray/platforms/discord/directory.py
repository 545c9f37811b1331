"""The people a Discord bot can see, and their presences, turned into sink calls.

Members come from REST (``GET /guilds/{id}/members``) and from each ``GUILD_CREATE``; the
presences from ``GUILD_CREATE`` (only members not offline are listed there, so in a guild
that is not ``large`` a member without one is offline) and from ``PRESENCE_UPDATE``, whose
``user`` may be partial: what it carries is merged into what is known of that user, and a new
name updates the contact. Presence objects go through :func:`normalise_discord_presence`.

People leave through :class:`GuildMembership`: when the bot is removed from a guild
(``GUILD_DELETE`` without ``unavailable``, or a new session's ``READY`` no longer naming it),
and when a new session's ``GUILD_CREATE`` lists a guild without someone, the account's whole
contact list goes to :meth:`PresenceSink.replace_contacts` (everyone who still shares a guild
with the bot), provided every guild's members are known in full. A guild in an outage
(``GUILD_DELETE`` with ``unavailable: true``) removes no one: its members keep their last
values. ``GUILD_MEMBER_REMOVE`` needs the Server Members intent, which the client does not
request, so a member who leaves a guild stays until the next new session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.discord.guilds import GuildMembership
from presence_tray.platforms.discord.normalise import normalise_discord_presence
from presence_tray.platforms.wire import get_list, get_str

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.core.client import PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef

_NAME_FIELDS = ("username", "global_name")


class DiscordDirectory:
    """What one bot knows of the users in its guilds."""

    def __init__(
        self, account: AccountRef, *, bot_id: str, sink: PresenceSink, clock: Clock
    ) -> None:
        """Contacts and presences of ``account`` (whose bot is ``bot_id``) go to ``sink``."""
        self._account = account
        self._bot_id = bot_id
        self._sink = sink
        self._clock = clock
        self._users: dict[str, dict[str, Any]] = {}
        self._nicks: dict[str, str] = {}
        self._membership = GuildMembership()
        self._listed: set[str] | None = None

    def key(self, user_id: str) -> IdentityKey:
        """The identity key of a Discord user seen through this account."""
        return IdentityKey(Platform.DISCORD, self._account.account_id, user_id)

    def add_members(self, members: Iterable[object]) -> list[str]:
        """Guild member objects as contacts (not the bot itself); the user ids read."""
        identities: list[Identity] = []
        user_ids: list[str] = []
        for member in members:
            if not isinstance(member, dict):
                continue
            nick = member.get("nick")
            user_id = self._merge_user(member.get("user"))
            if user_id is None:
                continue
            if isinstance(nick, str) and nick and user_id not in self._nicks:
                self._nicks[user_id] = nick
            user_ids.append(user_id)
            identities.append(self._identity(user_id))
        if identities:
            self._sink.add_contacts(identities)
        return user_ids

    def guild_listed(self, guild_id: str, user_ids: Iterable[str]) -> None:
        """Every member of ``guild_id`` was read (REST, to the last page): ``user_ids``."""
        self._membership.listed(guild_id, user_ids, whole=True)
        self._replace_if_someone_left()

    def on_dispatch(self, name: str, data: object) -> None:
        """One gateway dispatch; those that say nothing of people are ignored."""
        if not isinstance(data, dict):
            return
        if name == "READY":
            self._ready(data)
        elif name == "GUILD_CREATE":
            self._guild_created(data)
        elif name == "GUILD_DELETE":
            self._guild_deleted(data)
        elif name == "PRESENCE_UPDATE":
            self._presence(data)
        elif name in {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE"}:
            self._note_member(data.get("guild_id"), self.add_members([data]))

    def _ready(self, ready: dict[str, Any]) -> None:
        guilds = get_list(ready, "guilds")
        ids = [get_str(guild, "id") for guild in guilds or ()]
        if guilds is None or not all(ids):
            return  # a READY that does not name every guild removes no one
        self._membership.ready(guild_id for guild_id in ids if guild_id)
        self._replace_if_someone_left()

    def _guild_deleted(self, guild: dict[str, Any]) -> None:
        guild_id = get_str(guild, "id")
        if guild_id and guild.get("unavailable") is not True:  # not an outage
            self._membership.left(guild_id)
            self._replace_if_someone_left()

    def _note_member(self, guild_id: object, user_ids: Iterable[str]) -> None:
        if isinstance(guild_id, str) and guild_id:
            for user_id in user_ids:
                self._membership.seen(guild_id, user_id)

    def _replace_if_someone_left(self) -> None:
        """Tell the sink the whole contact list when it is known and lost someone (or was
        never told: people cached from the last run may be gone)."""
        everyone = self._membership.everyone()
        if everyone is None:
            return
        if self._listed is None or not everyone >= self._listed:
            self._sink.replace_contacts([self._identity(user_id) for user_id in everyone])
        self._listed = everyone

    def _guild_created(self, guild: dict[str, Any]) -> None:
        members = guild.get("members")
        user_ids = self.add_members(members if isinstance(members, list) else [])
        presences = guild.get("presences")
        seen: set[str] = set()
        for presence in presences if isinstance(presences, list) else []:
            user_id = self._presence(presence)
            if user_id is not None:
                seen.add(user_id)
        guild_id = get_str(guild, "id")
        if guild_id:
            whole = guild.get("large") is False  # a large guild lists only those not offline
            self._membership.listed(guild_id, [*user_ids, *seen], whole=whole)
            self._replace_if_someone_left()
        if guild.get("large") is False:
            offline = {"status": "offline", "activities": []}
            for user_id in user_ids:
                if user_id not in seen:
                    self._publish(user_id, {**offline, "user": {"id": user_id}})

    def _presence(self, payload: object) -> str | None:
        if not isinstance(payload, dict):
            return None
        user = payload.get("user")
        claimed_id = user.get("id") if isinstance(user, dict) else None
        is_new = claimed_id not in self._users
        names_before = self._names(claimed_id) if isinstance(claimed_id, str) else None
        user_id = self._merge_user(user)
        if user_id is None:
            return None
        if is_new or self._names(user_id) != names_before:
            self._sink.add_contacts([self._identity(user_id)])
        self._note_member(payload.get("guild_id"), [user_id])
        self._publish(user_id, payload)
        return user_id

    def _publish(self, user_id: str, payload: dict[str, Any]) -> None:
        self._sink.publish(
            normalise_discord_presence(self.key(user_id), payload, observed_at=self._clock.now())
        )

    def _merge_user(self, user: object) -> str | None:
        """Fold a (maybe partial) user object into what is known; its id, or None for the
        bot itself and for anything without an id."""
        if not isinstance(user, dict):
            return None
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id or user_id == self._bot_id:
            return None
        known = self._users.setdefault(user_id, {})
        known.update({field: user[field] for field in _NAME_FIELDS if field in user})
        return user_id

    def _names(self, user_id: str) -> tuple[object, ...]:
        known = self._users.get(user_id, {})
        return tuple(known.get(field) for field in _NAME_FIELDS)

    def _identity(self, user_id: str) -> Identity:
        known = self._users.get(user_id, {})
        username, global_name = known.get("username"), known.get("global_name")
        handles = (f"@{username}",) if isinstance(username, str) and username else ()
        display = self._nicks.get(user_id) or global_name or username or f"Discord user {user_id}"
        return Identity(
            self.key(user_id),
            display if isinstance(display, str) else user_id,
            handles,
            chat_url=f"https://discord.com/users/{user_id}",
        )
