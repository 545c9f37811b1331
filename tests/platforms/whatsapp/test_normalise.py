"""WhatsApp: never a presence; an inbound message gives only the last interaction."""

from __future__ import annotations

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.platforms.whatsapp import LIMITATION
from presence_tray.platforms.whatsapp.normalise import (
    WhatsAppMessage,
    message_sender,
    normalise_whatsapp_message,
    normalise_whatsapp_presence,
)
from presence_tray.platforms.wire import UnknownValueLog
from tests.platforms.helpers import HUGE, NOW, json_like, key, quiet_unknown_log

FRANK = key(Platform.WHATSAPP, "16505551234")


def message(timestamp: str) -> WhatsAppMessage:
    """A ``messages[]`` entry as the webhook delivers it."""
    return {
        "from": FRANK.remote_id,
        "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQ",
        "timestamp": timestamp,
        "type": "text",
    }


def test_presence_is_always_unknown_and_says_why():
    value = normalise_whatsapp_presence(FRANK, observed_at=NOW)
    assert value.state is PresenceState.UNKNOWN
    assert value.source is PresenceSource.NONE
    assert value.note == LIMITATION == "WhatsApp does not share presence"
    assert value.last_active_at is None


@pytest.mark.parametrize("sent_ago", [0, 30, 86_400])
def test_inbound_message_is_a_last_interaction_never_online(sent_ago):
    value = normalise_whatsapp_message(FRANK, message(str(int(NOW - sent_ago))), observed_at=NOW)
    assert value.state is PresenceState.UNKNOWN
    assert value.source is PresenceSource.LAST_INTERACTION
    assert value.last_active_at == NOW - sent_ago
    assert value.note == LIMITATION


def test_message_from_the_future_counts_as_now():
    value = normalise_whatsapp_message(FRANK, message(str(int(NOW + 600))), observed_at=NOW)
    assert value.last_active_at == NOW


def test_message_sender():
    assert message_sender(message("1")) == FRANK.remote_id
    assert message_sender({"from": 5}) is None
    assert message_sender(None) is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "hi",
        {},
        {"from": FRANK.remote_id},
        {"timestamp": "yesterday"},
        {"timestamp": ["1700000000"]},
        {"timestamp": True},
        pytest.param({"timestamp": HUGE}, id="huge"),
    ],
)
def test_unreadable_message_says_only_no_presence_logged_once(payload, expected_warnings):
    unknown = UnknownValueLog()
    for _ in range(2):
        value = normalise_whatsapp_message(FRANK, payload, observed_at=NOW, unknown=unknown)
        assert value == normalise_whatsapp_presence(FRANK, observed_at=NOW)
    assert len(expected_warnings) == 1


@given(json_like(["from", "timestamp", "id", "type"], ["1700000000"]))
def test_never_raises_never_online(payload):
    value = normalise_whatsapp_message(FRANK, payload, observed_at=NOW, unknown=quiet_unknown_log())
    assert value.state is PresenceState.UNKNOWN
