"""Words: states, ages, summaries and explanations."""

from __future__ import annotations

import pytest

from presence_tray.core.aggregation import AggregationPolicy, aggregate
from presence_tray.core.describe import (
    activity_words,
    explanation,
    format_age,
    state_words,
    summary,
    value_words,
)
from presence_tray.core.identity import Platform
from presence_tray.core.presence import (
    Activity,
    ActivityKind,
    DevicePresence,
    PresenceSource,
    PresenceState,
)
from tests.core.helpers import NOW, key, value

SLACK = key(Platform.SLACK, "U1")
TEAMS = key(Platform.TEAMS, "T1")
WHATSAPP = key(Platform.WHATSAPP, "+15550100")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 min ago"),
        (3599, "59 min ago"),
        (7200, "2 h ago"),
        (47 * 3600, "47 h ago"),
        (3 * 86400, "3 days ago"),
    ],
)
def test_format_age(seconds: float, words: str) -> None:
    assert format_age(seconds) == words


def test_unknown_is_never_called_offline() -> None:
    assert state_words(PresenceState.UNKNOWN) == "Unknown"
    assert state_words(PresenceState.BUSY, dnd=True) == "Do not disturb"
    assert {state_words(s) for s in PresenceState} == {
        "Available",
        "Idle",
        "Busy",
        "Away",
        "Offline",
        "Unknown",
    }


def test_activity_words() -> None:
    assert activity_words(None) == ""
    assert activity_words(Activity(ActivityKind.IN_A_MEETING)) == "In a meeting"
    assert activity_words(Activity(ActivityKind.OUT_OF_OFFICE, text="back Monday")) == (
        "Out of office: back Monday"
    )
    assert activity_words(Activity(ActivityKind.CUSTOM, text="Lunch", emoji="🥪")) == "🥪 Lunch"


def test_value_words_show_platform_limits_and_age() -> None:
    note = "WhatsApp does not share presence"
    whatsapp = value(WHATSAPP, PresenceState.UNKNOWN, source=PresenceSource.NONE, note=note)
    assert value_words(whatsapp, stale=False, now=NOW) == note
    slack = value(SLACK, PresenceState.AWAY, NOW - 600, note="Slack shows only active/away")
    assert value_words(slack, stale=True, now=NOW) == (
        "Slack: Away (Slack shows only active/away) · 10 min ago"
    )
    teams = value(TEAMS, PresenceState.BUSY, activity=Activity(ActivityKind.IN_A_MEETING))
    assert value_words(teams, stale=False, now=NOW) == "Teams: Busy · In a meeting"


def test_value_words_name_each_device_the_platform_tells_apart() -> None:
    devices = (
        DevicePresence("desktop", PresenceState.IDLE),
        DevicePresence("mobile", PresenceState.BUSY, dnd=True),
    )
    discord = value(key(Platform.DISCORD, "D1"), PresenceState.BUSY, dnd=True)._replace(
        devices=devices
    )
    assert value_words(discord, stale=False, now=NOW) == (
        "Discord: Do not disturb · desktop: idle, mobile: do not disturb"
    )


def test_summary_of_offline_person_says_last_seen() -> None:
    result = aggregate(
        "p",
        [value(SLACK, PresenceState.OFFLINE)],
        policy=AggregationPolicy.MOST_AVAILABLE,
        last_seen_at=NOW - 7200,
    )
    assert summary(result, now=NOW) == "Offline · last seen 2 h ago · Slack"


def test_summary_of_stale_value_gives_its_age() -> None:
    meeting = Activity(ActivityKind.IN_A_MEETING)
    result = aggregate(
        "p",
        [value(TEAMS, PresenceState.BUSY, NOW - 900, activity=meeting)],
        policy=AggregationPolicy.MOST_AVAILABLE,
        stale=frozenset({TEAMS}),
    )
    assert summary(result, now=NOW) == "Busy · In a meeting · Teams · as of 15 min ago"


def test_summary_of_unknown_says_why_when_the_platform_does() -> None:
    note = "WhatsApp does not share presence"
    result = aggregate(
        "p",
        [value(WHATSAPP, PresenceState.UNKNOWN, source=PresenceSource.NONE, note=note)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    assert summary(result, now=NOW) == f"Unknown · {note}"


def test_a_message_is_said_as_a_message_never_as_a_presence() -> None:
    note = "WhatsApp does not share presence"
    wrote = value(
        WHATSAPP,
        PresenceState.UNKNOWN,
        NOW - 60,
        source=PresenceSource.LAST_INTERACTION,
        note=note,
        last_active_at=NOW - 300,
    )
    assert value_words(wrote, stale=False, now=NOW) == f"{note} · messaged you 5 min ago"
    assert value_words(wrote, stale=True, now=NOW + 7200) == f"{note} · messaged you 2 h ago"
    result = aggregate("p", [wrote], policy=AggregationPolicy.MOST_AVAILABLE)
    assert summary(result, now=NOW) == f"Unknown · {note} · messaged you 5 min ago"
    stale = aggregate(
        "p", [wrote], policy=AggregationPolicy.MOST_AVAILABLE, stale=frozenset({WHATSAPP})
    )
    assert summary(stale, now=NOW + 86_400 * 3) == f"Unknown · {note} · messaged you 3 days ago"


def test_summary_of_only_unknown_names_no_platform() -> None:
    result = aggregate(
        "p",
        [value(WHATSAPP, PresenceState.UNKNOWN)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    assert summary(result, now=NOW) == "Unknown"


def test_explanations() -> None:
    online = value(SLACK, PresenceState.ONLINE)
    dnd = value(TEAMS, PresenceState.BUSY, dnd=True)
    most = aggregate("p", [online, dnd], policy=AggregationPolicy.MOST_AVAILABLE)
    assert explanation(most, AggregationPolicy.MOST_AVAILABLE) == (
        "Available on Slack; do not disturb on Teams — most available wins"
    )
    respect = aggregate("p", [online, dnd], policy=AggregationPolicy.RESPECT_DND)
    assert explanation(respect, AggregationPolicy.RESPECT_DND) == (
        "Do not disturb on Teams; available on Slack — do-not-disturb wins"
    )
    stale = aggregate(
        "p", [online], policy=AggregationPolicy.MOST_AVAILABLE, stale=frozenset({SLACK})
    )
    assert explanation(stale, AggregationPolicy.MOST_AVAILABLE).endswith(
        "(stale: no fresh value from any platform)"
    )
    nothing = aggregate("p", [], policy=AggregationPolicy.MOST_AVAILABLE)
    assert "No platform has said anything" in explanation(nothing, AggregationPolicy.MOST_AVAILABLE)
    unknown = aggregate(
        "p",
        [value(WHATSAPP, PresenceState.UNKNOWN)],
        policy=AggregationPolicy.MOST_AVAILABLE,
    )
    assert "can tell" in explanation(unknown, AggregationPolicy.MOST_AVAILABLE)
