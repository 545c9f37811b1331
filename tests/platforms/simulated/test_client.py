"""One simulated account: the client protocol, push versus poll, drops, own status."""

from __future__ import annotations

import asyncio

import pytest

from presence_tray.core.client import OwnStatus, PlatformClient, PresenceMode
from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import PermanentError, TransientError
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.platforms import discord, linkedin, matrix, slack, teams, whatsapp, xmpp, zoom
from presence_tray.platforms.simulated.client import SimulatedAccountClient
from presence_tray.platforms.simulated.population import build_population
from presence_tray.platforms.simulated.world import World
from tests.platforms.helpers import quiet_unknown_log
from tests.platforms.simulated.helpers import (
    WEDNESDAY_10_UTC,
    RecordingSink,
    assert_no_task_left,
    run_for,
)

HOUR = 3600.0
PACKAGES = {
    Platform.DISCORD: discord,
    Platform.SLACK: slack,
    Platform.TEAMS: teams,
    Platform.ZOOM: zoom,
    Platform.WHATSAPP: whatsapp,
    Platform.LINKEDIN: linkedin,
    Platform.MATRIX: matrix,
    Platform.XMPP: xmpp,
}


def client(platform, clock, *, seed=7, size=40, drops=False):
    world = World(seed, build_population(seed, size))
    return SimulatedAccountClient(
        platform, world, clock, unknown=quiet_unknown_log(), drops_connection=drops
    )


@pytest.fixture
def clock():
    return ManualClock(WEDNESDAY_10_UTC)


@pytest.mark.parametrize(
    ("platform", "mode", "can_set"),
    [
        (Platform.DISCORD, PresenceMode.LIVE, False),
        (Platform.MATRIX, PresenceMode.LIVE, True),
        (Platform.XMPP, PresenceMode.LIVE, True),
        (Platform.SLACK, PresenceMode.POLLED, True),
        (Platform.TEAMS, PresenceMode.POLLED, True),
        (Platform.ZOOM, PresenceMode.POLLED, True),
        (Platform.WHATSAPP, PresenceMode.LAST_INTERACTION, False),
        (Platform.LINKEDIN, PresenceMode.NONE, False),
    ],
)
def test_capabilities_match_the_real_platform(platform, mode, can_set, clock):
    simulated = client(platform, clock)
    capabilities = simulated.capabilities
    assert isinstance(simulated, PlatformClient)
    assert simulated.account == AccountRef(platform, "simulated")
    assert capabilities is PACKAGES[platform].CAPABILITIES
    assert (capabilities.presence, capabilities.can_set_own_status) == (mode, can_set)
    assert capabilities.limitation == PACKAGES[platform].LIMITATION
    expected_interval = 60.0 if mode is PresenceMode.POLLED else None
    assert capabilities.poll_interval_seconds == expected_interval


async def test_lists_contacts_then_reports_live_then_publishes(clock):
    sink = RecordingSink()
    simulated = client(Platform.TEAMS, clock)
    await run_for(simulated, sink, clock, 60)
    assert sink.calls[:2] == ["add_contacts", "report_live"]
    assert set(sink.calls[2:]) == {"publish"}
    assert sink.contacts
    assert all(identity.key.account == simulated.account for identity in sink.contacts)
    assert {value.identity for value in sink.published} == {i.key for i in sink.contacts}
    assert_no_task_left()


@pytest.mark.parametrize("platform", [Platform.SLACK, Platform.TEAMS, Platform.ZOOM])
async def test_polled_platforms_publish_everyone_every_minute(platform, clock):
    sink = RecordingSink()
    await run_for(client(platform, clock), sink, clock, 5 * 60)
    per_identity: dict[IdentityKey, list[float]] = {}
    for value in sink.published:
        per_identity.setdefault(value.identity, []).append(value.observed_at)
    assert len(per_identity) == len(sink.contacts)
    for times in per_identity.values():
        assert times == [WEDNESDAY_10_UTC + 60 * n for n in range(5)]


@pytest.mark.parametrize(
    "platform", [Platform.DISCORD, Platform.MATRIX, Platform.XMPP, Platform.WHATSAPP]
)
async def test_push_platforms_publish_a_snapshot_then_only_changes(platform, clock):
    sink = RecordingSink()
    await run_for(client(platform, clock), sink, clock, 12 * HOUR)
    contacts = {identity.key for identity in sink.contacts}
    snapshot = sink.published[: len(contacts)]
    assert {value.identity for value in snapshot} == contacts
    later = sink.published[len(contacts) :]
    assert later, "nothing changed in twelve hours"
    assert len(later) < len(contacts) * 12 * 60 / 4
    last = {value.identity: value for value in snapshot}
    for value in later:
        before = last[value.identity]
        assert (before.state, before.dnd, before.activity, before.last_active_at) != (
            value.state,
            value.dnd,
            value.activity,
            value.last_active_at,
        )
        last[value.identity] = value


async def test_linkedin_publishes_its_unknown_once(clock):
    sink = RecordingSink()
    await run_for(client(Platform.LINKEDIN, clock), sink, clock, HOUR)
    assert len(sink.published) == len(sink.contacts)
    assert {value.state for value in sink.published} == {PresenceState.UNKNOWN}


@pytest.mark.parametrize("platform", [Platform.MATRIX, Platform.TEAMS])
async def test_same_seed_same_sequence(platform):
    runs = []
    for _ in range(2):
        clock = ManualClock(WEDNESDAY_10_UTC)
        sink = RecordingSink()
        await run_for(client(platform, clock), sink, clock, 3 * HOUR)
        runs.append(sink.published)
    assert runs[0] == runs[1]
    other_clock = ManualClock(WEDNESDAY_10_UTC)
    other = RecordingSink()
    await run_for(client(platform, other_clock, seed=8), other, other_clock, 3 * HOUR)
    assert other.published != runs[0]


async def test_a_dropping_connection_stays_down_for_minutes_then_recovers(clock):
    simulated = client(Platform.ZOOM, clock, drops=True)
    sink = RecordingSink()
    with pytest.raises(TransientError, match="dropped"):
        await asyncio.wait_for(simulated.run(sink), timeout=10)
    dropped_at = clock.now()
    assert WEDNESDAY_10_UTC + 45 * 60 <= dropped_at <= WEDNESDAY_10_UTC + 181 * 60
    with pytest.raises(TransientError, match="cannot be reached"):
        await simulated.run(RecordingSink())
    clock.advance(8 * 60)
    back = RecordingSink()
    await run_for(simulated, back, clock, 60)
    assert back.calls[:2] == ["add_contacts", "report_live"]
    assert_no_task_left()


async def test_own_status_is_kept_where_the_platform_allows_it(clock):
    status = OwnStatus(PresenceState.BUSY, dnd=True, text="Deep work")
    slack_client = client(Platform.SLACK, clock)
    await slack_client.set_own_status(status)
    assert slack_client.own_status == status
    with pytest.raises(PermanentError, match="Discord does not let apps set your status"):
        await client(Platform.DISCORD, clock).set_own_status(status)
