"""External contacts: people outside the user's organisation they added in Zoom Team Chat.

What Zoom documents (read 2026-11-27):

- ``GET /chat/users/me/contacts`` takes ``type``: "``company``: Contacts from the user's
  organization. ``external``: External contacts", company when left out; the same scope
  (``chat_contact:read``, granular ``team_chat:read:list_contacts``), the same Medium label and
  the same answer ``{contacts: [{id, email, first_name, last_name, member_id}],
  next_page_token, page_size}`` for both types (Zoom's OpenAPI as generated into its API
  clients, e.g. the PHP and Ruby ``ContactsApi`` ``getUserContacts``; zoom/rivet-javascript
  ``teamchat.d.ts`` ``ContactsListUsersContactsQueryParams`` types ``type`` as a plain string
  and ``ContactsListUsersContactsResponse`` as above).
- ``GET /chat/users/me/contacts/{identifier}``: "The user's contact Id or email address. The
  contact can be either a company contact or an external contact", and
  ``query_presence_status=true`` adds ``presence_status`` to "the contact" with no exception
  for external ones (same sources; scope ``chat_contact:read``, granular
  ``team_chat:read:contact``, Medium).
- Since 18 March 2023 "the IDs of external users are empty. Identifiers only have values if
  they are users under your account"; ``member_id`` was added, and "when the memberID is a path
  parameter, the member's contact details are returned" (developers.zoom.us changelog
  team-chat/march-20-2023, "Team Chat API and webhook privacy updates").
- A token without a scope an API needs is answered 400 ``{code: 4711, message: "Invalid access
  token, does not contain scopes:[...]"}`` (seen in public issue reports, e.g.
  JubaerHossain/zoom-laravel#15; Zoom's reference does not list it per API).

Not documented: whether an external contact who hides their status from other organisations
is answered without ``presence_status`` or refused, and whether an account's administrator can
switch the external listing off (404 or 403). So the client reads external contacts this way:

- listed after the company contacts, in the same re-read (one page per poll turn, on the same
  Medium budget: an external page costs what a company page costs), keyed by ``member_id``
  (``id`` only when Zoom sends no member id) under :data:`EXTERNAL_KEY_PREFIX`, so their
  identities can never be mistaken for a company contact's ``id``;
- polled like company contacts, by member id; an answer without a readable
  ``presence_status``, or a 4xx, is unknown with :data:`NOT_SHARED` — never offline;
- a refused external listing (400, 403, 404) keeps the external contacts last listed (a
  failure changes nothing) and the company contacts as read, and the account says why
  (:func:`listing_refused`) until a later listing succeeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from presence_tray.platforms.wire import get_str
from presence_tray.platforms.zoom.contacts import identity_of, zoom_reason

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.core.client import PresenceSink
    from presence_tray.core.identity import AccountRef, Identity, IdentityKey
    from presence_tray.core.presence import PlatformPresence

EXTERNAL_TYPE: Final = "external"
EXTERNAL_KEY_PREFIX: Final = "external:"
"""Starts the remote id of an external contact: Zoom's ids have no colon, so no company
contact's ``id`` can equal it."""
UNNAMED: Final = "External contact"
"""The name of an external contact Zoom sends without a name or an e-mail address."""
NOT_SHARED: Final = "Zoom does not share this external contact's status with you"
"""Why an external contact's presence is unknown."""
REFUSED_STATUSES: Final = frozenset({400, 403, 404})
"""Answers to the external listing that mean Zoom will not list them for this sign-in."""


def external_identity(account: AccountRef, contact: object) -> Identity | None:
    """One listed external contact as an identity of ``account``; None without any id."""
    member_id = get_str(contact, "member_id") or get_str(contact, "id")
    if not member_id:
        return None
    return identity_of(account, EXTERNAL_KEY_PREFIX + member_id, contact, unnamed=UNNAMED)


def is_external(key: IdentityKey) -> bool:
    """Whether ``key`` is an external contact's."""
    return key.remote_id.startswith(EXTERNAL_KEY_PREFIX)


def contact_identifier(key: IdentityKey) -> str:
    """What ``GET /chat/users/me/contacts/{identifier}`` takes for ``key``: a company
    contact's id, an external contact's member id."""
    return key.remote_id.removeprefix(EXTERNAL_KEY_PREFIX)


def listing_refused(status: int, body: object) -> str:
    """The sentence the account shows while Zoom refuses to list external contacts."""
    return (
        f"Zoom did not list your external contacts ({zoom_reason(status, body)}), so only "
        "your company contacts are shown. If it names a missing scope, reconnect Zoom and "
        "allow the app to read your contacts."
    )


class NoticeSink:
    """A sink that keeps a standing :attr:`notice` on the account: while it is set, the
    account reports degraded with it where it would report live (the poll loop reports live
    after every good batch, which would otherwise wipe the sentence at once)."""

    def __init__(self, sink: PresenceSink) -> None:
        """Pass everything on to ``sink``."""
        self._sink = sink
        self.notice: str | None = None
        """What the account cannot do at the moment, as a sentence; None when nothing."""

    def add_contacts(self, identities: Iterable[Identity]) -> None:
        """Pass on."""
        self._sink.add_contacts(identities)

    def replace_contacts(self, identities: Iterable[Identity]) -> None:
        """Pass on."""
        self._sink.replace_contacts(identities)

    def publish(self, presence: PlatformPresence) -> None:
        """Pass on."""
        self._sink.publish(presence)

    def report_live(self) -> None:
        """Live, or degraded with the standing notice."""
        if self.notice is None:
            self._sink.report_live()
        else:
            self._sink.report_degraded(self.notice)

    def report_degraded(self, reason: str) -> None:
        """Pass on."""
        self._sink.report_degraded(reason)
