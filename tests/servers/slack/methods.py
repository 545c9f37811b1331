"""The Web API methods of the fake, each a function from a :class:`Call` to its answer's fields.

Shapes follow Slack's method pages (platform-apis.md §2.2-2.4). Error codes are Slack's where
its pages name one (``user_not_found``, ``invalid_cursor``, ``invalid_presence``,
``snooze_not_active``, ``too_long``, ``unknown_method``); ``invalid_limit``,
``too_many_users``, ``missing_duration`` and ``invalid_profile`` are the fake's own choice for
"this argument is missing or wrong", so a client should treat any unknown code as a refusal.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.servers.slack.people import STATUS_TEXT_MAX, TEAM_ID, JsonObject, SlackPerson

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.servers.slack.workspace import SlackWorkspaceFake

USERS_LIST_MAX_PAGE = 1000  # Slack's cap on users.list's limit
TEAM_INFO_MAX_USERS = 50
WORKSPACE_URL = "https://fake-workspace.slack.com/"


class SlackError(Exception):
    """A refusal: answered as HTTP 200 with ``{"ok": false, "error": code}``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Call:
    """One authenticated call: who makes it, with which arguments, at what time."""

    workspace: SlackWorkspaceFake
    caller: SlackPerson
    arguments: dict[str, object]
    now: float

    def text(self, name: str) -> str | None:
        """Argument ``name`` as text, or ``None`` if absent."""
        value = self.arguments.get(name)
        return None if value is None else str(value)

    def person(self, name: str = "user") -> SlackPerson:
        """The person named by argument ``name``; the caller if it is absent."""
        user_id = self.text(name)
        if user_id is None or user_id == self.caller.id:
            return self.caller
        found = self.workspace.people.get(user_id)
        if found is None:
            raise SlackError("user_not_found")
        return found


def auth_test(call: Call) -> JsonObject:
    """Who the token belongs to."""
    return {
        "url": WORKSPACE_URL,
        "team": "Fake Workspace",
        "user": call.caller.name,
        "team_id": TEAM_ID,
        "user_id": call.caller.id,
        "is_enterprise_install": False,
    }


def users_list(call: Call) -> JsonObject:
    """A page of members; ``response_metadata.next_cursor`` is empty on the last page."""
    people = list(call.workspace.people.values())
    start = _cursor_position(call.text("cursor"), people)
    try:
        limit = int(call.text("limit") or 0)
    except ValueError:
        raise SlackError("invalid_limit") from None
    cap = min(USERS_LIST_MAX_PAGE, call.workspace.users_list_page_cap)
    size = cap if limit <= 0 else min(limit, cap)
    page = people[start : start + size]
    rest = people[start + size :]
    return {
        "members": [person.member_view(call.now) for person in page],
        "cache_ts": int(call.now),
        "response_metadata": {"next_cursor": _cursor_of(rest[0]) if rest else ""},
    }


def _cursor_of(person: SlackPerson) -> str:
    return base64.b64encode(f"user:{person.id}".encode()).decode()


def _cursor_position(cursor: str | None, people: list[SlackPerson]) -> int:
    if not cursor:
        return 0
    try:
        user_id = base64.b64decode(cursor, validate=True).decode().removeprefix("user:")
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    for position, person in enumerate(people):
        if person.id == user_id:
            return position
    raise SlackError("invalid_cursor")


def users_get_presence(call: Call) -> JsonObject:
    """``presence``; the details (online, auto_away...) only about the caller."""
    person = call.person()
    return person.presence_view(call.now, of_caller=person is call.caller)


def dnd_info(call: Call) -> JsonObject:
    """Do Not Disturb of one person; the snooze fields only about the caller."""
    person = call.person()
    return person.dnd_view(call.now, of_caller=person is call.caller)


def dnd_team_info(call: Call) -> JsonObject:
    """Do Not Disturb of up to 50 people, ``users`` keyed by id."""
    listed = call.text("users")
    ids = [user_id.strip() for user_id in (listed or call.caller.id).split(",") if user_id.strip()]
    if len(ids) > TEAM_INFO_MAX_USERS:
        raise SlackError("too_many_users")
    people = [_known(call, user_id) for user_id in ids]
    return {"users": {p.id: _schedule_only(p.dnd_view(call.now, of_caller=False)) for p in people}}


def _known(call: Call, user_id: str) -> SlackPerson:
    person = call.workspace.people.get(user_id)
    if person is None:
        raise SlackError("user_not_found")
    return person


def _schedule_only(view: JsonObject) -> JsonObject:
    return {name: view[name] for name in ("dnd_enabled", "next_dnd_start_ts", "next_dnd_end_ts")}


def users_profile_get(call: Call) -> JsonObject:
    """The profile with the custom status and huddle state."""
    return {"profile": call.person().profile_view(call.now)}


def users_set_presence(call: Call) -> JsonObject:
    """The caller's manual away flag: ``away`` sets it, ``auto`` clears it."""
    presence = call.text("presence")
    if presence not in {"auto", "away"}:
        raise SlackError("invalid_presence")
    call.caller.manual_away = presence == "away"
    return {}


def dnd_set_snooze(call: Call) -> JsonObject:
    """Turn on Do Not Disturb for ``num_minutes``."""
    try:
        minutes = int(call.text("num_minutes") or "")
    except ValueError:
        raise SlackError("missing_duration") from None
    if minutes <= 0:
        raise SlackError("missing_duration")
    call.caller.snooze_end = call.now + minutes * 60
    return {
        "snooze_enabled": True,
        "snooze_endtime": int(call.caller.snooze_end),
        "snooze_remaining": minutes * 60,
        "snooze_is_indefinite": False,
    }


def dnd_end_snooze(call: Call) -> JsonObject:
    """End the caller's snooze; the schedule stays."""
    if not call.caller.snoozing(call.now):
        raise SlackError("snooze_not_active")
    call.caller.snooze_end = 0.0
    return call.caller.dnd_view(call.now, of_caller=True)


def users_profile_set(call: Call) -> JsonObject:
    """Set the caller's custom status from ``profile`` (a JSON string or object)."""
    profile = call.arguments.get("profile")
    if isinstance(profile, str):
        try:
            profile = json.loads(profile)
        except ValueError:
            raise SlackError("invalid_profile") from None
    if not isinstance(profile, dict):
        raise SlackError("invalid_profile")
    text = str(profile.get("status_text", call.caller.status_text))
    if len(text) > STATUS_TEXT_MAX:
        raise SlackError("too_long")
    try:
        expiration = float(profile.get("status_expiration", 0) or 0)
    except (TypeError, ValueError):
        raise SlackError("invalid_profile") from None
    call.caller.status_text = text
    call.caller.status_emoji = str(profile.get("status_emoji", call.caller.status_emoji))
    call.caller.status_expiration = expiration
    return {"profile": call.caller.profile_view(call.now)}


METHODS: dict[str, Callable[[Call], JsonObject]] = {
    "auth.test": auth_test,
    "users.list": users_list,
    "users.getPresence": users_get_presence,
    "dnd.info": dnd_info,
    "dnd.teamInfo": dnd_team_info,
    "users.profile.get": users_profile_get,
    "users.setPresence": users_set_presence,
    "dnd.setSnooze": dnd_set_snooze,
    "dnd.endSnooze": dnd_end_snooze,
    "users.profile.set": users_profile_set,
}
