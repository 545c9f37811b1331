"""Slack presence, DND and custom status → core values."""

from __future__ import annotations

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.platforms.slack import LIMITATION
from presence_tray.platforms.slack.normalise import (
    SlackDndStatus,
    SlackPresence,
    SlackProfile,
    normalise_slack_presence,
)
from presence_tray.platforms.wire import UnknownValueLog
from tests.platforms.helpers import (
    HUGE,
    NOW,
    assert_unknown_logged_once,
    json_like,
    key,
    quiet_unknown_log,
)

ALICE = key(Platform.SLACK, "U024BE7LH")
HOUR = 3600


def others(presence: str) -> SlackPresence:
    """What ``users.getPresence`` says about someone else."""
    return {"ok": True, "presence": presence}


def mine(
    presence: str, *, online: bool = True, auto: bool = False, manual: bool = False
) -> SlackPresence:
    """What ``users.getPresence`` says about the signed-in user."""
    return {
        "ok": True,
        "presence": presence,
        "online": online,
        "auto_away": auto,
        "manual_away": manual,
        "connection_count": 1 if online else 0,
    }


def dnd_window(start: float, end: float, *, enabled: bool = True) -> SlackDndStatus:
    return {"dnd_enabled": enabled, "next_dnd_start_ts": int(start), "next_dnd_end_ts": int(end)}


def normalise(presence: object, **kwargs: object):
    return normalise_slack_presence(ALICE, presence, observed_at=NOW, **kwargs)  # type: ignore[arg-type]


# -- presence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("presence", "state", "note"),
    [("active", PresenceState.ONLINE, None), ("away", PresenceState.AWAY, LIMITATION)],
)
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.title])
def test_other_people_are_only_active_or_away(presence, state, note, spelling):
    value = normalise(others(spelling(presence)))
    assert (value.state, value.dnd, value.note) == (state, False, note)
    assert value.source is PresenceSource.POLL
    assert value.activity is None


@pytest.mark.parametrize(
    ("payload", "state"),
    [
        (mine("active"), PresenceState.ONLINE),
        (mine("away", auto=True), PresenceState.IDLE),
        (mine("away", manual=True), PresenceState.AWAY),
        (mine("away"), PresenceState.AWAY),
        (mine("away", online=False), PresenceState.OFFLINE),
        (mine("away", online=False, auto=True), PresenceState.OFFLINE),
    ],
)
def test_the_signed_in_user_has_finer_states(payload, state):
    value = normalise(payload)
    assert value.state is state
    assert value.note is None


# -- do not disturb ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("presence", "dnd", "state", "is_dnd"),
    [
        (others("active"), dnd_window(NOW - HOUR, NOW + HOUR), PresenceState.BUSY, True),
        (others("active"), dnd_window(NOW, NOW + HOUR), PresenceState.BUSY, True),
        (others("active"), dnd_window(NOW - HOUR, NOW), PresenceState.ONLINE, False),
        (others("active"), dnd_window(NOW + 1, NOW + HOUR), PresenceState.ONLINE, False),
        (
            others("active"),
            dnd_window(NOW - HOUR, NOW + HOUR, enabled=False),
            PresenceState.ONLINE,
            False,
        ),
        (mine("away", auto=True), dnd_window(NOW - HOUR, NOW + HOUR), PresenceState.BUSY, True),
        # Away people stay away: a nightly DND must not rank them above "away".
        (others("away"), dnd_window(NOW - HOUR, NOW + HOUR), PresenceState.AWAY, False),
        (mine("away", online=False), dnd_window(NOW - 1, NOW + 1), PresenceState.OFFLINE, False),
    ],
)
def test_dnd_window_at_observation_time(presence, dnd, state, is_dnd):
    value = normalise(presence, dnd=dnd)
    assert (value.state, value.dnd) == (state, is_dnd)


@pytest.mark.parametrize(
    ("snooze_end", "is_dnd"), [(NOW + 60, True), (None, True), (NOW, False), (NOW - 60, False)]
)
def test_own_snooze(snooze_end, is_dnd):
    dnd: SlackDndStatus = {
        **dnd_window(NOW + HOUR, NOW + 2 * HOUR),
        "snooze_enabled": True,
    }
    if snooze_end is not None:
        dnd["snooze_endtime"] = int(snooze_end)
    assert normalise(mine("active"), dnd=dnd).dnd is is_dnd


# -- custom status and huddles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiration", "until"), [(0, None), (None, None), (NOW + HOUR, NOW + HOUR)]
)
def test_custom_status(expiration, until):
    profile: SlackProfile = {"status_text": "Riding a train", "status_emoji": ":train:"}
    if expiration is not None:
        profile["status_expiration"] = int(expiration)
    value = normalise(others("active"), profile=profile)
    assert value.activity == Activity(
        ActivityKind.CUSTOM, text="Riding a train", emoji=":train:", until=until
    )


@pytest.mark.parametrize("expiration", [NOW, NOW - 1, NOW - HOUR])
def test_expired_custom_status_is_ignored(expiration):
    profile: SlackProfile = {"status_text": "Lunch", "status_expiration": int(expiration)}
    assert normalise(others("away"), profile=profile).activity is None


def test_empty_custom_status_is_no_activity():
    profile: SlackProfile = {"status_text": "", "status_emoji": "", "status_expiration": 0}
    assert normalise(others("active"), profile=profile).activity is None


@pytest.mark.parametrize(
    ("display_info", "emoji"),
    [
        ([{"emoji_name": "palm_tree", "unicode": "1f334"}], "🌴"),
        ([{"emoji_name": "spiral_calendar_pad", "unicode": "1f5d3-fe0f"}], "🗓️"),
        ([{"emoji_name": "custom-parrot", "display_url": "https://emoji.example/p.gif"}], ":x:"),
        ([], ":x:"),
        (None, ":x:"),
    ],
)
def test_status_emoji_is_a_character_where_slack_says_which(display_info, emoji):
    profile = {"status_text": "Away", "status_emoji": ":x:"}
    if display_info is not None:
        profile["status_emoji_display_info"] = display_info
    activity = normalise(others("away"), profile=profile).activity
    assert activity == Activity(ActivityKind.CUSTOM, text="Away", emoji=emoji)


@pytest.mark.parametrize("code_points", ["zz", "110000", "1f334-"])
def test_unreadable_emoji_code_points_fall_back_to_the_shortcode(code_points, expected_warnings):
    unknown = UnknownValueLog()
    profile = {"status_emoji": ":x:", "status_emoji_display_info": [{"unicode": code_points}]}
    for _ in range(2):
        activity = normalise(others("away"), profile=profile, unknown=unknown).activity
        assert activity == Activity(ActivityKind.CUSTOM, emoji=":x:")
    assert len(expected_warnings) == 1


@pytest.mark.parametrize("spelling", ["in_a_huddle", "IN_A_HUDDLE"])
def test_huddle_is_a_call_and_wins_over_custom_status(spelling):
    profile: SlackProfile = {
        "status_text": "Focus",
        "huddle_state": spelling,
        "huddle_state_expiration_ts": int(NOW + 600),
    }
    value = normalise(others("active"), profile=profile)
    assert value.activity == Activity(ActivityKind.IN_A_CALL, until=NOW + 600)
    assert value.state is PresenceState.ONLINE


@pytest.mark.parametrize("huddle_state", ["default_unset", ""])
def test_no_huddle_leaves_the_custom_status(huddle_state):
    profile: SlackProfile = {"status_text": "Focus", "huddle_state": huddle_state}
    activity = normalise(others("active"), profile=profile).activity
    assert activity == Activity(ActivityKind.CUSTOM, text="Focus")


def test_unknown_huddle_state_is_logged_once_and_ignored(expected_warnings):
    unknown = UnknownValueLog()
    profile = {"status_text": "Focus", "huddle_state": "in_a_townhall"}
    for _ in range(2):
        value = normalise(others("active"), profile=profile, unknown=unknown)
        assert value.activity == Activity(ActivityKind.CUSTOM, text="Focus")
    assert len(expected_warnings) == 1


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "active",
        7,
        {},
        {"ok": False, "error": "user_not_found"},
        {"presence": None},
        {"presence": True},
        {"presence": ["active"]},
        {"presence": "offline"},  # Slack never says this
        {"presence": "idle"},
        pytest.param({"presence": HUGE}, id="huge"),
    ],
)
def test_unreadable_presence_is_unknown_and_logged_once(payload, expected_warnings):
    assert_unknown_logged_once(normalise_slack_presence, Platform.SLACK, payload, expected_warnings)


@pytest.mark.parametrize(
    ("dnd", "profile"),
    [
        ([], []),
        ("on", "lunch"),
        (
            {"dnd_enabled": "yes", "next_dnd_start_ts": 0, "next_dnd_end_ts": 2e9},
            {"status_text": 5},
        ),
        ({"dnd_enabled": True, "next_dnd_start_ts": "0", "next_dnd_end_ts": None}, {}),
        ({"dnd_enabled": True}, {"status_expiration": "never", "status_text": "x"}),
    ],
)
def test_malformed_dnd_and_profile_leave_presence_alone(dnd, profile, expected_warnings):
    value = normalise(others("active"), dnd=dnd, profile=profile, unknown=UnknownValueLog())
    assert (value.state, value.dnd) == (PresenceState.ONLINE, False)
    assert value.activity in {None, Activity(ActivityKind.CUSTOM, text="x")}
    assert len(expected_warnings) <= 2


WORDS = ["active", "away", "in_a_huddle"]
KEYS = [
    "presence", "online", "auto_away", "manual_away", "dnd_enabled", "next_dnd_start_ts",
    "next_dnd_end_ts", "snooze_enabled", "snooze_endtime", "status_text", "status_emoji",
    "status_expiration", "huddle_state", "huddle_state_expiration_ts",
]  # fmt: skip


@given(json_like(KEYS, WORDS), json_like(KEYS, WORDS), json_like(KEYS, WORDS))
def test_never_raises(presence, dnd, profile):
    value = normalise_slack_presence(
        ALICE, presence, observed_at=NOW, dnd=dnd, profile=profile, unknown=quiet_unknown_log()
    )
    assert value.identity == ALICE
