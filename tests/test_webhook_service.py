"""Outgoing webhooks delivered over real HTTP to a receiver on 127.0.0.1: signed bodies,
templates, retries on 5xx and 429, giving up and saying so, who fires what, and logs that
never hold a secret or a full URL."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import OwnStatus
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.own_status import OwnStatusTracker
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.core.webhook_body import verify
from presence_tray.core.webhooks import Webhook
from presence_tray.storage.local_store import LocalStore
from presence_tray.webhook_service import WebhookService
from tests.servers.webhook_receiver import (
    RECEIVER_PATH,
    MemorySecrets,
    Receiver,
    running_receiver,
    until,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

START = 1_700_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest.fixture
def secrets_store() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
async def service(
    clock: ManualClock, secrets_store: MemorySecrets
) -> AsyncIterator[WebhookService]:
    webhooks = WebhookService(clock, secrets_store, None, jitter=lambda: 0.5)
    try:
        yield webhooks
    finally:
        await webhooks.aclose()


def hook_stats(service: WebhookService) -> dict[str, object]:
    (stats,) = service.statistics()["hooks"]  # type: ignore[misc]
    assert isinstance(stats, dict)
    return stats


def presence(remote_id: str, state: PresenceState, at: float, *, dnd: bool = False):
    key = IdentityKey(Platform.SLACK, "work", remote_id)
    return PlatformPresence(key, state, at, PresenceSource.POLL, dnd=dnd)


def people_hub(clock: ManualClock) -> PresenceHub:
    hub = PresenceHub(clock)
    hub.add_identities(
        [
            Identity(IdentityKey(Platform.SLACK, "work", "U1"), "Alice Chen", person_id="alice"),
            Identity(IdentityKey(Platform.SLACK, "work", "U2"), "Bob Stone", person_id="bob"),
        ]
    )
    return hub


async def test_own_status_arrives_signed_with_the_default_json_body(
    service: WebhookService,
    receiver: Receiver,
    clock: ManualClock,
    secrets_store: MemorySecrets,
) -> None:
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    hook = await service.save(Webhook("", receiver.url, on_own_status=True))
    secret = secrets_store.entries[hook.hook_id]
    assert len(secret) >= 40  # token_urlsafe(32)
    assert await service.secret(hook.hook_id) == secret

    tracker.record(OwnStatus(PresenceState.BUSY, text="Writing"))
    await until(lambda: receiver.received)

    headers, body = receiver.received[0]
    assert verify(secret, headers, body, clock.now())
    assert not verify("another secret", headers, body, clock.now())
    assert not verify(secret, headers, body, clock.now() + 3600)  # a replay an hour later
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Presence-Tray-Event"] == "own_status.changed"
    assert json.loads(body) == {
        "event": "own_status.changed",
        "person": {"id": "me", "name": "Me"},
        "status": "busy",
        "state": "busy",
        "dnd": False,
        "activity": "Writing",
        "platform": None,
        "at": "2023-11-14T22:13:20Z",
        "until": None,
    }
    await until(lambda: hook_stats(service)["delivered"] == 1)
    assert service.health(hook.hook_id).startswith("Delivered at ")


async def test_a_timed_do_not_disturb_fires_again_when_it_ends(
    service: WebhookService, receiver: Receiver, clock: ManualClock
) -> None:
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    await service.save(Webhook("", receiver.url, on_own_status=True))
    tracker.record(OwnStatus(PresenceState.BUSY, dnd=True, until=START + 1800))
    await until(lambda: len(receiver.received) == 2)
    assert [(b["status"], b["until"]) for b in receiver.bodies()] == [
        ("dnd", "2023-11-14T22:43:20Z"),
        ("online", None),
    ]


async def test_a_template_renders_per_status_with_escaped_values(
    service: WebhookService, receiver: Receiver, clock: ManualClock
) -> None:
    hub = people_hub(clock)
    service.attach(hub, OwnStatusTracker())
    templates = {
        "busy": '{"light": "red", "who": "$person", "at": "$at"}',
        "online": "green for $person via $platform",
    }
    await service.save(
        Webhook("", receiver.url, person_ids=frozenset({"alice"}), templates=templates)
    )
    hub.ingest(presence("U1", PresenceState.BUSY, START))
    hub.flush()
    await until(lambda: len(receiver.received) == 1)
    hub.ingest(presence("U1", PresenceState.ONLINE, START + 1))
    hub.flush()
    await until(lambda: len(receiver.received) == 2)
    (first_headers, first), (second_headers, second) = receiver.received
    assert json.loads(first) == {"light": "red", "who": "Alice Chen", "at": "2023-11-14T22:13:20Z"}
    assert first_headers["Content-Type"] == "application/json"
    assert second == b"green for Alice Chen via Slack"
    assert second_headers["Content-Type"] == "text/plain; charset=utf-8"


async def test_a_hook_for_one_person_does_not_fire_for_another(
    service: WebhookService, receiver: Receiver, clock: ManualClock
) -> None:
    hub = people_hub(clock)
    service.attach(hub, OwnStatusTracker())
    await service.save(Webhook("", receiver.url, person_ids=frozenset({"bob"})))
    hub.ingest(presence("U1", PresenceState.BUSY, START))  # Alice
    hub.flush()
    hub.ingest(presence("U2", PresenceState.AWAY, START))  # Bob
    hub.flush()
    hub.ingest(presence("U2", PresenceState.AWAY, START + 5))  # Bob again, same status
    hub.flush()
    await until(lambda: receiver.received)
    await asyncio.sleep(0.2)
    assert [(b["person"], b["state"]) for b in receiver.bodies()] == [
        ({"id": "bob", "name": "Bob Stone"}, "away")
    ]


async def test_server_errors_are_retried_with_backoff_until_delivered(
    service: WebhookService, receiver: Receiver, clock: ManualClock
) -> None:
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    hook = await service.save(Webhook("", receiver.url, on_own_status=True))
    receiver.answers = [(500, {}), (503, {}), (429, {"Retry-After": "7"})]
    tracker.record(OwnStatus(PresenceState.AWAY))
    await until(lambda: hook_stats(service)["delivered"] == 1)
    assert len(receiver.received) == 4
    assert clock.sleeps == [1.0, 2.0, 7.0]  # 1 s, 2 s, then the receiver's Retry-After
    stats = hook_stats(service)
    assert (stats["retries"], stats["failed"], stats["last_error"]) == (3, 0, None)
    assert service.health(hook.hook_id).startswith("Delivered")


async def test_gives_up_after_the_last_try_and_says_so(
    clock: ManualClock,
    secrets_store: MemorySecrets,
    receiver: Receiver,
    expected_warnings: list[logging.LogRecord],
) -> None:
    service = WebhookService(clock, secrets_store, None, jitter=lambda: 0.0)
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    try:
        hook = await service.save(Webhook("", receiver.url, on_own_status=True))
        receiver.answers = [(502, {})] * 10
        tracker.record(OwnStatus(PresenceState.AWAY))
        await until(lambda: hook_stats(service)["failed"] == 1)
        assert len(receiver.received) == 6
        assert clock.sleeps == [0.8, 1.6, 3.2, 6.4, 12.8]  # 1, 2, 4, 8, 16 s less 20 % jitter
        stats = hook_stats(service)
        assert stats["retries"] == 5
        assert stats["delivered"] == 0
        assert stats["last_error"] == (
            f"http://127.0.0.1:{receiver.url.split(':')[2].split('/')[0]} answered 502 "
            "(Bad Gateway). Gave up after 6 tries."
        )
        assert stats["last_error_at"] == "2023-11-14T22:13:44Z"
        assert service.health(hook.hook_id).startswith("Failed at ")
        assert "answered 502" in service.health(hook.hook_id)
        assert service.statistics()["failed"] == 1
        assert [r.getMessage() for r in expected_warnings] == [
            f"webhook {hook.hook_id}: not delivered: {stats['last_error']}"
        ]
    finally:
        await service.aclose()


async def test_a_client_error_gives_up_at_once(
    service: WebhookService,
    receiver: Receiver,
    clock: ManualClock,
    expected_warnings: list[logging.LogRecord],
) -> None:
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    await service.save(Webhook("", receiver.url, on_own_status=True))
    receiver.answers = [(404, {})]
    tracker.record(OwnStatus(PresenceState.AWAY))
    await until(lambda: hook_stats(service)["failed"] == 1)
    assert len(receiver.received) == 1
    assert clock.sleeps == []
    stats = hook_stats(service)
    assert stats["retries"] == 0
    assert "answered 404 (Not Found). Check the address" in str(stats["last_error"])
    assert len(expected_warnings) == 1


async def test_an_unreachable_receiver_is_retried_then_reported(
    clock: ManualClock,
    secrets_store: MemorySecrets,
    expected_warnings: list[logging.LogRecord],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on the port; neither the secret nor the URL's path reaches a log."""
    caplog.set_level(logging.DEBUG, logger="presence_tray")
    service = WebhookService(clock, secrets_store, None, max_attempts=3)
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    url = f"http://127.0.0.1:9{RECEIVER_PATH}?key=query-secret-456"
    try:
        hook = await service.save(Webhook("", url, on_own_status=True))
        secret = await service.secret(hook.hook_id)
        tracker.record(OwnStatus(PresenceState.AWAY))
        await until(lambda: hook_stats(service)["failed"] == 1)
        assert len(clock.sleeps) == 2
        assert "http://127.0.0.1:9 could not be reached" in str(hook_stats(service)["last_error"])
        assert await service.send_test(hook.hook_id) == (
            "The test was not delivered: http://127.0.0.1:9 could not be reached (the connection"
            " was refused or the host is unknown)."
        )
    finally:
        await service.aclose()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "http://127.0.0.1:9" in logged
    for leak in (secret, "private-hook-id-123", "query-secret-456"):
        assert leak not in logged
    assert len(expected_warnings) == 2


async def test_send_a_test_reports_delivery(
    service: WebhookService,
    receiver: Receiver,
    secrets_store: MemorySecrets,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx's own request lines too
    hook = await service.save(Webhook("", receiver.url, person_ids=frozenset({"x"})))
    sentence = await service.send_test(hook.hook_id)
    assert sentence == f"The test was delivered to {receiver.url.removesuffix(RECEIVER_PATH)}."
    headers, body = receiver.received[0]
    assert json.loads(body)["event"] == "test"
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines  # the request was logged, without the path
    assert not [line for line in caplog.messages if "private-hook-id" in line]
    assert verify(secrets_store.entries[hook.hook_id], headers, body, clock.now())


async def test_a_full_queue_drops_the_oldest_change(
    clock: ManualClock, secrets_store: MemorySecrets, receiver: Receiver
) -> None:
    service = WebhookService(clock, secrets_store, None, queue_limit=2)
    tracker = OwnStatusTracker()
    service.attach(PresenceHub(clock), tracker)
    try:
        await service.save(Webhook("", receiver.url, on_own_status=True))
        for state in (PresenceState.AWAY, PresenceState.BUSY, PresenceState.OFFLINE):
            tracker.record(OwnStatus(state))  # all queued before the worker runs
        await until(lambda: hook_stats(service)["delivered"] == 2)
        assert [body["state"] for body in receiver.bodies()] == ["busy", "offline"]
        assert hook_stats(service)["dropped"] == 1
    finally:
        await service.aclose()


async def test_bad_hooks_are_refused_with_a_sentence(service: WebhookService) -> None:
    with pytest.raises(ValueError, match="must start with https://"):
        await service.save(Webhook("", "ftp://example.com/", on_own_status=True))
    with pytest.raises(ValueError, match="Choose what fires this webhook"):
        await service.save(Webhook("", "https://example.com/"))
    with pytest.raises(ValueError, match=r"\$colour is not a field"):
        await service.save(
            Webhook("", "https://example.com/", on_own_status=True, templates={"busy": "$colour"})
        )
    assert service.hooks() == []


async def test_hooks_are_saved_and_removed_with_their_secret(
    tmp_path: Path, clock: ManualClock, secrets_store: MemorySecrets
) -> None:
    store = await LocalStore.open(tmp_path / "presence.db")
    try:
        service = WebhookService(clock, secrets_store, store.webhooks)
        hook = await service.save(Webhook("", " https://x.example/a ", on_own_status=True))
        assert hook.url == "https://x.example/a"
        await service.aclose()

        again = WebhookService(clock, secrets_store, store.webhooks)
        await again.load()
        assert again.hooks() == [hook]
        await again.remove(hook.hook_id)
        assert again.hooks() == []
        assert secrets_store.entries == {}
        assert store.webhooks.list() == []
        await again.aclose()
    finally:
        await store.aclose()
