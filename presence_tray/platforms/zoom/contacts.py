"""Who the Zoom user is and who their company contacts are, read from Zoom's answers.

``GET /users/me`` names the user; ``GET /chat/users/me/contacts?type=company`` lists the
people of their organisation in pages of at most 50 (``next_page_token``, empty on the last
page), each ``{id, email, first_name, last_name, member_id}`` without presence
(zoom/rivet-javascript teamchat.d.ts). A contact's id keys its identity; its e-mail address is
its handle, for linking it to the same person elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import TransientError
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.wire import clip_text, get_int, get_str

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef

CONTACT_TYPE = "company"
PAGE_SIZE = 50
"""The most contacts Zoom sends in one page."""


@dataclass(frozen=True, slots=True)
class Me:
    """The signed-in Zoom user."""

    user_id: str
    email: str | None

    @classmethod
    def read(cls, body: object) -> Me:
        """``GET /users/me``'s answer; TransientError when it names nobody."""
        user_id = get_str(body, "id")
        if not user_id:
            msg = "Zoom sent an answer about your user without an id."
            raise TransientError(msg)
        return cls(user_id, get_str(body, "email"))

    def is_me(self, identity: Identity) -> bool:
        """Whether ``identity`` is this user (same id, or same e-mail address)."""
        if identity.key.remote_id == self.user_id:
            return True
        email = self.email.casefold() if self.email else None
        return email is not None and any(h.casefold() == email for h in identity.handles)


def contact_identity(account: AccountRef, contact: object) -> Identity | None:
    """One listed company contact as an identity of ``account``; None without an id."""
    contact_id = get_str(contact, "id")
    if not contact_id:
        return None
    return identity_of(account, contact_id, contact, unnamed=contact_id)


def identity_of(account: AccountRef, remote_id: str, contact: object, *, unnamed: str) -> Identity:
    """``contact`` as the identity ``remote_id`` of ``account``: its first and last name (its
    e-mail address, else ``unnamed``, without them), its e-mail address as its handle."""
    email = get_str(contact, "email") or None
    names = (get_str(contact, "first_name"), get_str(contact, "last_name"))
    display_name = " ".join(name for name in names if name) or email or unnamed
    return Identity(
        IdentityKey(Platform.ZOOM, account.account_id, remote_id),
        display_name,
        handles=(email,) if email else (),
    )


def zoom_reason(status: int, body: object) -> str:
    """Zoom's reason for refusing a call, from its error body: "message; HTTP n, code c"."""
    message = (clip_text(get_str(body, "message")) or "no reason given").rstrip(".")
    return f"{message}; HTTP {status}, code {get_int(body, 'code')}"
