"""Who the Matrix client takes as contacts, from the rooms ``/sync`` describes."""

from __future__ import annotations

from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Platform
from presence_tray.platforms.matrix.rooms import (
    MAX_SHARED_ROOM_MEMBERS,
    RoomDirectory,
    contact_identity,
    is_user_id,
)

ME = "@me:example.org"
GRACE = "@grace:example.org"


def member(user_id: str, membership: str = "join", name: str | None = None) -> object:
    """An ``m.room.member`` event."""
    content: dict[str, object] = {"membership": membership}
    if name is not None:
        content["displayname"] = name
    return {"type": "m.room.member", "state_key": user_id, "content": content}


def joined(rooms: dict[str, list[object]], *, timeline: bool = False) -> dict[str, object]:
    """A ``/sync`` answer with these joined rooms' member events (as state or timeline)."""
    section = "timeline" if timeline else "state"
    join = {room: {section: {"events": events}} for room, events in rooms.items()}
    return {"rooms": {"join": join}}


def test_members_of_shared_rooms_are_contacts_with_their_names_without_me() -> None:
    directory = RoomDirectory(ME)

    directory.apply(joined({"!a": [member(ME), member(GRACE, name="Grace Hopper")]}))
    directory.apply(joined({"!b": [member("@alan:example.org"), member(GRACE)]}))

    assert directory.contacts() == {GRACE: "Grace Hopper", "@alan:example.org": None}


def test_people_who_leave_and_rooms_i_leave_stop_adding_contacts() -> None:
    directory = RoomDirectory(ME)
    directory.apply(joined({"!a": [member(GRACE)], "!b": [member("@alan:example.org")]}))

    directory.apply(joined({"!a": [member(GRACE, "leave")]}, timeline=True))
    directory.apply({"rooms": {"leave": {"!b": {}}}})

    assert directory.contacts() == {}


def test_a_big_room_adds_no_contacts_unless_it_is_a_direct_chat() -> None:
    crowd = [member(f"@person{number}:example.org") for number in range(MAX_SHARED_ROOM_MEMBERS)]
    directory = RoomDirectory(ME)

    directory.apply(joined({"!lobby": [*crowd, member(GRACE)]}))
    assert directory.contacts() == {}

    direct = {"type": "m.direct", "content": {GRACE: ["!lobby"]}}
    directory.apply({"account_data": {"events": [direct]}})
    assert len(directory.contacts()) == MAX_SHARED_ROOM_MEMBERS + 1


def test_malformed_events_and_ids_are_skipped() -> None:
    directory = RoomDirectory(ME)
    events: list[object] = [
        None,
        {"type": "m.room.member", "state_key": "not a user", "content": {"membership": "join"}},
        {"type": "m.room.message", "state_key": GRACE, "content": {"membership": "join"}},
        {"type": "m.room.member", "state_key": GRACE, "content": "join"},
    ]

    directory.apply(joined({"!a": events}))
    directory.apply({"rooms": "broken", "account_data": {"events": [{"type": "m.direct"}]}})

    assert directory.contacts() == {}


def test_a_contact_identity_links_to_matrix_to_and_falls_back_to_the_localpart() -> None:
    account = AccountRef(Platform.MATRIX, ME)
    key = IdentityKey(Platform.MATRIX, ME, GRACE)

    assert contact_identity(account, GRACE, "  ") == Identity(
        key, "grace", (GRACE,), "https://matrix.to/#/@grace:example.org"
    )
    assert not is_user_id("@" + "x" * 300 + ":example.org")
    assert not is_user_id("grace:example.org")
