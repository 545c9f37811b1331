"""Matrix ``m.presence`` → core values."""

from __future__ import annotations

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.platforms.matrix.normalise import (
    MatrixPresence,
    MatrixPresenceEvent,
    normalise_matrix_presence,
)
from tests.platforms.helpers import (
    HUGE,
    NOW,
    assert_unknown_logged_once,
    json_like,
    key,
    quiet_unknown_log,
)

DAVE = key(Platform.MATRIX, "@dave:example.org")
MINUTE_MS = 60_000


@pytest.mark.parametrize(
    ("presence", "state"),
    [
        ("online", PresenceState.ONLINE),
        ("unavailable", PresenceState.IDLE),
        ("offline", PresenceState.OFFLINE),
        ("busy", PresenceState.BUSY),  # MSC3026: busy, but not do-not-disturb
    ],
)
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.title])
def test_every_presence(presence, state, spelling):
    value = normalise_matrix_presence(DAVE, {"presence": spelling(presence)}, observed_at=NOW)
    assert (value.state, value.dnd) == (state, False)
    assert value.source is PresenceSource.PUSH
    assert value.activity is None
    assert value.last_active_at is None


@pytest.mark.parametrize(
    ("currently_active", "last_active_ago", "state"),
    [
        (True, 0, PresenceState.ONLINE),
        (True, 60 * MINUTE_MS, PresenceState.ONLINE),  # active "regardless of last_active_ago"
        (False, 5 * MINUTE_MS - 1, PresenceState.ONLINE),
        (False, 5 * MINUTE_MS, PresenceState.IDLE),
        (None, 10 * MINUTE_MS, PresenceState.IDLE),
        (None, MINUTE_MS, PresenceState.ONLINE),
        (False, None, PresenceState.ONLINE),
    ],
)
def test_online_but_inactive_is_idle(currently_active, last_active_ago, state):
    payload: MatrixPresence = {"presence": "online"}
    if currently_active is not None:
        payload["currently_active"] = currently_active
    if last_active_ago is not None:
        payload["last_active_ago"] = last_active_ago
    assert normalise_matrix_presence(DAVE, payload, observed_at=NOW).state is state


@pytest.mark.parametrize("presence", ["unavailable", "offline", "busy"])
def test_inactivity_changes_only_online(presence):
    payload: MatrixPresence = {"presence": presence, "last_active_ago": 60 * MINUTE_MS}
    value = normalise_matrix_presence(DAVE, payload, observed_at=NOW)
    assert value.state is not PresenceState.IDLE or presence == "unavailable"


@pytest.mark.parametrize("ago_ms", [0, 1500, 3 * 86_400_000])
def test_last_active_ago_gives_last_active_at(ago_ms):
    payload: MatrixPresence = {"presence": "offline", "last_active_ago": ago_ms}
    value = normalise_matrix_presence(DAVE, payload, observed_at=NOW)
    assert value.last_active_at == NOW - ago_ms / 1000


def test_negative_last_active_ago_is_ignored():
    payload = {"presence": "offline", "last_active_ago": -5}
    assert normalise_matrix_presence(DAVE, payload, observed_at=NOW).last_active_at is None


@pytest.mark.parametrize(
    ("status_msg", "text"), [("Out for lunch", "Out for lunch"), (None, None), ("", None)]
)
def test_status_message_is_a_custom_status(status_msg, text):
    payload: MatrixPresence = {"presence": "unavailable", "status_msg": status_msg}
    activity = normalise_matrix_presence(DAVE, payload, observed_at=NOW).activity
    assert activity == (None if text is None else Activity(ActivityKind.CUSTOM, text=text))


def test_whole_sync_event():
    event: MatrixPresenceEvent = {
        "type": "m.presence",
        "sender": DAVE.remote_id,
        "content": {
            "presence": "online",
            "currently_active": True,
            "last_active_ago": 2478593,
            "status_msg": "Making cupcakes",
        },
    }
    value = normalise_matrix_presence(DAVE, event, observed_at=NOW)
    assert value.state is PresenceState.ONLINE
    assert value.activity == Activity(ActivityKind.CUSTOM, text="Making cupcakes")
    assert value.last_active_at == NOW - 2478.593


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "online",
        12,
        {},
        {"presence": None},
        {"presence": 1},
        {"presence": ["online"]},
        {"presence": "away"},
        {"presence": "dnd"},
        {"type": "m.presence", "content": "online"},
        {"type": "m.presence", "content": {"presence": "idle"}},
        pytest.param({"presence": HUGE}, id="huge"),
    ],
)
def test_unreadable_presence_is_unknown_and_logged_once(payload, expected_warnings):
    assert_unknown_logged_once(
        normalise_matrix_presence, Platform.MATRIX, payload, expected_warnings
    )


KEYS = ["presence", "currently_active", "last_active_ago", "status_msg", "type", "content"]


@given(json_like(KEYS, ["online", "unavailable", "offline", "busy", "m.presence"]))
def test_never_raises(payload):
    value = normalise_matrix_presence(DAVE, payload, observed_at=NOW, unknown=quiet_unknown_log())
    assert value.identity == DAVE
