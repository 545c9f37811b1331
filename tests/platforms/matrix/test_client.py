"""The Matrix client against a real Synapse: contacts, presence both ways, a revoked token."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from presence_tray.core.client import (
    AccountHealth,
    OwnStatus,
    OwnStatusSetter,
    PlatformClient,
)
from presence_tray.core.clock import SystemClock
from presence_tray.core.errors import AuthError
from presence_tray.core.identity import AccountRef, Identity, Platform
from presence_tray.core.own_status import OwnStatusOutcome
from presence_tray.core.preferences import Account
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.matrix import CAPABILITIES
from presence_tray.platforms.matrix.api import SIGNED_OUT
from presence_tray.platforms.matrix.client import MatrixClient, client_for
from tests.platforms.matrix.conftest import run_until, share_a_room, sign_up

if TYPE_CHECKING:
    import logging

    from tests.platforms.matrix.conftest import MatrixRig, MatrixUser
    from tests.servers.synapse_server import SynapseServer

pytestmark = pytest.mark.synapse


def _state(rig: MatrixRig, user: MatrixUser) -> PresenceState | None:
    aggregate = rig.aggregate(user)
    return None if aggregate is None else aggregate.state


def _text(rig: MatrixRig, user: MatrixUser) -> str | None:
    aggregate = rig.aggregate(user)
    if aggregate is None or aggregate.decided_by is None:
        return None
    activity = aggregate.decided_by.activity
    return None if activity is None else activity.text


async def test_the_client_speaks_the_protocols_the_supervisor_drives(rig: MatrixRig) -> None:
    assert isinstance(rig.client, PlatformClient)
    assert isinstance(rig.client, OwnStatusSetter)
    assert (rig.client.account, rig.client.capabilities) == (rig.account, CAPABILITIES)


async def test_people_in_my_rooms_become_contacts_without_me(rig: MatrixRig) -> None:
    await rig.start()

    localpart = rig.colleague.user_id[1:].split(":")[0]
    assert rig.hub.identity(rig.key(rig.colleague)) == Identity(
        rig.key(rig.colleague),
        localpart,  # Synapse's default display name
        (rig.colleague.user_id,),
        f"https://matrix.to/#/{rig.colleague.user_id}",
    )
    assert rig.hub.identity(rig.key(rig.me)) is None
    await run_until(lambda: rig.health() is AccountHealth.LIVE, what="live")


async def test_someone_joining_later_becomes_a_contact(rig: MatrixRig) -> None:
    await rig.start()
    newcomer = sign_up(rig.server, "newcomer")

    share_a_room(rig.me, newcomer)

    await run_until(lambda: rig.hub.identity(rig.key(newcomer)) is not None, what="newcomer")


async def test_someone_leaving_the_only_room_we_share_is_no_longer_a_contact(
    rig: MatrixRig,
) -> None:
    leaver = sign_up(rig.server, "leaver")
    room_id = share_a_room(rig.me, leaver)
    await rig.start()
    await run_until(lambda: rig.hub.identity(rig.key(leaver)) is not None, what="leaver listed")

    leaver.call("POST", f"/rooms/{quote(room_id)}/leave", {})

    await run_until(lambda: rig.hub.identity(rig.key(leaver)) is None, what="leaver removed")
    assert rig.hub.identity(rig.key(rig.colleague)) is not None


async def test_a_colleagues_presence_before_the_start_is_in_the_hub(rig: MatrixRig) -> None:
    rig.colleague.set_presence("unavailable", "Out for lunch")

    await rig.start()

    await run_until(lambda: _state(rig, rig.colleague) is PresenceState.IDLE, what="idle")
    assert _text(rig, rig.colleague) == "Out for lunch"


async def test_a_colleague_who_never_signed_on_is_offline_not_unknown(rig: MatrixRig) -> None:
    await rig.start()

    await run_until(lambda: _state(rig, rig.colleague) is PresenceState.OFFLINE, what="offline")


async def test_the_colleagues_presence_changes_reach_the_hub(rig: MatrixRig) -> None:
    await rig.start()
    await run_until(lambda: _state(rig, rig.colleague) is not None, what="first presence")

    rig.colleague.set_presence("online", "Reviewing")
    await run_until(lambda: _state(rig, rig.colleague) is PresenceState.ONLINE, what="online")
    assert _text(rig, rig.colleague) == "Reviewing"

    rig.colleague.set_presence("unavailable")
    await run_until(lambda: _state(rig, rig.colleague) is PresenceState.IDLE, what="idle")
    assert _text(rig, rig.colleague) is None


async def test_the_colleague_sees_me_online_while_the_client_syncs(rig: MatrixRig) -> None:
    await rig.start()

    await run_until(
        lambda: rig.colleague.presence_of(rig.me)["presence"] == "online", what="me online"
    )


async def test_my_status_set_from_the_app_is_what_the_colleague_sees(rig: MatrixRig) -> None:
    await rig.start()
    await run_until(lambda: rig.health() is AccountHealth.LIVE, what="live")

    results = await rig.supervisor.set_own_status(OwnStatus(PresenceState.AWAY, text="At lunch"))

    assert [result.outcome for result in results] == [OwnStatusOutcome.SET]
    mine = rig.colleague.presence_of(rig.me)
    assert (mine["presence"], mine["status_msg"]) == ("unavailable", "At lunch")
    await asyncio.sleep(1.5)  # long enough for a few syncs: they must not turn me online again
    assert rig.colleague.presence_of(rig.me)["presence"] == "unavailable"

    await rig.client.set_own_status(OwnStatus(PresenceState.ONLINE))
    mine = rig.colleague.presence_of(rig.me)
    assert (mine["presence"], mine.get("status_msg")) == ("online", None)

    await rig.client.set_own_status(OwnStatus(PresenceState.BUSY, dnd=True))
    mine = rig.colleague.presence_of(rig.me)
    assert (mine["presence"], mine["status_msg"]) == ("unavailable", "Do not disturb")

    await rig.client.set_own_status(OwnStatus(PresenceState.OFFLINE))
    assert rig.colleague.presence_of(rig.me)["presence"] == "offline"


async def test_a_signed_out_session_parks_the_account_as_needs_reconnect(
    rig: MatrixRig, expected_warnings: list[logging.LogRecord]
) -> None:
    await rig.start()
    await run_until(lambda: rig.health() is AccountHealth.LIVE, what="live")

    rig.me.call("POST", "/logout", {})

    await run_until(lambda: rig.health() is AccountHealth.NEEDS_RECONNECT, what="parked")
    status = rig.supervisor.status(rig.account)
    assert status is not None
    assert status.message == SIGNED_OUT
    assert rig.me.access_token not in status.message
    assert [record.getMessage() for record in expected_warnings] == [
        f"{rig.account}: sign-in refused, needs reconnecting: {SIGNED_OUT}"
    ]


async def test_setting_my_status_with_a_signed_out_session_is_an_auth_error(
    rig: MatrixRig,
) -> None:
    rig.me.call("POST", "/logout", {})

    with pytest.raises(AuthError, match="Connect the Matrix account again"):
        await rig.client.set_own_status(OwnStatus(PresenceState.ONLINE))


async def test_client_for_builds_the_client_from_a_saved_account(
    synapse: SynapseServer,
) -> None:
    me = sign_up(synapse, "saved")
    ref = AccountRef(Platform.MATRIX, me.user_id)
    account = Account(ref, me.user_id, settings={"homeserver": synapse.url, "user_id": me.user_id})
    secret = json.dumps({"access_token": me.access_token, "device_id": "DEVICE"})

    client = client_for(account, secret, clock=SystemClock())
    try:
        assert isinstance(client, MatrixClient)
        assert client.account == ref
        await client.set_own_status(OwnStatus(PresenceState.AWAY))
    finally:
        await client.aclose()
    assert me.presence_of(me)["presence"] == "unavailable"


async def test_client_for_calls_the_api_base_instead_of_the_saved_homeserver(
    synapse: SynapseServer,
) -> None:
    me = sign_up(synapse, "elsewhere")
    saved = {"homeserver": "https://matrix.invalid", "user_id": me.user_id}
    account = Account(AccountRef(Platform.MATRIX, me.user_id), me.user_id, settings=saved)
    secret = json.dumps({"access_token": me.access_token, "device_id": "DEVICE"})

    client = client_for(account, secret, clock=SystemClock(), api_base=synapse.url)
    try:
        await client.set_own_status(OwnStatus(PresenceState.ONLINE, text="Here"))
    finally:
        await client.aclose()

    assert me.presence_of(me)["status_msg"] == "Here"
