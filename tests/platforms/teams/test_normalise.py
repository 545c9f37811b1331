"""Microsoft Graph presence → core values: every availability and activity pair."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.platforms.teams.normalise import GraphPresence, normalise_graph_presence
from presence_tray.platforms.wire import UnknownValueLog
from tests.platforms.helpers import (
    HUGE,
    NOW,
    assert_unknown_logged_once,
    json_like,
    key,
    quiet_unknown_log,
)

BOB = key(Platform.TEAMS, "fa8bf3dc-eca7-46b7-bad1-db199b62afc3")

# platform-apis.md §3.3, written out here rather than imported, so the test checks the table.
AVAILABILITY = {
    "Available": (PresenceState.ONLINE, False),
    "AvailableIdle": (PresenceState.IDLE, False),
    "Away": (PresenceState.AWAY, False),
    "BeRightBack": (PresenceState.AWAY, False),
    "Busy": (PresenceState.BUSY, False),
    "BusyIdle": (PresenceState.BUSY, False),
    "DoNotDisturb": (PresenceState.BUSY, True),
    "Offline": (PresenceState.OFFLINE, False),
    "PresenceUnknown": (PresenceState.UNKNOWN, False),
}
ACTIVITY = {
    "Available": None,
    "Away": None,
    "BeRightBack": None,
    "Busy": None,
    "DoNotDisturb": None,
    "InACall": ActivityKind.IN_A_CALL,
    "InAConferenceCall": ActivityKind.IN_A_CALL,
    "Inactive": None,
    "InAMeeting": ActivityKind.IN_A_MEETING,
    "Offline": None,
    "OffWork": ActivityKind.OFF_WORK,
    "OutOfOffice": ActivityKind.OUT_OF_OFFICE,
    "PresenceUnknown": None,
    "Presenting": ActivityKind.PRESENTING,
    "UrgentInterruptionsOnly": None,
}


def graph(availability: str, activity: str, **extra: object) -> GraphPresence:
    payload: GraphPresence = {
        "id": BOB.remote_id,
        "availability": availability,
        "activity": activity,
    }
    payload.update(extra)  # type: ignore[typeddict-item]
    return payload


def camel(word: str) -> str:
    """The newer metadata spelling: ``InAMeeting`` → ``inAMeeting``."""
    return word[0].lower() + word[1:]


@pytest.mark.parametrize(
    ("availability", "activity"), list(itertools.product(AVAILABILITY, ACTIVITY))
)
def test_every_availability_activity_pair(availability, activity):
    value = normalise_graph_presence(BOB, graph(availability, activity), observed_at=NOW)
    state, dnd = AVAILABILITY[availability]
    kind = ACTIVITY[activity]
    assert (value.state, value.dnd) == (state, dnd)
    assert value.activity == (None if kind is None else Activity(kind))
    assert value.source is PresenceSource.POLL
    assert value.note is None


@pytest.mark.parametrize("availability", list(AVAILABILITY))
@pytest.mark.parametrize("spelling", [camel, str.upper, str.lower])
def test_availability_is_case_insensitive(availability, spelling):
    value = normalise_graph_presence(
        BOB, graph(spelling(availability), "Available"), observed_at=NOW
    )
    assert (value.state, value.dnd) == AVAILABILITY[availability]


@pytest.mark.parametrize("activity", list(ACTIVITY))
@pytest.mark.parametrize("spelling", [camel, str.upper, str.lower])
def test_activity_is_case_insensitive(activity, spelling):
    value = normalise_graph_presence(BOB, graph("Busy", spelling(activity)), observed_at=NOW)
    kind = ACTIVITY[activity]
    assert value.activity == (None if kind is None else Activity(kind))


def test_status_message_is_a_custom_status():
    message = {"message": {"content": "Back at 3", "contentType": "text"}}
    value = normalise_graph_presence(
        BOB, graph("Available", "Available", statusMessage=message), observed_at=NOW
    )
    assert value.activity == Activity(ActivityKind.CUSTOM, text="Back at 3")


def test_status_message_is_the_text_of_an_activity():
    message = {"message": {"content": "Quarterly review", "contentType": "text"}}
    value = normalise_graph_presence(
        BOB, graph("Busy", "InAMeeting", statusMessage=message), observed_at=NOW
    )
    assert value.activity == Activity(ActivityKind.IN_A_MEETING, text="Quarterly review")


def test_html_status_message_is_plain_text():
    message = {"message": {"content": "<p>Fish &amp; chips</p>", "contentType": "html"}}
    value = normalise_graph_presence(
        BOB, graph("Away", "Away", statusMessage=message), observed_at=NOW
    )
    assert value.activity == Activity(ActivityKind.CUSTOM, text="Fish & chips")


@pytest.mark.parametrize("activity", ["Away", "InAMeeting", "OffWork"])
def test_out_of_office_settings_win_over_the_activity(activity):
    payload = graph(
        "Offline",
        activity,
        outOfOfficeSettings={"message": "I am on leave", "isOutOfOffice": True},
        statusMessage={"message": {"content": "Back Monday", "contentType": "text"}},
    )
    value = normalise_graph_presence(BOB, payload, observed_at=NOW)
    assert value.state is PresenceState.OFFLINE
    assert value.activity == Activity(ActivityKind.OUT_OF_OFFICE, text="Back Monday")


def test_out_of_office_settings_off_change_nothing():
    payload = graph("Busy", "InACall", outOfOfficeSettings={"isOutOfOffice": False})
    activity = normalise_graph_presence(BOB, payload, observed_at=NOW).activity
    assert activity == Activity(ActivityKind.IN_A_CALL)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "Available",
        1.5,
        {},
        {"activity": "Available"},
        {"availability": None, "activity": "Available"},
        {"availability": 3, "activity": "Available"},
        {"availability": ["Available"], "activity": "Available"},
        {"availability": "focusing", "activity": "Focusing"},
        {"availability": "Available ", "activity": "Available"},
        pytest.param({"availability": HUGE, "activity": HUGE}, id="huge"),
    ],
)
def test_unreadable_availability_is_unknown_and_logged_once(payload, expected_warnings):
    assert_unknown_logged_once(normalise_graph_presence, Platform.TEAMS, payload, expected_warnings)


def test_unknown_activity_is_dropped_and_logged_once(expected_warnings):
    unknown = UnknownValueLog()
    for _ in range(3):
        value = normalise_graph_presence(
            BOB, graph("DoNotDisturb", "Focusing"), observed_at=NOW, unknown=unknown
        )
        assert (value.state, value.dnd, value.activity) == (PresenceState.BUSY, True, None)
    assert len(expected_warnings) == 1
    assert "'focusing'" in expected_warnings[0].getMessage()


@pytest.mark.parametrize(
    "extra",
    [
        {"statusMessage": "hello"},
        {"statusMessage": {"message": {"content": 5}}},
        {"outOfOfficeSettings": {"isOutOfOffice": "true"}},
        {"outOfOfficeSettings": []},
    ],
)
def test_malformed_extras_leave_the_state_alone(extra, expected_warnings):
    value = normalise_graph_presence(
        BOB, graph("Available", "Available", **extra), observed_at=NOW, unknown=UnknownValueLog()
    )
    assert (value.state, value.activity) == (PresenceState.ONLINE, None)
    assert len(expected_warnings) <= 1


KEYS = [
    "availability", "activity", "statusMessage", "message", "content", "contentType",
    "outOfOfficeSettings", "isOutOfOffice",
]  # fmt: skip


@given(json_like(KEYS, [*AVAILABILITY, *ACTIVITY, "html"]))
def test_never_raises(payload):
    value = normalise_graph_presence(BOB, payload, observed_at=NOW, unknown=quiet_unknown_log())
    assert value.identity == BOB
