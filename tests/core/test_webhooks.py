"""The pure webhook rules: validation, templates, signatures, retry schedule, who fires."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.core.webhook_body import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    body_for,
    retry_wait,
    signature,
    signed_headers,
    template_problem,
    verify,
)
from presence_tray.core.webhooks import (
    ME,
    PersonChanges,
    Webhook,
    WebhookEvent,
    WebhookEventKind,
    destination,
    sends_in_clear,
    url_problem,
)

NOW = 1_700_000_000.0
EVENT = WebhookEvent(
    WebhookEventKind.PERSON, "alice", 'Alice "Al" Chen', PresenceState.BUSY, dnd=True, at=NOW
)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # The same as: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
    expected = hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signature("key", 1_700_000_000, b"{}") == f"sha256={expected}"
    headers = signed_headers("key", NOW + 0.7, b"{}")
    assert headers == {TIMESTAMP_HEADER: "1700000000", SIGNATURE_HEADER: f"sha256={expected}"}
    assert verify("key", headers, b"{}", NOW + 299)
    assert not verify("key", headers, b"{}", NOW + 301)  # too old: a replay
    assert not verify("key", headers, b"{ }", NOW)  # the body changed
    assert not verify("key", {**headers, TIMESTAMP_HEADER: "1700000001"}, b"{}", NOW)
    assert not verify("key", {SIGNATURE_HEADER: headers[SIGNATURE_HEADER]}, b"{}", NOW)


def test_retries_wait_1_2_4_8_16_seconds_with_jitter_and_honour_retry_after() -> None:
    assert [retry_wait(n, 0.5) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert retry_wait(1, 0.0) == pytest.approx(0.8)
    assert retry_wait(5, 0.999) == pytest.approx(19.2, abs=0.01)
    assert retry_wait(1, 0.5, retry_after=30) == 30
    assert retry_wait(1, 0.5, retry_after=3600) == 300  # cut to five minutes
    assert retry_wait(20, 0.5) == 300


def test_templates_use_safe_substitution_of_known_fields_only() -> None:
    assert template_problem('{"who": "$person", "dnd": $dnd}') is None
    assert template_problem("$$5 for ${person}") is None
    assert "is not a field" in (template_problem("$__class__") or "")
    assert "must start a field name" in (template_problem("costs $ 5") or "")
    body, content_type = body_for({"dnd": '{"who": "$person", "dnd": $dnd}'}, EVENT)
    assert body == b'{"who": "Alice \\"Al\\" Chen", "dnd": true}'  # escaped: still JSON
    assert content_type == "application/json"
    body, content_type = body_for({"busy": "unused"}, EVENT)  # DND picks the dnd template
    assert content_type == "application/json"
    assert b'"status":"dnd"' in body


def test_urls_are_checked_and_only_scheme_and_host_are_shown() -> None:
    assert url_problem("https://example.com/hook") is None
    assert url_problem("http://127.0.0.1:8123/api/webhook/x") is None
    for bad in ("", "example.com/hook", "ftp://example.com/", "https://", "https://a b/"):
        assert url_problem(bad) is not None, bad
    assert destination("https://maker.ifttt.com/trigger/x/with/key/SECRET?k=v") == (
        "https://maker.ifttt.com"
    )
    assert destination("http://127.0.0.1:8123/api/webhook/id") == "http://127.0.0.1:8123"
    assert sends_in_clear("http://example.com/")
    assert not sends_in_clear("http://localhost:1/")
    assert not sends_in_clear("http://192.168.1.20:8123/api/webhook/x")  # the local network
    assert not sends_in_clear("http://homeassistant.local:8123/")
    assert sends_in_clear("http://8.8.8.8/")
    assert not sends_in_clear("https://example.com/")


def test_a_hook_fires_for_its_people_and_or_my_status() -> None:
    hook = Webhook("h", "https://x.example/", person_ids=frozenset({"alice"}))
    assert hook.fires_for("alice")
    assert not hook.fires_for("bob")
    assert not hook.fires_for(ME)
    assert Webhook("h", "https://x.example/", on_own_status=True).fires_for(ME)
    assert hook.problem() is None
    assert "no status called" in (
        Webhook("h", "https://x.example/", on_own_status=True, templates={"sparkly": "x"}).problem()
        or ""
    )


def test_person_changes_fire_on_fresh_known_status_changes_only() -> None:
    clock = ManualClock(NOW)
    hub = PresenceHub(clock)
    key = IdentityKey(Platform.SLACK, "w", "U1")
    hub.add_identities([Identity(key, "Alice", person_id="alice")])
    changes = PersonChanges()

    def batch(state: PresenceState, *, dnd: bool = False, watched: tuple[str, ...] = ("alice",)):
        hub.ingest(PlatformPresence(key, state, clock.now(), PresenceSource.POLL, dnd=dnd))
        return [(e.person_id, e.status_word) for e in changes.events(hub.flush(), watched, NOW)]

    assert batch(PresenceState.BUSY) == [("alice", "busy")]  # the first fresh status
    assert batch(PresenceState.BUSY) == []  # the same again
    assert batch(PresenceState.BUSY, dnd=True) == [("alice", "dnd")]
    assert batch(PresenceState.UNKNOWN) == []
    assert batch(PresenceState.ONLINE, watched=()) == []  # nobody watches
    assert batch(PresenceState.AWAY) == [("alice", "away")]
