"""Zoom presence status strings → core values, in every spelling Zoom uses."""

from __future__ import annotations

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.platforms.wire import UnknownValueLog
from presence_tray.platforms.zoom.normalise import (
    ZoomContactPresence,
    ZoomPresenceStatus,
    normalise_zoom_presence,
)
from tests.platforms.helpers import (
    HUGE,
    NOW,
    assert_unknown_logged_once,
    json_like,
    key,
    quiet_unknown_log,
)

CAROL = key(Platform.ZOOM, "KDcuGIm1QgePTO8WbOqwIQ")
BUSY = PresenceState.BUSY

# platform-apis.md §4.3, written out here rather than imported, so the test checks the table.
STATUSES = {
    "Available": (PresenceState.ONLINE, False, None),
    "Away": (PresenceState.AWAY, False, None),
    "Do_Not_Disturb": (BUSY, True, None),
    "Do_No_Disturb": (BUSY, True, None),
    "Busy": (BUSY, False, None),
    "In_A_Zoom_Meeting": (BUSY, False, ActivityKind.IN_A_MEETING),
    "In_A_Meeting": (BUSY, False, ActivityKind.IN_A_MEETING),
    "On_A_Call": (BUSY, False, ActivityKind.IN_A_CALL),
    "In_A_Call": (BUSY, False, ActivityKind.IN_A_CALL),
    "Presenting": (BUSY, False, ActivityKind.PRESENTING),
    "In_Calendar_Event": (BUSY, False, ActivityKind.IN_CALENDAR_EVENT),
    "In_A_Calendar_Event": (BUSY, False, ActivityKind.IN_CALENDAR_EVENT),
    "Out_of_Office": (PresenceState.AWAY, False, ActivityKind.OUT_OF_OFFICE),
    "Offline": (PresenceState.OFFLINE, False, None),
}


@pytest.mark.parametrize("status", list(STATUSES))
@pytest.mark.parametrize("spelling", [str, str.upper, str.lower])
def test_every_status_spelling(status, spelling):
    payload: ZoomPresenceStatus = {"status": spelling(status)}
    value = normalise_zoom_presence(CAROL, payload, observed_at=NOW)
    state, dnd, kind = STATUSES[status]
    assert (value.state, value.dnd) == (state, dnd)
    assert value.activity == (None if kind is None else Activity(kind))
    assert value.source is PresenceSource.POLL


@pytest.mark.parametrize("status", list(STATUSES))
def test_contact_presence_status_field(status):
    payload: ZoomContactPresence = {"id": CAROL.remote_id, "presence_status": status}
    value = normalise_zoom_presence(CAROL, payload, observed_at=NOW)
    assert value.state is STATUSES[status][0]


@pytest.mark.parametrize(
    "end_time", ["2023-11-14T23:13:20Z", "2023-11-14T23:13:20", "1700003600", 1_700_003_600]
)
def test_dnd_end_time_is_the_activity_until(end_time):
    payload = {"status": "Do_Not_Disturb", "end_time": end_time, "remaining_time": 60}
    value = normalise_zoom_presence(CAROL, payload, observed_at=NOW)
    assert (value.state, value.dnd) == (BUSY, True)
    assert value.activity == Activity(ActivityKind.CUSTOM, until=NOW + 3600)


def test_end_time_of_a_meeting():
    payload = {"status": "In_A_Meeting", "end_time": "2023-11-14T23:13:20Z"}
    activity = normalise_zoom_presence(CAROL, payload, observed_at=NOW).activity
    assert activity == Activity(ActivityKind.IN_A_MEETING, until=NOW + 3600)


@pytest.mark.parametrize("status", ["Available", "Away", "Busy", "Offline"])
def test_end_time_without_an_activity_or_dnd_is_ignored(status):
    payload = {"status": status, "end_time": "2023-11-14T23:13:20Z"}
    assert normalise_zoom_presence(CAROL, payload, observed_at=NOW).activity is None


def test_unreadable_end_time_is_logged_once_and_ignored(expected_warnings):
    unknown = UnknownValueLog()
    for end_time in ["in an hour", "whenever"]:
        payload = {"status": "Do_Not_Disturb", "end_time": end_time}
        value = normalise_zoom_presence(CAROL, payload, observed_at=NOW, unknown=unknown)
        assert (value.state, value.dnd, value.activity) == (BUSY, True, None)
    assert len(expected_warnings) == 1


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "Available",
        0,
        {},
        {"status": None},
        {"status": False},
        {"status": {"name": "Available"}},
        {"status": "Do Not Disturb"},
        {"status": "Mobile_Signed_In"},
        {"presence_status": 5},
        pytest.param({"status": HUGE}, id="huge"),
    ],
)
def test_unreadable_status_is_unknown_and_logged_once(payload, expected_warnings):
    assert_unknown_logged_once(normalise_zoom_presence, Platform.ZOOM, payload, expected_warnings)


@given(json_like(["status", "presence_status", "end_time"], list(STATUSES)))
def test_never_raises(payload):
    value = normalise_zoom_presence(CAROL, payload, observed_at=NOW, unknown=quiet_unknown_log())
    assert value.identity == CAROL
