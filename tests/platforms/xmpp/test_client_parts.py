"""The XMPP client's parts that need no server: my presence, the contact book, stanzas."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from slixmpp import Presence

from presence_tray.core.client import OwnStatus
from presence_tray.core.clock import SystemClock
from presence_tray.core.errors import PermanentError
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.preferences import Account
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.xmpp import CAPABILITIES, LIMITATION
from presence_tray.platforms.xmpp.client import client_for
from presence_tray.platforms.xmpp.contacts import ContactBook, RosterItem
from presence_tray.platforms.xmpp.own_status import (
    APPEAR_OFFLINE_REFUSED,
    OwnPresence,
    own_presence,
)
from presence_tray.platforms.xmpp.stream import resource_presence
from tests.platforms.helpers import NOW

if TYPE_CHECKING:
    from presence_tray.platforms.xmpp.normalise import XmppPresence

ME = "me@example.org"
ERIN = "erin@example.org"
ACCOUNT = AccountRef(Platform.XMPP, ME)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (OwnStatus(PresenceState.ONLINE), OwnPresence()),
        (OwnStatus(PresenceState.ONLINE, text="  "), OwnPresence()),
        (OwnStatus(PresenceState.ONLINE, dnd=True), OwnPresence("dnd")),
        (OwnStatus(PresenceState.BUSY, text="Focus"), OwnPresence("dnd", "Focus")),
        (OwnStatus(PresenceState.AWAY, text="Lunch"), OwnPresence("away", "Lunch")),
        (OwnStatus(PresenceState.IDLE), OwnPresence("away")),
        (OwnStatus(PresenceState.AWAY, dnd=True), OwnPresence("dnd")),
    ],
)
def test_my_status_becomes_show_and_status(status: OwnStatus, expected: OwnPresence) -> None:
    assert own_presence(status) == expected


def test_appearing_offline_is_refused_with_the_reason() -> None:
    with pytest.raises(PermanentError) as caught:
        own_presence(OwnStatus(PresenceState.OFFLINE))

    assert str(caught.value) == APPEAR_OFFLINE_REFUSED


def test_unknown_is_not_a_status_to_set() -> None:
    with pytest.raises(PermanentError, match="no presence that means unknown"):
        own_presence(OwnStatus(PresenceState.UNKNOWN))


def available(resource: str, show: str | None = None, priority: int = 0) -> XmppPresence:
    return {"resource": resource, "show": show, "priority": priority, "received_at": NOW}


def signed_out(resource: str, status: str | None = None, at: float = NOW) -> XmppPresence:
    return {"resource": resource, "type": "unavailable", "status": status, "received_at": at}


def book_with(*items: RosterItem) -> ContactBook:
    book = ContactBook(ACCOUNT, ME)
    book.update(items)
    return book


def test_roster_updates_report_only_what_changed_and_never_me() -> None:
    book = ContactBook(ACCOUNT, ME)

    first = book.update([RosterItem(ERIN, "Erin", "both"), RosterItem(ME, "Me", "both")])
    again = book.update([RosterItem(ERIN, "Erin", "both")])
    renamed = book.update([RosterItem(ERIN, "Erin E.", "both")])

    assert first == [RosterItem(ERIN, "Erin", "both")]
    assert again == []
    assert renamed == [RosterItem(ERIN, "Erin E.", "both")]


def test_a_contact_is_an_identity_with_an_xmpp_link() -> None:
    book = ContactBook(ACCOUNT, ME)
    identity = book.identity(RosterItem(ERIN))

    assert identity.key == IdentityKey(Platform.XMPP, ME, ERIN)
    assert identity.display_name == ERIN  # no roster name: the address
    assert identity.handles == (ERIN,)
    assert identity.chat_url == f"xmpp:{ERIN}"


def test_a_removed_contact_forgets_its_resources_and_ignores_presence() -> None:
    book = book_with(RosterItem(ERIN, subscription="both"))
    assert book.record(ERIN, available("desk"))

    assert book.update([RosterItem(ERIN, subscription="remove")]) == []
    assert not book.record(ERIN, available("desk"))
    assert not book.record("stranger@example.org", available("x"))


def test_resources_are_combined_by_priority() -> None:
    book = book_with(RosterItem(ERIN, subscription="both"))
    book.record(ERIN, available("desk", "dnd", priority=5))
    book.record(ERIN, available("phone", priority=1))

    presence = book.presence_of(ERIN, observed_at=NOW)

    assert presence.state is PresenceState.BUSY
    assert presence.dnd


def test_only_the_latest_goodbye_is_kept() -> None:
    book = book_with(RosterItem(ERIN, subscription="both"))
    book.record(ERIN, signed_out("old", "bye", at=NOW - 10))
    book.record(ERIN, signed_out("new", "see you", at=NOW))

    presence = book.presence_of(ERIN, observed_at=NOW)

    assert presence.state is PresenceState.OFFLINE
    assert presence.activity is not None
    assert presence.activity.text == "see you"
    book.record(ERIN, available("new"))
    assert book.presence_of(ERIN, observed_at=NOW).state is PresenceState.ONLINE


def test_who_shares_presence_decides_unknown_or_offline() -> None:
    book = book_with(
        RosterItem(ERIN, subscription="both"),
        RosterItem("fay@example.org", subscription="to"),
        RosterItem("gus@example.org", subscription="from"),
        RosterItem("hal@example.org", subscription="none"),
    )
    book.record("fay@example.org", available("laptop"))

    # Before anything arrives: unknown, with the reason for those who do not share.
    not_sharing = book.presence_of("gus@example.org", observed_at=NOW)
    assert not_sharing.state is PresenceState.UNKNOWN
    assert not_sharing.note == LIMITATION
    # Sharing contacts who stayed silent after our initial presence are offline.
    assert book.silent() == [ERIN]
    assert book.signed_out(ERIN, observed_at=NOW).state is PresenceState.OFFLINE


def stanza(**fields: str) -> Presence:
    presence = Presence()
    presence["from"] = f"{ERIN}/desk"
    for name, value in fields.items():
        presence[name] = value
    return presence


def test_stanzas_become_what_the_normaliser_reads() -> None:
    assert resource_presence(
        stanza(show="xa", status="Holiday", priority="3"), received_at=NOW
    ) == {
        "resource": "desk",
        "show": "xa",
        "status": "Holiday",
        "priority": 3,
        "received_at": NOW,
    }
    assert resource_presence(stanza(type="unavailable"), received_at=NOW) == {
        "resource": "desk",
        "type": "unavailable",
        "show": None,
        "status": None,
        "priority": 0,
        "received_at": NOW,
    }


@pytest.mark.parametrize("kind", ["subscribe", "unsubscribed", "probe", "error"])
def test_stanzas_that_say_nothing_about_availability_are_skipped(kind: str) -> None:
    assert resource_presence(stanza(type=kind), received_at=NOW) is None


def test_a_saved_account_makes_a_client() -> None:
    saved = Account(ACCOUNT, ME, settings={"address": ME, "host": "xmpp.example.org", "port": "x"})

    client = client_for(saved, "password", clock=SystemClock())

    assert client.account == ACCOUNT
    assert client.capabilities == CAPABILITIES
