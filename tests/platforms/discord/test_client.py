"""The Discord client against the fake Discord: lifecycle, contacts, presence, heartbeats."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth, OwnStatus, OwnStatusSetter, PlatformClient
from presence_tray.core.errors import PermanentError
from presence_tray.core.identity import Identity
from presence_tray.core.preferences import Account
from presence_tray.core.presence import ActivityKind, DevicePresence, PresenceState
from presence_tray.platforms.discord import CAPABILITIES
from presence_tray.platforms.discord.client import client_for
from tests.platforms.discord.conftest import (
    ACCOUNT,
    BOB,
    BOT_ID,
    CAROL,
    DAVE,
    FIRST_BEAT,
    GUILD,
    HEARTBEAT_SECONDS,
    TOKEN,
    key_of,
)
from tests.servers.discord_fake import API_PREFIX

if TYPE_CHECKING:
    import logging

    from tests.platforms.discord.conftest import DiscordRig


async def test_guild_members_become_contacts_and_their_presences_reach_the_hub(
    rig: DiscordRig,
) -> None:
    await rig.live()
    await rig.run_until(lambda: rig.state(DAVE) is not None, what="Dave's presence")

    assert rig.health() is AccountHealth.LIVE, rig.statuses
    listed = {key.remote_id for person in rig.hub.people() for key in person.identities}
    assert listed == {BOB, CAROL, DAVE}  # not the bot itself
    assert rig.hub.identity(key_of(BOB)) == Identity(
        key_of(BOB), "bob", ("@bob",), chat_url=f"https://discord.com/users/{BOB}"
    )
    assert (rig.state(BOB), rig.state(CAROL)) == (PresenceState.ONLINE, PresenceState.IDLE)
    assert rig.state(DAVE) is PresenceState.OFFLINE  # a small guild lists everyone not offline
    bob = rig.aggregate(BOB)
    assert bob is not None
    assert bob.decided_by is not None
    activity = bob.decided_by.activity
    assert activity is not None
    assert (activity.kind, activity.text, activity.emoji) == (
        ActivityKind.CUSTOM,
        "Deploying",
        "🚀",
    )


async def test_identify_asks_for_guilds_and_presences_with_the_bot_token(rig: DiscordRig) -> None:
    await rig.live()

    (identify,) = rig.gateway.identifies
    assert identify["token"] == TOKEN
    assert identify["intents"] == 257
    assert rig.gateway.connect_paths == ["/?v=10&encoding=json"]
    assert rig.rest.answered[:3] == ["/users/@me", "/gateway/bot", "/users/@me/guilds"]


async def test_presence_updates_are_merged_and_normalised(rig: DiscordRig) -> None:
    await rig.live()

    await rig.gateway.change_presence(GUILD, BOB, "dnd", user={"id": BOB, "global_name": "Bob B"})
    await rig.run_until(lambda: rig.state(BOB) is PresenceState.BUSY, what="Bob busy")
    bob = rig.aggregate(BOB)
    assert bob is not None
    assert bob.decided_by is not None
    assert bob.decided_by.dnd
    assert bob.decided_by.activity is None  # the custom status was cleared
    # A partial user object: the new display name is merged, the user name kept.
    assert rig.hub.identity(key_of(BOB)) == Identity(
        key_of(BOB), "Bob B", ("@bob",), chat_url=f"https://discord.com/users/{BOB}"
    )

    await rig.gateway.change_presence(GUILD, DAVE, "online", custom_status="Lunch")
    await rig.run_until(lambda: rig.state(DAVE) is PresenceState.ONLINE, what="Dave online")
    await rig.gateway.change_presence(GUILD, CAROL, "offline")
    await rig.run_until(lambda: rig.state(CAROL) is PresenceState.OFFLINE, what="Carol offline")


async def test_each_device_a_person_uses_is_kept_as_detail(rig: DiscordRig) -> None:
    await rig.live()
    await rig.run_until(lambda: rig.state(CAROL) is not None, what="Carol's presence")
    carol = rig.aggregate(CAROL)
    assert carol is not None
    assert carol.decided_by is not None
    assert carol.decided_by.devices == (DevicePresence("mobile", PresenceState.IDLE),)

    both = {"desktop": "online", "mobile": "idle"}
    await rig.gateway.change_presence(GUILD, CAROL, "online", client_status=both)
    await rig.run_until(lambda: rig.state(CAROL) is PresenceState.ONLINE, what="Carol online")
    carol = rig.aggregate(CAROL)
    assert carol is not None
    assert carol.decided_by is not None
    assert [device.device for device in carol.decided_by.devices] == ["desktop", "mobile"]


async def test_heartbeats_start_after_the_jitter_and_carry_the_last_sequence(
    rig: DiscordRig,
) -> None:
    await rig.live()
    rig.clock.advance(FIRST_BEAT - 0.01)
    await rig.settle()
    assert rig.gateway.heartbeats == []

    rig.clock.advance(0.01)
    await rig.run_until(lambda: len(rig.gateway.heartbeats) == 1, what="first heartbeat")
    seq = await rig.gateway.change_presence(GUILD, BOB, "idle")
    await rig.run_until(lambda: rig.state(BOB) is PresenceState.IDLE, what="Bob idle")
    rig.clock.advance(HEARTBEAT_SECONDS)
    await rig.run_until(lambda: len(rig.gateway.heartbeats) == 2, what="second heartbeat")

    assert rig.gateway.heartbeats == [seq - 1, seq]  # READY, GUILD_CREATE, then the update
    assert len(rig.gateway.identifies) == 1
    assert rig.gateway.resumes == []  # every beat acknowledged: no zombie, no resume


async def test_without_the_members_intent_contacts_come_from_the_gateway(rig: DiscordRig) -> None:
    rig.rest.members_intent_enabled = False
    await rig.live()

    listed = {key.remote_id for person in rig.hub.people() for key in person.identities}
    assert listed == {BOB, CAROL, DAVE}
    assert rig.health() is AccountHealth.LIVE


async def test_my_own_status_cannot_be_set_and_the_client_says_so(rig: DiscordRig) -> None:
    assert isinstance(rig.client, PlatformClient)
    assert isinstance(rig.client, OwnStatusSetter)
    assert (rig.client.account, rig.client.capabilities) == (ACCOUNT, CAPABILITIES)
    assert not CAPABILITIES.can_set_own_status

    with pytest.raises(PermanentError, match=r"^Discord: a user's status cannot be set by an app"):
        await rig.client.set_own_status(OwnStatus(PresenceState.BUSY))


async def test_client_for_builds_the_client_of_a_saved_account(rig: DiscordRig) -> None:
    account = Account(ACCOUNT, "PresenceBot (Discord bot)", settings={"bot_name": "PresenceBot"})
    client = client_for(account, TOKEN, clock=rig.clock, api_base=rig.server.url + API_PREFIX)
    try:
        assert client.account == ACCOUNT
        rig.client = client
        await rig.live()
        assert rig.gateway.identifies[0]["token"] == TOKEN
    finally:
        await client.aclose()


async def test_stopping_the_client_closes_the_gateway_normally(rig: DiscordRig) -> None:
    await rig.live()

    await rig.supervisor.stop(ACCOUNT)
    await rig.run_until(lambda: not rig.gateway.connected, what="gateway closed")

    assert rig.gateway.close_codes == [1000]
    assert rig.health() is AccountHealth.STOPPED
    assert BOT_ID not in {k.remote_id for p in rig.hub.people() for k in p.identities}


async def test_a_heartbeat_the_gateway_asks_for_is_sent_at_once(rig: DiscordRig) -> None:
    await rig.live()

    await rig.gateway.request_heartbeat()
    await rig.run_until(lambda: len(rig.gateway.heartbeats) == 1, what="heartbeat on request")

    assert rig.gateway.heartbeats == [rig.gateway.sequence]


async def test_bad_input_from_the_gateway_is_skipped_and_said_once(
    rig: DiscordRig, expected_warnings: list[logging.LogRecord]
) -> None:
    await rig.live()

    await rig.gateway.send_raw("not json {")
    await rig.gateway.send_raw('{"op": 99, "d": null}')
    await rig.gateway.send_raw('{"op": 0, "t": "PRESENCE_UPDATE", "s": "x", "d": [1, 2]}')
    await rig.gateway.send_raw('{"op": 0, "t": "PRESENCE_UPDATE", "s": null, "d": {"user": 5}}')
    await rig.gateway.change_presence(GUILD, BOB, "sleeping")  # not a Discord status
    await rig.run_until(lambda: rig.state(BOB) is PresenceState.UNKNOWN, what="Bob unknown")
    await rig.gateway.change_presence(GUILD, BOB, "dnd")
    await rig.run_until(lambda: rig.state(BOB) is PresenceState.BUSY, what="Bob busy")

    assert rig.health() is AccountHealth.LIVE
    assert rig.gateway.resumes == []
    messages = [record.getMessage() for record in expected_warnings]
    assert len(messages) == 2, messages
    assert "not JSON" in messages[0]
    assert messages[1].startswith("Discord sent an unexpected")


async def test_in_a_large_guild_a_member_without_a_presence_stays_unknown(
    rig: DiscordRig,
) -> None:
    rig.gateway.guilds[GUILD].large = True  # GUILD_CREATE lists only members not offline
    rig.start()
    await rig.run_until(lambda: rig.state(CAROL) is PresenceState.IDLE, what="Carol idle")
    await rig.settle()

    assert rig.state(BOB) is PresenceState.ONLINE
    assert rig.state(DAVE) is PresenceState.UNKNOWN  # a contact from REST; Discord did not say
    assert rig.hub.identity(key_of(DAVE)) is not None
