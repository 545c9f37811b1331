"""Who "me" is, and the people of my organisation, from Microsoft Graph's directory.

Contacts are the directory's users (``GET /users``, paged by ``@odata.nextLink``), without
me and without accounts an administrator disabled. Each becomes an :class:`Identity` keyed by
the user's object id (the id presence calls take), with their mail and user principal name as
handles and a Teams chat deep link.

A disabled account (``accountEnabled: false``, which Graph returns only when ``$select`` names
it) is left out here, not by ``$filter=accountEnabled eq true``: the app reads the directory
with ``User.ReadBasic.All``, whose basic profile does not include ``accountEnabled``, and
Graph's documentation does not promise that property, or a filter on it, under that
permission. A user whose ``accountEnabled`` is missing or null is listed. Someone disabled
while the app runs leaves at the next re-read of the directory, like anyone removed from it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from presence_tray.core.errors import PermanentError, TransientError
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.polled import ContactPage
from presence_tray.platforms.teams.graph import (
    PLATFORM_NAME,
    READ_ME_PERMISSION,
    READ_USERS_PERMISSION,
    require_success,
)
from presence_tray.platforms.wire import get_bool, get_list, get_str

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from presence_tray.core.identity import AccountRef
    from presence_tray.platforms.http import PlatformHttp
    from presence_tray.platforms.teams.graph import GraphEndpoints

_log = logging.getLogger(__name__)

USERS_PAGE_SIZE: Final = 999
"""``$top`` of a ``/users`` page: the most Graph gives in one."""
USER_FIELDS: Final = "id,displayName,mail,userPrincipalName,accountEnabled"
MAX_USER_PAGES: Final = 1000
"""A directory longer than this many pages (a million people) is read no further."""
CHAT_LINK: Final = "https://teams.microsoft.com/l/chat/0/0?users="
"""Teams' documented deep link to a one-to-one chat, followed by the user principal name."""


async def read_my_id(http: PlatformHttp, endpoints: GraphEndpoints) -> str:
    """The signed-in user's object id (``GET /me``)."""
    endpoint = endpoints.me
    response = await http.request(endpoint, "GET", "/me", params={"$select": "id"})
    require_success(http, endpoint, response, permission=READ_ME_PERMISSION)
    my_id = get_str(http.read_json(endpoint, response), "id")
    if not my_id:
        msg = f"{PLATFORM_NAME} did not say who is signed in (no id on /me)."
        raise TransientError(msg)
    return my_id


async def contact_pages(
    http: PlatformHttp,
    endpoints: GraphEndpoints,
    account: AccountRef,
    *,
    my_id: str,
    base_url: str,
) -> AsyncGenerator[ContactPage, None]:
    """Every enabled user of the directory but me, one page (one call) at a time.

    A next-page link is followed only when it points into ``base_url``, so the access token
    never goes to another server.
    """
    endpoint = endpoints.users
    url: str | None = "/users"
    params: dict[str, str] | None = {"$select": USER_FIELDS, "$top": str(USERS_PAGE_SIZE)}
    for _ in range(MAX_USER_PAGES):
        if url is None:
            return
        response = await http.request(endpoint, "GET", url, params=params)
        require_success(http, endpoint, response, permission=READ_USERS_PERMISSION)
        page = http.read_json(endpoint, response)
        url, params = _next_page(page, base_url), None
        identities = [
            identity
            for user in get_list(page, "value") or ()
            if get_bool(user, "accountEnabled") is not False
            and (identity := identity_of(account, user)) is not None
            and identity.key.remote_id != my_id
        ]
        yield ContactPage(identities, last=url is None)
    _log.info("%s: directory longer than %d pages; read no further", account, MAX_USER_PAGES)


def identity_of(account: AccountRef, user: object) -> Identity | None:
    """One directory user as an identity; None without an object id."""
    user_id = get_str(user, "id")
    if not user_id:
        return None
    mail = get_str(user, "mail")
    principal = get_str(user, "userPrincipalName")
    handles = tuple(dict.fromkeys(handle for handle in (mail, principal) if handle))
    name = get_str(user, "displayName") or mail or principal or user_id
    return Identity(
        IdentityKey(Platform.TEAMS, account.account_id, user_id),
        name,
        handles=handles,
        chat_url=CHAT_LINK + quote(principal, safe="@") if principal else None,
    )


def _next_page(page: object, base_url: str) -> str | None:
    link = get_str(page, "@odata.nextLink")
    if link is None:
        return None
    if not link.startswith(base_url.rstrip("/") + "/"):
        msg = f"{PLATFORM_NAME} sent a next-page link to another server; it was not followed."
        raise PermanentError(msg)
    return link
