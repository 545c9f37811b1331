"""Discord presence objects → core values."""

from __future__ import annotations

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import (
    Activity,
    ActivityKind,
    DevicePresence,
    PresenceSource,
    PresenceState,
)
from presence_tray.platforms.discord.normalise import (
    CUSTOM_STATUS_TYPE,
    MAX_DEVICES,
    DiscordActivity,
    DiscordPresence,
    normalise_discord_presence,
)
from presence_tray.platforms.wire import MAX_TEXT_CHARS, UnknownValueLog
from tests.platforms.helpers import (
    HUGE,
    NOW,
    assert_unknown_logged_once,
    json_like,
    key,
    quiet_unknown_log,
)

ME = key(Platform.DISCORD, "80351110224678912")


def presence(status: str, activities: list[DiscordActivity] | None = None) -> DiscordPresence:
    return {
        "user": {"id": ME.remote_id},
        "guild_id": "1",
        "status": status,
        "activities": activities or [],
        "client_status": {"desktop": status},
    }


def custom(state: str | None, emoji: str | None = None) -> DiscordActivity:
    activity: DiscordActivity = {
        "name": "Custom Status",
        "type": CUSTOM_STATUS_TYPE,
        "state": state,
    }
    if emoji is not None:
        activity["emoji"] = {"name": emoji}
    return activity


@pytest.mark.parametrize(
    ("status", "state", "dnd"),
    [
        ("online", PresenceState.ONLINE, False),
        ("idle", PresenceState.IDLE, False),
        ("dnd", PresenceState.BUSY, True),
        ("offline", PresenceState.OFFLINE, False),
        ("invisible", PresenceState.OFFLINE, False),
    ],
)
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.title])
def test_every_status(status, state, dnd, spelling):
    value = normalise_discord_presence(ME, presence(spelling(status)), observed_at=NOW)
    assert (value.state, value.dnd) == (state, dnd)
    assert value.source is PresenceSource.PUSH
    assert value.identity == ME
    assert value.observed_at == NOW
    assert value.activity is None


def test_each_device_in_client_status_is_detail_beside_discords_own_status():
    payload = presence("dnd") | {"client_status": {"desktop": "idle", "mobile": "dnd"}}
    value = normalise_discord_presence(ME, payload, observed_at=NOW)
    assert (value.state, value.dnd) == (PresenceState.BUSY, True)  # Discord's status decides
    assert value.devices == (
        DevicePresence("desktop", PresenceState.IDLE),
        DevicePresence("mobile", PresenceState.BUSY, dnd=True),
    )


def test_a_device_said_to_be_offline_says_nothing_and_is_left_out():
    # Discord names only the devices someone is signed in on; an offline one tells nothing.
    payload = presence("idle") | {"client_status": {"desktop": "offline", "mobile": "idle"}}
    value = normalise_discord_presence(ME, payload, observed_at=NOW)
    assert value.devices == (DevicePresence("mobile", PresenceState.IDLE),)


@pytest.mark.parametrize(
    "client_status",
    [None, {}, "desktop", ["online"]],
    ids=["absent", "empty", "a string", "a list"],
)
def test_no_readable_client_status_means_no_devices(client_status):
    payload = {"user": {"id": ME.remote_id}, "status": "online", "client_status": client_status}
    value = normalise_discord_presence(ME, payload, observed_at=NOW, unknown=quiet_unknown_log())
    assert value.state is PresenceState.ONLINE
    assert value.devices == ()


def test_an_unknown_device_state_is_left_out_and_reported_once(expected_warnings):
    unknown = UnknownValueLog()
    payload = presence("online") | {"client_status": {"desktop": "online", "web": "busy?"}}
    for _ in range(2):
        value = normalise_discord_presence(ME, payload, observed_at=NOW, unknown=unknown)
        assert value.devices == (DevicePresence("desktop", PresenceState.ONLINE),)
    (warning,) = expected_warnings
    assert "busy?" in warning.getMessage()


def test_a_new_device_name_is_kept_and_a_flood_of_them_is_capped():
    flood = {f"device{n}": "online" for n in range(100)}
    payload = presence("online") | {"client_status": {"embedded": "idle"} | flood}
    devices = normalise_discord_presence(ME, payload, observed_at=NOW).devices
    assert devices[0] == DevicePresence("embedded", PresenceState.IDLE)
    assert len(devices) == MAX_DEVICES


def test_partial_presence_with_only_user_and_status():
    payload = {"user": {"id": ME.remote_id}, "status": "idle"}
    assert normalise_discord_presence(ME, payload, observed_at=NOW).state is PresenceState.IDLE


def test_custom_status_is_the_activity():
    value = normalise_discord_presence(
        ME, presence("online", [custom("Shipping it", "🚀")]), observed_at=NOW
    )
    assert value.activity == Activity(ActivityKind.CUSTOM, text="Shipping it", emoji="🚀")


def test_custom_status_with_emoji_only():
    value = normalise_discord_presence(ME, presence("dnd", [custom(None, "🎧")]), observed_at=NOW)
    assert value.activity == Activity(ActivityKind.CUSTOM, emoji="🎧")


def test_empty_custom_status_is_no_activity():
    value = normalise_discord_presence(ME, presence("online", [custom("  ")]), observed_at=NOW)
    assert value.activity is None


@pytest.mark.parametrize("activity_type", [0, 1, 2, 3, 5])
def test_games_music_and_streams_are_not_activities(activity_type):
    game: DiscordActivity = {"name": "Factorio", "type": activity_type, "state": "Building"}
    value = normalise_discord_presence(ME, presence("online", [game]), observed_at=NOW)
    assert value.activity is None
    assert value.state is PresenceState.ONLINE


def test_custom_status_found_among_other_activities():
    game: DiscordActivity = {"name": "Factorio", "type": 0}
    value = normalise_discord_presence(
        ME, presence("online", [game, custom("brb")]), observed_at=NOW
    )
    assert value.activity == Activity(ActivityKind.CUSTOM, text="brb")


def test_huge_custom_status_is_clipped():
    value = normalise_discord_presence(ME, presence("online", [custom(HUGE)]), observed_at=NOW)
    assert value.activity is not None
    assert value.activity.text is not None
    assert len(value.activity.text) == MAX_TEXT_CHARS


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "online",
        42,
        {},
        {"user": {"id": "1"}},
        {"status": None},
        {"status": 1},
        {"status": ["online"]},
        {"status": {"online": True}},
        {"status": "streaming"},
        {"status": ""},
        pytest.param({"status": HUGE}, id="huge-status"),
    ],
)
def test_unreadable_status_is_unknown_and_logged_once(payload, expected_warnings):
    assert_unknown_logged_once(
        normalise_discord_presence, Platform.DISCORD, payload, expected_warnings
    )


@pytest.mark.parametrize(
    ("activities", "warnings"),
    [
        ("custom", 1),  # not a list
        ([None, 4, "x"], 0),  # not activities: skipped
        ([{"type": "4", "state": "type is a string"}], 0),  # not a custom status
        ([{"type": CUSTOM_STATUS_TYPE, "state": 5, "emoji": "🚀"}], 1),  # state not a string
    ],
)
def test_malformed_activities_leave_the_status_alone(activities, warnings, expected_warnings):
    payload = {"status": "online", "activities": activities}
    value = normalise_discord_presence(ME, payload, observed_at=NOW, unknown=UnknownValueLog())
    assert value.state is PresenceState.ONLINE
    assert value.activity is None
    assert len(expected_warnings) == warnings


@given(json_like(["status", "activities", "type", "state", "emoji", "name"], ["online", "dnd"]))
def test_never_raises(payload):
    value = normalise_discord_presence(ME, payload, observed_at=NOW, unknown=quiet_unknown_log())
    assert value.identity == ME
