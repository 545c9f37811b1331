"""WhatsApp webhooks read without trusting them: verification, signature, payload, replays."""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from presence_tray.platforms.whatsapp.webhook import (
    InboundMessage,
    PayloadError,
    SeenMessages,
    body_signature,
    read_delivery,
    signature_matches,
    verification_answer,
)
from presence_tray.platforms.wire import UnknownValueLog
from tests.platforms.helpers import json_like, quiet_unknown_log

PAYLOADS = Path(__file__).parent / "payloads"
WIRE_KEYS = (
    "object", "entry", "changes", "value", "field", "metadata", "phone_number_id", "messages",
    "from", "id", "timestamp", "type", "contacts", "wa_id", "profile", "name", "statuses",
)  # fmt: skip
WIRE_WORDS = (
    "whatsapp_business_account",
    "messages",
    "text",
    "system",
    "16505551234",
    "1749416383",
)
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "a-verify-token"


def payload(name: str) -> dict[str, object]:
    """A documented delivery from ``payloads/`` (webhooks/reference/messages)."""
    loaded: dict[str, object] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return loaded


def first_message(delivery: dict[str, object]) -> dict[str, object]:
    """The first ``messages[]`` entry of ``delivery``, to change in a test."""
    return delivery["entry"][0]["changes"][0]["value"]["messages"][0]  # type: ignore[index,no-any-return]


# -- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "saved", "answer"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"},
         TOKEN, "1158201444"),
        ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"}, TOKEN, None),
        ({"hub.mode": "subscribe", "hub.verify_token": TOKEN[:-1], "hub.challenge": "1"},
         TOKEN, None),
        ({"hub.mode": "unsubscribe", "hub.verify_token": TOKEN, "hub.challenge": "1"}, TOKEN, None),
        ({"hub.verify_token": TOKEN, "hub.challenge": "1"}, TOKEN, None),
        ({"hub.mode": "subscribe", "hub.verify_token": TOKEN}, TOKEN, None),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, TOKEN, None),
        ({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}, "", None),
        ({"hub.mode": "subscribe", "hub.verify_token": "é", "hub.challenge": "1"}, None, None),
    ],
)  # fmt: skip
def test_verification_echoes_the_challenge_only_for_the_saved_token(query, saved, answer):
    assert verification_answer(query, saved) == answer


# -- signature ------------------------------------------------------------------------------

BODY = b'{"object":"whatsapp_business_account","entry":[]}'
# printf %s "$BODY" | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
GOOD = "sha256=eefab58106e73358686845848feb95c56372e7391b3dc050b6a31c8c5f347ece"


def test_the_signature_is_hmac_sha256_of_the_raw_body_in_hex():
    import hashlib
    import hmac

    assert body_signature(BODY, SECRET) == (
        "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    )


@pytest.mark.parametrize(
    ("body", "header", "secret", "matches"),
    [
        (BODY, GOOD, SECRET, True),
        (BODY, GOOD.upper().replace("SHA256=", "sha256="), SECRET, True),  # hex in capitals
        (BODY + b" ", GOOD, SECRET, False),  # the body changed
        (b'{"entry":[], "object":"whatsapp_business_account"}', GOOD, SECRET, False),
        (BODY, GOOD, SECRET + "x", False),  # another app's secret
        (BODY, GOOD, "", False),  # no secret: nothing matches
        (BODY, None, SECRET, False),
        (BODY, "", SECRET, False),
        (BODY, GOOD.removeprefix("sha256="), SECRET, False),  # no prefix
        (BODY, "sha1=" + GOOD.removeprefix("sha256="), SECRET, False),
        (BODY, GOOD[:-1], SECRET, False),  # a digit short
        (BODY, GOOD[:-1] + "g", SECRET, False),  # not hex
        (BODY, GOOD + " ", SECRET, False),
        (BODY, "sha256=" + "é" * 64, SECRET, False),
    ],
)
def test_signature_check(body, header, secret, matches):
    assert signature_matches(body, header, secret) is matches


@given(st.binary(max_size=200), st.text(max_size=80))
def test_no_garbage_header_matches_or_raises(body, header):
    assert not signature_matches(body, header, SECRET) or header == body_signature(body, SECRET)


# -- the payload ----------------------------------------------------------------------------


def test_the_documented_text_message_is_read_without_its_content():
    (message,) = read_delivery(payload("text_message"))
    assert message == InboundMessage(
        business_number_id="106540352242922",
        sender="16505551234",
        message_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        sent_at=1749416383.0,
        profile_name="Sheena Nelson",
    )
    assert "color" not in repr(message)


def test_any_message_type_is_an_interaction():
    (message,) = read_delivery(payload("image_message"))
    assert (message.sender, message.profile_name) == ("16505553333", "Pablo Morales")


@pytest.mark.parametrize("name", ["status_read", "system_message"])
def test_receipts_and_system_messages_say_nothing_about_anyone(name):
    assert read_delivery(payload(name)) == []


def test_other_subscription_fields_are_ignored():
    delivery = payload("text_message")
    delivery["entry"][0]["changes"][0]["field"] = "account_update"  # type: ignore[index]
    assert read_delivery(delivery) == []


def test_unknown_fields_are_ignored():
    delivery = payload("text_message")
    delivery["new_top_level"] = {"x": 1}
    first_message(delivery)["context"] = {"forwarded": True}
    first_message(delivery)["type"] = "a_type_added_next_year"
    assert len(read_delivery(delivery)) == 1


def test_a_delivery_may_carry_several_changes_and_messages():
    delivery = payload("text_message")
    change = delivery["entry"][0]["changes"][0]  # type: ignore[index]
    second = copy.deepcopy(first_message(delivery))
    second["id"], second["timestamp"] = "wamid.second", "1749416390"
    change["value"]["messages"].append(second)
    delivery["entry"].append(payload("image_message")["entry"][0])  # type: ignore[attr-defined]
    read = read_delivery(delivery)
    assert [m.message_id for m in read][1:] == [
        "wamid.second",
        "wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTQ5QkIxNzRGMzA5MEEzMUE2MAA=",
    ]


@pytest.mark.parametrize(
    "body",
    [
        [],
        "whatsapp_business_account",
        None,
        {"object": "page", "entry": []},
        {"entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": {}},
    ],
)
def test_what_is_not_a_whatsapp_webhook_is_refused(body):
    with pytest.raises(PayloadError):
        read_delivery(body)


@pytest.mark.parametrize(
    ("path", "value", "logged"),
    [
        (("timestamp",), 1749416383, None),  # a number is read as well
        (("timestamp",), "soon", "timestamp: not a time"),
        (("timestamp",), None, "timestamp: <missing>"),
        (("from",), 16505551234, "from: 16505551234"),
        (("from",), "+1 650 555", "from: not an id"),
        (("from",), None, "from: <missing>"),
        (("id",), ["x"], "id: <list>"),
        (("id",), "w" * 300, "id: not an id"),
    ],
)
def test_a_wrong_value_is_reported_once_and_its_message_skipped(
    expected_warnings, path, value, logged
):
    unknown = UnknownValueLog()
    delivery = payload("text_message")
    first_message(delivery)[path[0]] = value
    for _ in range(2):
        messages = read_delivery(delivery, unknown=unknown)
    assert len(messages) == (1 if logged is None else 0)
    assert len(expected_warnings) == (0 if logged is None else 1)
    if logged is not None:
        assert logged in expected_warnings[0].getMessage()


def test_a_missing_business_number_is_reported(expected_warnings):
    delivery = payload("text_message")
    del delivery["entry"][0]["changes"][0]["value"]["metadata"]  # type: ignore[index]
    assert read_delivery(delivery, unknown=UnknownValueLog()) == []
    assert "phone_number_id" in expected_warnings[0].getMessage()


def test_a_bad_profile_name_leaves_the_message():
    delivery = payload("text_message")
    delivery["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"] = "x"  # type: ignore[index]
    (message,) = read_delivery(delivery, unknown=quiet_unknown_log())
    assert message.profile_name is None


@given(json_like(WIRE_KEYS, WIRE_WORDS))
def test_garbage_is_refused_or_read_never_raises_otherwise(garbage):
    with contextlib.suppress(PayloadError):
        read_delivery(garbage, unknown=quiet_unknown_log())


@given(json_like(WIRE_KEYS, WIRE_WORDS))
def test_garbage_inside_a_valid_envelope_is_skipped(garbage):
    delivery = {"object": "whatsapp_business_account", "entry": [garbage, {"changes": [garbage]}]}
    for message in read_delivery(delivery, unknown=quiet_unknown_log()):
        assert isinstance(message, InboundMessage)


# -- replays --------------------------------------------------------------------------------


def test_a_message_id_is_taken_once_and_memory_is_bounded():
    seen = SeenMessages(capacity=3)
    assert [seen.take(i) for i in ("a", "b", "a", "c", "d")] == [True, True, False, True, True]
    assert len(seen) == 3
    assert seen.take("a")  # the oldest was forgotten
    assert not seen.take("d")
