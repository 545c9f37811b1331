"""Who my Matrix contacts are: the members of my joined rooms, read from ``/sync``.

Each ``/sync`` answer brings, per joined room, the ``m.room.member`` state events and the
membership changes in its timeline (the sync filter asks for nothing else), the rooms I left,
and my ``m.direct`` account data (which rooms are direct chats). :class:`RoomDirectory` keeps
the joined members of each room across syncs. My contacts are the people in my direct rooms
and in shared rooms of at most :data:`MAX_SHARED_ROOM_MEMBERS` members: a bigger room is a
public lobby, whose thousands of members are not the people I work with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.wire import (
    as_list,
    as_mapping,
    clip_text,
    get_str,
    get_value,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.identity import AccountRef

MAX_SHARED_ROOM_MEMBERS: Final = 200
"""A shared room with more members than this adds none of them as contacts."""
MAX_USER_ID_LENGTH: Final = 255
"""The spec's limit on a user id's length (appendix "User Identifiers")."""
MEMBER_EVENT: Final = "m.room.member"
DIRECT_EVENT: Final = "m.direct"
CHAT_URL: Final = "https://matrix.to/#/{}"

SYNC_FILTER: Final = {
    "presence": {"types": ["m.presence"]},
    "account_data": {"types": [DIRECT_EVENT]},
    "room": {
        "state": {"types": [MEMBER_EVENT], "lazy_load_members": False},
        "timeline": {"types": [MEMBER_EVENT], "limit": 50},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
"""``/sync`` filter: presence, room membership and direct rooms, nothing else (no messages)."""


def is_user_id(value: object) -> bool:
    """Whether ``value`` reads as a Matrix user id, ``@localpart:server``."""
    return (
        isinstance(value, str)
        and value.startswith("@")
        and ":" in value
        and len(value) <= MAX_USER_ID_LENGTH
        and value.isprintable()
        and " " not in value
    )


def contact_identity(account: AccountRef, user_id: str, display_name: str | None) -> Identity:
    """The identity of the Matrix user ``user_id`` seen through ``account``."""
    localpart = user_id[1:].split(":", 1)[0]
    key = IdentityKey(Platform.MATRIX, account.account_id, user_id)
    name = (display_name or "").strip() or localpart or user_id
    return Identity(key, name, (user_id,), CHAT_URL.format(user_id))


class RoomDirectory:
    """The joined members of each of my rooms, and which rooms are direct chats."""

    def __init__(self, me: str) -> None:
        """An empty directory for the user ``me`` (left out of every contact list)."""
        self._me = me
        self._members: dict[str, dict[str, str | None]] = {}
        self._direct_rooms: set[str] = set()

    def apply(self, sync: Mapping[str, object]) -> None:
        """Take in one ``/sync`` answer's membership changes, left rooms and ``m.direct``."""
        for event in as_list(get_value(sync, "account_data", "events")) or []:
            if get_str(event, "type") == DIRECT_EVENT:
                self._direct_rooms = _direct_rooms(get_value(event, "content"))
        rooms = as_mapping(sync.get("rooms")) or {}
        for room_id, room in (as_mapping(rooms.get("join")) or {}).items():
            members = self._members.setdefault(room_id, {})
            for section in ("state", "timeline"):
                for event in as_list(get_value(room, section, "events")) or []:
                    _apply_member_event(members, event)
        for room_id in as_mapping(rooms.get("leave")) or {}:
            self._members.pop(room_id, None)

    def contacts(self) -> dict[str, str | None]:
        """Every contact's user id → display name (None when they set none); never me."""
        found: dict[str, str | None] = {}
        for room_id, members in self._members.items():
            if room_id in self._direct_rooms or len(members) <= MAX_SHARED_ROOM_MEMBERS:
                for user_id, name in members.items():
                    if found.get(user_id) is None:
                        found[user_id] = name
        found.pop(self._me, None)
        return found


def _apply_member_event(members: dict[str, str | None], event: object) -> None:
    user_id = get_str(event, "state_key")
    if get_str(event, "type") != MEMBER_EVENT or user_id is None or not is_user_id(user_id):
        return
    if get_str(event, "content", "membership") == "join":
        members[user_id] = clip_text(get_str(event, "content", "displayname"))
    else:
        members.pop(user_id, None)


def _direct_rooms(content: object) -> set[str]:
    """The room ids an ``m.direct`` content lists (user id → list of room ids)."""
    rooms: set[str] = set()
    for room_ids in (as_mapping(content) or {}).values():
        rooms.update(room_id for room_id in as_list(room_ids) or [] if isinstance(room_id, str))
    return rooms


__all__ = [
    "MAX_SHARED_ROOM_MEMBERS",
    "SYNC_FILTER",
    "RoomDirectory",
    "contact_identity",
    "is_user_id",
]
