"""The XMPP client against the real Prosody: roster, presence per resource, my status, auth."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth, OwnStatus
from presence_tray.core.clock import SystemClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.own_status import OwnStatusOutcome
from presence_tray.core.preferences import Account
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.platforms.xmpp import LIMITATION
from presence_tray.platforms.xmpp.client import client_for
from tests.accounts.token_checks import assert_secret_hidden
from tests.platforms.xmpp.conftest import eventually
from tests.servers.fixtures import ALICE_PASSWORD

if TYPE_CHECKING:
    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.supervisor import AccountStatus
    from tests.platforms.xmpp.conftest import XmppRig
    from tests.servers.prosody_server import ProsodyServer

pytestmark = pytest.mark.prosody


def status_text(aggregate: AggregatedPresence) -> str | None:
    """The custom status text of the value that decided the aggregate."""
    decided = aggregate.decided_by
    return None if decided is None or decided.activity is None else decided.activity.text


async def test_the_roster_becomes_contacts_and_presence_changes_reach_the_hub(
    rig: XmppRig,
) -> None:
    desk = await rig.colleague_session("desk")
    rig.start()

    await eventually(
        "the account is live",
        lambda: (
            (status := rig.supervisor.status(rig.account)) is not None
            and status.health is AccountHealth.LIVE
        ),
    )
    await eventually(
        "the colleague is a contact",
        lambda: rig.hub.identity(rig.key_of(rig.colleague)) is not None,
    )
    identity = rig.hub.identity(rig.key_of(rig.colleague))
    assert identity is not None
    assert identity.handles == (rig.colleague,)
    assert identity.chat_url == f"xmpp:{rig.colleague}"
    assert rig.hub.identity(rig.key_of(rig.me)) is None  # I am not my own contact
    await rig.hub_shows(rig.colleague, "online", lambda a: a.state is PresenceState.ONLINE)

    desk.send(show="away", status="Out for lunch")
    await rig.hub_shows(
        rig.colleague,
        "away with the status text",
        lambda a: a.state is PresenceState.AWAY and status_text(a) == "Out for lunch",
    )

    desk.send(show="dnd", status="In a meeting")
    await rig.hub_shows(
        rig.colleague,
        "do not disturb",
        lambda a: a.state is PresenceState.BUSY and a.decided_by is not None and a.decided_by.dnd,
    )

    await desk.stop()
    await rig.hub_shows(rig.colleague, "offline", lambda a: a.state is PresenceState.OFFLINE)


async def test_a_contact_signed_out_at_connect_is_offline(rig: XmppRig) -> None:
    rig.start()

    await rig.hub_shows(rig.colleague, "offline", lambda a: a.state is PresenceState.OFFLINE)


async def test_a_roster_push_adds_a_contact(rig: XmppRig) -> None:
    rig.start()
    await rig.hub_shows(rig.colleague, "offline", lambda a: a.state is PresenceState.OFFLINE)
    carol = "carol@localhost"
    phone = await rig.my_session("phone")  # another client of mine edits my roster

    await phone.stream.update_roster(carol, name="Carol")

    await eventually("Carol is a contact", lambda: rig.hub.identity(rig.key_of(carol)) is not None)
    identity = rig.hub.identity(rig.key_of(carol))
    assert identity is not None
    assert identity.display_name == "Carol"
    await rig.hub_shows(
        carol,
        "unknown: Carol shares no presence with me",
        lambda a: a.state is PresenceState.UNKNOWN and [v.note for v in a.values] == [LIMITATION],
    )


async def test_a_roster_push_removing_a_contact_takes_them_out_of_the_hub(
    rig: XmppRig,
) -> None:
    removals: list[object] = []
    rig.hub.subscribe_removals(removals.extend)
    rig.start()
    await rig.hub_shows(rig.colleague, "offline", lambda a: a.state is PresenceState.OFFLINE)
    phone = await rig.my_session("phone")  # another client of mine edits my roster

    await phone.stream.del_roster_item(rig.colleague)

    await eventually(
        "the colleague is no longer a contact",
        lambda: rig.hub.identity(rig.key_of(rig.colleague)) is None,
    )
    assert [person.identities for person in rig.hub.people()] == []
    assert len(removals) == 1


async def test_resources_are_combined_by_priority(rig: XmppRig) -> None:
    desk = await rig.colleague_session("desk", show="dnd", priority=5)
    phone = await rig.colleague_session("phone", priority=1)
    rig.start()

    # The desk's priority is higher: its do-not-disturb speaks for the colleague, although
    # the phone is more available.
    await rig.hub_shows(rig.colleague, "the desk's dnd", lambda a: a.state is PresenceState.BUSY)

    phone.send(priority=10)
    await rig.hub_shows(rig.colleague, "the phone wins", lambda a: a.state is PresenceState.ONLINE)

    phone.send(show="xa", status="On holiday", priority=10)
    await rig.hub_shows(
        rig.colleague,
        "the phone's extended away",
        lambda a: a.state is PresenceState.AWAY and status_text(a) == "On holiday",
    )

    await phone.stop()
    await rig.hub_shows(rig.colleague, "the desk again", lambda a: a.state is PresenceState.BUSY)

    await desk.stop()
    await rig.hub_shows(rig.colleague, "offline", lambda a: a.state is PresenceState.OFFLINE)


async def test_my_status_set_through_the_supervisor_is_seen_by_the_colleague(
    rig: XmppRig,
) -> None:
    watcher = await rig.colleague_session("watcher")
    rig.start()
    await eventually(
        "the colleague sees me online",
        lambda: (p := watcher.last_from(rig.me)) is not None and p["type"] == "available",
    )
    online = watcher.last_from(rig.me)
    assert online is not None
    assert online["priority"] == -1  # the tray never takes messages meant for me

    results = await rig.supervisor.set_own_status(OwnStatus(PresenceState.AWAY, text="Back at two"))

    assert [result.outcome for result in results] == [OwnStatusOutcome.SET]
    await eventually(
        "the colleague sees me away",
        lambda: (
            (p := watcher.last_from(rig.me)) is not None
            and p["show"] == "away"
            and p["status"] == "Back at two"
        ),
    )

    assert rig.client is not None
    await rig.client.set_own_status(OwnStatus(PresenceState.ONLINE, dnd=True))
    await eventually(
        "the colleague sees me in do not disturb",
        lambda: (
            (p := watcher.last_from(rig.me)) is not None and p["show"] == "dnd" and not p["status"]
        ),
    )


async def test_appear_offline_is_refused_with_a_sentence(rig: XmppRig) -> None:
    rig.start()
    await eventually(
        "the account is live",
        lambda: (
            (status := rig.supervisor.status(rig.account)) is not None
            and status.health is AccountHealth.LIVE
        ),
    )

    results = await rig.supervisor.set_own_status(OwnStatus(PresenceState.OFFLINE))

    assert [result.outcome for result in results] == [OwnStatusOutcome.FAILED]
    assert "cannot make you appear offline" in results[0].message


async def test_a_wrong_password_parks_the_account_for_reconnecting(
    rig: XmppRig, expected_warnings: list[logging.LogRecord]
) -> None:
    wrong = "wrong-password-not-a-secret"
    rig.start(password=wrong)

    await eventually(
        "needs reconnect",
        lambda: (
            (status := rig.supervisor.status(rig.account)) is not None
            and status.health is AccountHealth.NEEDS_RECONNECT
        ),
    )
    status = rig.supervisor.status(rig.account)
    assert status is not None
    assert status.message == (
        f"The XMPP server at 127.0.0.1:{rig.server.port} did not accept the saved password for "
        f"{rig.me}. Connect the XMPP account again in Settings with the current password."
    )
    assert [record.getMessage() for record in expected_warnings] == [
        f"XMPP ({rig.me}): sign-in refused, needs reconnecting: {status.message}"
    ]
    assert wrong not in status.message


async def test_the_password_stays_out_of_the_logs(
    rig: XmppRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig.start()
    await rig.hub_shows(rig.colleague, "offline", lambda a: a.state is PresenceState.OFFLINE)

    assert "slixmpp" in caplog.text  # the stanza log was captured, and holds no secret:
    assert_secret_hidden(rig.my_password, None, caplog)
    plain = base64.b64encode(f"\0{rig.me.partition('@')[0]}\0{rig.my_password}".encode())
    assert_secret_hidden(plain.decode(), None, caplog)


async def test_an_untrusted_certificate_fails_for_good_with_a_sentence(
    prosody: ProsodyServer, expected_warnings: list[logging.LogRecord]
) -> None:
    # No SSL_CERT_FILE: the test server's self-signed certificate is not trusted.
    clock = SystemClock()
    supervisor = ClientSupervisor(PresenceHub(clock), clock)
    saved = Account(
        AccountRef(Platform.XMPP, "alice@localhost"),
        "alice@localhost",
        settings={"address": "alice@localhost", "host": prosody.host, "port": str(prosody.port)},
    )
    statuses: list[AccountStatus] = []
    supervisor.subscribe(statuses.append)
    supervisor.start(client_for(saved, ALICE_PASSWORD, clock=clock))
    try:
        await eventually(
            "failed", lambda: any(status.health is AccountHealth.FAILED for status in statuses)
        )
    finally:
        await supervisor.aclose()

    sentence = (
        f"The XMPP server at 127.0.0.1:{prosody.port} showed a certificate that is not valid "
        "for localhost, so Presence Tray did not send the password. Check the address (and the "
        "server and port, if you set them), or ask the server's admin."
    )
    failed = next(status for status in statuses if status.health is AccountHealth.FAILED)
    assert failed.message == f"XMPP stopped working: {sentence}"
    assert [record.getMessage() for record in expected_warnings] == [
        f"XMPP (alice@localhost): stopped for good: {sentence}"
    ]
