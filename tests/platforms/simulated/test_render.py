"""What each platform shows of the simulated world, read through the real normalisers."""

from __future__ import annotations

from collections import Counter

import pytest

from presence_tray.core.identity import Identity, Platform
from presence_tray.core.presence import ActivityKind, PresenceSource, PresenceState
from presence_tray.platforms.simulated.population import SimulatedPerson, build_population
from presence_tray.platforms.simulated.render import (
    observe,
    render_slack,
    render_teams,
    render_zoom,
)
from presence_tray.platforms.simulated.world import Doing, World
from presence_tray.platforms.slack import LIMITATION as SLACK_LIMITATION
from presence_tray.platforms.wire import UnknownValueLog
from presence_tray.platforms.zoom.normalise import STATUSES as ZOOM_STATUSES
from tests.platforms.helpers import quiet_unknown_log
from tests.platforms.simulated.helpers import WEDNESDAY_10_UTC

WORLD = World(7, build_population(7, 120))
TWO_DAYS = [WEDNESDAY_10_UTC + minutes * 60 for minutes in range(0, 2 * 24 * 60, 17)]


def identity_of(person: SimulatedPerson, platform: Platform) -> Identity:
    identity = person.identity(platform)
    assert identity is not None
    return identity


def values_on(platform, times=TWO_DAYS, unknown=None):
    """Every value ``platform`` reports for its people at ``times``."""
    unknown = quiet_unknown_log() if unknown is None else unknown
    return [
        observe(WORLD, person, identity_of(person, platform), at, unknown)
        for person in WORLD.people_on(platform)
        for at in times
    ]


@pytest.mark.parametrize("platform", list(Platform))
def test_every_platform_reports_its_people(platform):
    values = values_on(platform, times=[WEDNESDAY_10_UTC])
    assert values
    assert all(value.identity.platform is platform for value in values)
    assert all(value.observed_at == WEDNESDAY_10_UTC for value in values)


@pytest.mark.parametrize(
    ("platform", "states"),
    [
        (Platform.SLACK, {PresenceState.ONLINE, PresenceState.AWAY, PresenceState.BUSY}),
        (
            Platform.TEAMS,
            {
                PresenceState.ONLINE,
                PresenceState.IDLE,
                PresenceState.AWAY,
                PresenceState.BUSY,
                PresenceState.OFFLINE,
            },
        ),
        (
            Platform.ZOOM,
            {PresenceState.ONLINE, PresenceState.AWAY, PresenceState.BUSY, PresenceState.OFFLINE},
        ),
        (Platform.DISCORD, {PresenceState.ONLINE, PresenceState.IDLE, PresenceState.OFFLINE}),
        (Platform.MATRIX, {PresenceState.ONLINE, PresenceState.IDLE, PresenceState.OFFLINE}),
        (
            Platform.XMPP,
            {PresenceState.ONLINE, PresenceState.AWAY, PresenceState.BUSY, PresenceState.OFFLINE},
        ),
    ],
)
def test_presence_platforms_show_varied_states(platform, states):
    assert states <= {value.state for value in values_on(platform)}


def test_slack_never_says_idle_or_offline_about_others():
    values = values_on(Platform.SLACK)
    assert {value.state for value in values}.isdisjoint({PresenceState.IDLE, PresenceState.OFFLINE})
    assert all(
        value.note == SLACK_LIMITATION for value in values if value.state is PresenceState.AWAY
    )
    assert any(value.dnd for value in values)
    kinds = Counter(value.activity.kind for value in values if value.activity)
    assert kinds[ActivityKind.CUSTOM]
    assert kinds[ActivityKind.IN_A_CALL]


def test_slack_lunch_status_lingers_in_the_profile_but_is_ignored_once_expired():
    lingering = 0
    for person in WORLD.people_on(Platform.SLACK):
        for at in TWO_DAYS:
            situation = WORLD.situation(person, at)
            profile = render_slack(WORLD, person, situation, at).profile
            if situation.previous is Doing.LUNCH and profile.get("status_text") == "Lunch":
                lingering += 1
                value = observe(
                    WORLD, person, identity_of(person, Platform.SLACK), at, quiet_unknown_log()
                )
                assert value.activity is None
    assert lingering


def test_whatsapp_is_never_online_and_only_tells_of_messages():
    values = values_on(Platform.WHATSAPP)
    assert {value.state for value in values} == {PresenceState.UNKNOWN}
    sources = {value.source for value in values}
    assert sources == {PresenceSource.NONE, PresenceSource.LAST_INTERACTION}
    assert all(
        value.last_active_at <= value.observed_at for value in values if value.last_active_at
    )


def test_linkedin_is_always_unknown():
    values = values_on(Platform.LINKEDIN)
    assert {(value.state, value.source) for value in values} == {
        (PresenceState.UNKNOWN, PresenceSource.NONE)
    }
    assert {value.note for value in values} == {"LinkedIn does not share presence"}


def test_teams_uses_documented_pairs_except_focusing():
    pairs = set()
    for person in WORLD.people_on(Platform.TEAMS):
        for at in TWO_DAYS:
            graph = render_teams(person, WORLD.situation(person, at), "id", at)
            pairs.add((graph["availability"], graph["activity"]))
    assert ("Busy", "InAMeeting") in pairs
    assert ("DoNotDisturb", "Presenting") in pairs
    assert ("AvailableIdle", "Inactive") in pairs
    assert ("DoNotDisturb", "Focusing") in pairs


def test_teams_focusing_is_unknown_and_logged_once(expected_warnings):
    values = values_on(Platform.TEAMS, unknown=UnknownValueLog())
    assert any(value.dnd and value.activity is None for value in values)
    messages = [record.getMessage() for record in expected_warnings]
    assert messages == [
        "Teams sent an unexpected activity: 'focusing'; it is treated as unknown (logged once)"
    ]


def test_zoom_uses_both_spelling_families():
    statuses = {
        render_zoom(person, WORLD.situation(person, at))["status"]
        for person in WORLD.people_on(Platform.ZOOM)
        for at in TWO_DAYS
    }
    assert {
        "In_A_Zoom_Meeting",
        "In_A_Meeting",
        "On_A_Call",
        "In_A_Call",
        "Do_No_Disturb",
    } <= statuses
    assert {status.casefold() for status in statuses} <= set(ZOOM_STATUSES)


def test_zoom_dnd_carries_its_end_time():
    values = values_on(Platform.ZOOM)
    timed = [value for value in values if value.dnd and value.activity is not None]
    assert timed
    assert all(value.activity.until > value.observed_at for value in timed)


def test_discord_sometimes_sends_a_presence_without_status_logged_once(expected_warnings):
    every_minute = [WEDNESDAY_10_UTC + minutes * 60 for minutes in range(24 * 60)]
    values = values_on(Platform.DISCORD, times=every_minute, unknown=UnknownValueLog())
    unknown = [value for value in values if value.state is PresenceState.UNKNOWN]
    assert 0 < len(unknown) < len(values) / 100
    assert [record.getMessage() for record in expected_warnings] == [
        "Discord sent an unexpected status: <missing>; it is treated as unknown (logged once)"
    ]


def test_matrix_tells_when_people_were_last_active():
    values = values_on(Platform.MATRIX)
    offline = [value for value in values if value.state is PresenceState.OFFLINE]
    assert offline
    assert all(value.last_active_at <= value.observed_at for value in offline)
    assert any(value.last_active_at < value.observed_at - 3600 for value in offline)
