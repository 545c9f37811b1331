"""The workspace's people from ``users.list``: who to show, and their custom status.

``users.list`` pages with a cursor (``response_metadata.next_cursor``, empty on the last
page). Its members carry their profile, with the custom status and huddle state the
normaliser reads, so one listing both imports the contacts and refreshes everyone's status
text without a ``users.profile.get`` per person. Deleted (deactivated) members, bots,
Slackbot and the signed-in user are left out: a member deactivated since the last listing
is no longer a contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.wire import as_mapping, get_bool, get_list, get_mapping, get_str

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping

    from presence_tray.core.identity import AccountRef
    from presence_tray.platforms.slack.web_api import SlackWebApi

USERS_LIST_PAGE_SIZE: Final = 200
"""Members per ``users.list`` page: Slack recommends no more than 200."""
MAX_PAGES: Final = 500
"""A workspace of 100,000 people; a cursor going on longer than that is a loop, not people."""
SLACKBOT_ID: Final = "USLACKBOT"
"""Slack's own bot, listed as a member that is not ``is_bot``."""


@dataclass(frozen=True, slots=True)
class SlackContact:
    """One person of the workspace, and the profile their custom status is read from."""

    identity: Identity
    profile: Mapping[str, object]


async def contact_pages(
    api: SlackWebApi, account: AccountRef, me: str
) -> AsyncGenerator[tuple[list[SlackContact], bool], None]:
    """Everyone worth showing in the workspace, one page of ``users.list`` at a time, each
    with whether it is the last."""
    cursor = ""
    for _ in range(MAX_PAGES):
        arguments = {"limit": str(USERS_LIST_PAGE_SIZE)}
        if cursor:
            arguments["cursor"] = cursor
        page = await api.read("users.list", **arguments)
        cursor = get_str(page, "response_metadata", "next_cursor") or ""
        contacts = [
            contact
            for member in get_list(page, "members") or ()
            if (contact := contact_of(member, account, me)) is not None
        ]
        yield contacts, not cursor
        if not cursor:
            return


async def list_contacts(api: SlackWebApi, account: AccountRef, me: str) -> list[SlackContact]:
    """Everyone worth showing in the workspace, over every page of ``users.list``."""
    return [contact async for page, _ in contact_pages(api, account, me) for contact in page]


def contact_of(member: object, account: AccountRef, me: str) -> SlackContact | None:
    """One ``users.list`` member as a contact; None for me, bots, the deleted and the unreadable."""
    user_id = get_str(member, "id")
    if not user_id or user_id in {me, SLACKBOT_ID}:
        return None
    if get_bool(member, "deleted") or get_bool(member, "is_bot"):
        return None
    profile = get_mapping(member, "profile") or {}
    name = get_str(member, "name")
    display_name = (
        get_str(profile, "display_name")
        or get_str(profile, "real_name")
        or get_str(member, "real_name")
        or name
        or user_id
    )
    handles = tuple(handle for handle in (get_str(profile, "email"), name and f"@{name}") if handle)
    team = get_str(member, "team_id")
    chat_url = f"slack://user?team={team}&id={user_id}" if team else None
    key = IdentityKey(Platform.SLACK, account.account_id, user_id)
    identity = Identity(key, display_name.strip() or user_id, handles, chat_url)
    return SlackContact(identity, as_mapping(profile) or {})
