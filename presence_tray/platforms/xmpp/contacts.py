"""One connection's view of the roster and of each contact's resources (RFC 6121).

Pure state, no slixmpp: the client feeds it roster items and presence stanzas (already read
into :class:`~presence_tray.platforms.xmpp.normalise.XmppPresence` dicts) and asks it for
identities and normalised presence. A contact's resources are combined by
:func:`~presence_tray.platforms.xmpp.normalise.normalise_xmpp_contact` (highest priority wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.xmpp.normalise import (
    UNAVAILABLE,
    XmppPresence,
    normalise_xmpp_contact,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from presence_tray.core.identity import AccountRef
    from presence_tray.core.presence import PlatformPresence

SHARING_SUBSCRIPTIONS: Final = frozenset({"to", "both"})
"""Roster subscriptions under which the contact's server sends us their presence."""
REMOVED: Final = "remove"
"""The subscription of a roster push that takes the contact off the roster."""
SIGNED_OUT: Final[XmppPresence] = {"resource": "", "type": UNAVAILABLE}
"""What a sharing contact who sent no presence after our initial presence amounts to."""


@dataclass(frozen=True, slots=True)
class RosterItem:
    """One roster entry: the contact's bare address, the name I gave them, the subscription."""

    jid: str
    name: str = ""
    subscription: str = "none"

    @property
    def shares_presence(self) -> bool:
        """Whether the server sends us this contact's presence (subscription to or both)."""
        return self.subscription in SHARING_SUBSCRIPTIONS


class ContactBook:
    """The roster and every resource's last presence, for one connection of one account."""

    def __init__(self, account: AccountRef, me: str) -> None:
        """An empty book for ``account``, signed in as the bare address ``me``."""
        self._account = account
        self._me = me
        self._items: dict[str, RosterItem] = {}
        self._resources: dict[str, dict[str, XmppPresence]] = {}

    def update(self, items: Iterable[RosterItem]) -> list[RosterItem]:
        """Apply a roster result or push; return the items that are new or changed.

        Items with subscription ``remove`` leave the roster (and are not returned); my own
        address is never a contact. A contact who stops sharing presence loses what they
        shared before.
        """
        changed: list[RosterItem] = []
        for item in items:
            if item.jid == self._me:
                continue
            if item.subscription == REMOVED or not item.shares_presence:
                self._resources.pop(item.jid, None)
            if item.subscription == REMOVED:
                self._items.pop(item.jid, None)
            elif self._items.get(item.jid) != item:
                self._items[item.jid] = item
                changed.append(item)
        return changed

    def identities(self) -> list[Identity]:
        """Every contact on the roster now, as identities."""
        return [self.identity(item) for item in self._items.values()]

    def key_of(self, jid: str) -> IdentityKey:
        """The identity key of the contact at the bare address ``jid``."""
        return IdentityKey(Platform.XMPP, self._account.account_id, jid)

    def identity(self, item: RosterItem) -> Identity:
        """The contact as an identity: the roster name (else the address), the address as a
        handle, and an ``xmpp:`` link to chat."""
        return Identity(
            self.key_of(item.jid),
            item.name or item.jid,
            handles=(item.jid,),
            chat_url=f"xmpp:{item.jid}",
        )

    def record(self, jid: str, stanza: XmppPresence) -> bool:
        """Keep one resource's presence; False (ignored) when ``jid`` is not on the roster.

        Only the latest unavailable resource is kept (its status is the goodbye), so
        resources that come and go over days do not pile up.
        """
        if jid not in self._items:
            return False
        resources = self._resources.setdefault(jid, {})
        if stanza.get("type") == UNAVAILABLE:
            for resource, kept in list(resources.items()):
                if kept.get("type") == UNAVAILABLE:
                    del resources[resource]
        resources[stanza["resource"]] = stanza
        return True

    def presence_of(self, jid: str, *, observed_at: float) -> PlatformPresence:
        """The contact's presence now, their resources combined by priority.

        A contact who shares no presence with us is unknown (with the reason as the note);
        one who shares it but has sent nothing yet is unknown until :meth:`silent` says so.
        """
        resources = list(self._resources.get(jid, {}).values())
        return normalise_xmpp_contact(self.key_of(jid), resources, observed_at=observed_at)

    def silent(self) -> list[str]:
        """Contacts who share presence with us but have sent none on this connection."""
        return [
            jid
            for jid, item in self._items.items()
            if item.shares_presence and not self._resources.get(jid)
        ]

    def signed_out(self, jid: str, *, observed_at: float) -> PlatformPresence:
        """A silent sharing contact as offline: the server sends the presence of every
        available resource of theirs after our initial presence, and sent none."""
        return normalise_xmpp_contact(self.key_of(jid), [SIGNED_OUT], observed_at=observed_at)
