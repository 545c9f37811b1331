"""WhatsApp webhooks over real HTTP on 127.0.0.1, into a real hub: what is taken, what is not."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from presence_tray.core.added_identities import added_identity
from presence_tray.core.clock import ManualClock
from presence_tray.core.describe import value_words
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.platforms.whatsapp.webhook import body_signature
from presence_tray.platforms.wire import UnknownValueLog
from presence_tray.whatsapp_routes import whatsapp_routes
from presence_tray.whatsapp_webhook import (
    APP_SECRET_NAME,
    VERIFY_TOKEN_NAME,
    WEBHOOK_PATH,
    WEBHOOK_SECRETS_ACCOUNT,
    WebhookSecrets,
    WebhookSecretsKeeper,
    WhatsAppInbox,
    check_webhook_secrets,
)
from tests.accounts.stores import MemorySecretStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

PAYLOADS = Path(__file__).parent / "platforms" / "whatsapp" / "payloads"
SENT_AT = 1749416383.0  # the documented text message's timestamp
NOW = SENT_AT + 300
VERIFY_TOKEN = "correct-horse-battery"
APP_SECRET = "b2f0c6e1a3d94e7fa1c2d3e4f5a6b7c8"
BUSINESS_NUMBER = "106540352242922"
SHEENA = IdentityKey(Platform.WHATSAPP, BUSINESS_NUMBER, "16505551234")
MESSAGE_TEXT = "Does it come in another color?"


def body_of(name: str) -> bytes:
    """A documented delivery's exact bytes."""
    return (PAYLOADS / f"{name}.json").read_bytes()


class Webhook:
    """The routes on a real aiohttp server on 127.0.0.1, a real hub, keyring in memory."""

    def __init__(self, client: TestClient[web.Request, web.Application], hub: PresenceHub) -> None:
        self.client = client
        self.hub = hub

    async def post(
        self, body: bytes, *, signature: str | None = None, sign: bool = True
    ) -> tuple[int, str]:
        """POST ``body``, signed with the app secret unless told otherwise."""
        headers = {"Content-Type": "application/json"}
        if signature is not None or sign:
            headers["X-Hub-Signature-256"] = signature or body_signature(body, APP_SECRET)
        async with self.client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
            text = await response.text()
            self.hub.flush()
            return response.status, text

    def recorded(self) -> int:
        """How many identities the hub knows (none before any message)."""
        return len(self.hub.people())


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    clock = ManualClock(NOW)
    hub = PresenceHub(clock)
    store = MemorySecretStore()
    keeper = WebhookSecretsKeeper(lambda: _ready(store))
    await keeper.save(VERIFY_TOKEN, APP_SECRET)
    inbox = WhatsAppInbox(hub, keeper.current, clock=clock, unknown=UnknownValueLog())
    app = web.Application()
    app.add_routes(whatsapp_routes(inbox))
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        yield Webhook(client, hub)


async def _ready(store: MemorySecretStore) -> MemorySecretStore:
    return store


# -- GET: Meta verifies the callback --------------------------------------------------------


async def test_the_right_verify_token_echoes_the_challenge(webhook):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with webhook.client.get(WEBHOOK_PATH, params=query) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        assert await response.text() == "1158201444"


async def test_a_wrong_verify_token_is_refused(webhook, expected_warnings):
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}
    async with webhook.client.get(WEBHOOK_PATH, params=query) as response:
        assert response.status == 403
        assert "1158201444" not in await response.text()
    assert "verification refused" in expected_warnings[0].getMessage()


# -- POST: deliveries -----------------------------------------------------------------------


async def test_a_signed_message_sets_the_senders_last_interaction_never_online(webhook):
    assert await webhook.post(body_of("text_message")) == (200, "ok")
    identity = webhook.hub.identity(SHEENA)
    assert identity is not None
    assert identity.display_name == "Sheena Nelson"
    assert identity.chat_url == "https://wa.me/16505551234"
    assert identity.handles == ("+16505551234",)
    person = webhook.hub.person_of(SHEENA)
    aggregate = webhook.hub.aggregate(person.person_id)
    (value,) = aggregate.values
    assert value.state is PresenceState.UNKNOWN
    assert aggregate.state is PresenceState.UNKNOWN
    assert value.source is PresenceSource.LAST_INTERACTION
    assert value.last_active_at == SENT_AT
    assert value_words(value, stale=False, now=NOW) == (
        "WhatsApp does not share presence · messaged you 5 min ago"
    )


async def test_a_number_added_by_hand_hears_of_the_message_too(webhook):
    by_hand = added_identity(Platform.WHATSAPP, "+1 650 555 1234")
    webhook.hub.add_identities([by_hand])
    await webhook.post(body_of("text_message"))
    person = webhook.hub.person_of(by_hand.key)
    (value,) = webhook.hub.aggregate(person.person_id).values
    assert value.last_active_at == SENT_AT
    assert value.state is PresenceState.UNKNOWN


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "sha256=" + "0" * 64,
        "sha256=" + body_signature(b"another body", APP_SECRET).removeprefix("sha256="),
        body_signature(b"x", "another app's secret").replace("x", "0"),
        "sha1=abc",
    ],
)
async def test_a_bad_or_missing_signature_is_refused_and_nothing_recorded(
    webhook, expected_warnings, signature
):
    status, _ = await webhook.post(body_of("text_message"), signature=signature, sign=False)
    assert status == 403
    assert webhook.recorded() == 0
    assert "X-Hub-Signature-256" in expected_warnings[0].getMessage()


async def test_the_same_message_again_is_taken_once(webhook):
    body = body_of("text_message")
    assert (await webhook.post(body))[0] == 200
    webhook.hub.remove_identity(SHEENA)  # a second recording would bring it back
    assert (await webhook.post(body))[0] == 200  # Meta must not deliver it yet again
    assert webhook.hub.identity(SHEENA) is None


async def test_an_older_message_never_moves_the_last_interaction_back(webhook):
    newer = json.loads(body_of("text_message"))
    message = newer["entry"][0]["changes"][0]["value"]["messages"][0]
    older = copy.deepcopy(newer)
    older["entry"][0]["changes"][0]["value"]["messages"][0].update(
        id="wamid.older", timestamp=str(int(SENT_AT) - 60)
    )
    message["id"] = "wamid.newer"
    for delivery in (newer, older):
        await webhook.post(json.dumps(delivery).encode())
    (value,) = webhook.hub.aggregate(webhook.hub.person_of(SHEENA).person_id).values
    assert value.last_active_at == SENT_AT


async def test_a_message_older_than_metas_retry_window_is_ignored(webhook):
    delivery = json.loads(body_of("text_message"))
    delivery["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(
        int(NOW - 8 * 86_400)
    )
    assert (await webhook.post(json.dumps(delivery).encode()))[0] == 200
    assert webhook.recorded() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
        b"[" * 100_000,
    ],
)
async def test_malformed_bodies_are_refused_with_400_and_nothing_recorded(
    webhook, expected_warnings, body
):
    status, _ = await webhook.post(body)
    assert status == 400
    assert webhook.recorded() == 0
    assert "delivery refused" in expected_warnings[0].getMessage()


async def test_wrong_types_inside_are_reported_once_and_skipped(webhook, expected_warnings):
    delivery = json.loads(body_of("text_message"))
    delivery["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = ["1749416383"]
    assert (await webhook.post(json.dumps(delivery).encode()))[0] == 200
    assert webhook.recorded() == 0
    assert "timestamp" in expected_warnings[0].getMessage()


@pytest.mark.parametrize("name", ["status_read", "system_message"])
async def test_status_receipts_and_system_messages_record_nothing(webhook, name):
    assert await webhook.post(body_of(name)) == (200, "ok")
    assert webhook.recorded() == 0


async def test_a_body_over_the_limit_is_refused_with_413(webhook, expected_warnings):
    body = body_of("text_message") + b" " * (1024 * 1024)
    headers = {"X-Hub-Signature-256": body_signature(body, APP_SECRET)}
    async with webhook.client.post(WEBHOOK_PATH, data=io.BytesIO(body), headers=headers) as sent:
        assert sent.status == 413
    assert webhook.recorded() == 0
    assert "over" in expected_warnings[0].getMessage()


async def test_a_body_over_the_limit_without_a_length_is_refused_with_413(
    webhook, expected_warnings
):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 65_536

    async with webhook.client.post(WEBHOOK_PATH, data=chunks()) as response:
        assert response.status == 413
    assert expected_warnings


async def test_logs_hold_no_secret_and_no_message_text(webhook, caplog, expected_warnings):
    caplog.set_level(logging.DEBUG)
    body = body_of("text_message")
    await webhook.post(body)
    await webhook.post(body)
    await webhook.post(body, signature=body_signature(body, "wrong"), sign=False)
    await webhook.post(b"{")
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN + "x", "hub.challenge": "c"}
    async with webhook.client.get(WEBHOOK_PATH, params=query):
        pass
    # aiohttp's own access log writes the query string, verify token and all: the local API
    # must run without it (or with a format without %r); what is checked here is ours.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if record.name != "aiohttp.access"
    )
    assert "delivery refused" in logged
    for private in (
        APP_SECRET,
        VERIFY_TOKEN,
        MESSAGE_TEXT,
        "Sheena",
        body_signature(body, APP_SECRET),
    ):
        assert private not in logged
    assert expected_warnings


# -- without secrets ------------------------------------------------------------------------


async def test_without_saved_secrets_every_request_is_refused(expected_warnings):
    clock = ManualClock(NOW)
    hub = PresenceHub(clock)
    keeper = WebhookSecretsKeeper(lambda: _ready(MemorySecretStore()))
    inbox = WhatsAppInbox(hub, keeper.current, clock=clock)
    app = web.Application()
    app.add_routes(whatsapp_routes(inbox))
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        body = body_of("text_message")
        headers = {"X-Hub-Signature-256": body_signature(body, "")}
        async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
            assert response.status == 503
        query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "c"}
        async with client.get(WEBHOOK_PATH, params=query) as response:
            assert response.status == 503
    hub.flush()
    assert hub.people() == []
    assert "set them up in Settings" in expected_warnings[0].getMessage()


# -- the secrets in the keyring -------------------------------------------------------------


async def test_secrets_are_kept_under_their_keyring_names_and_removed():
    store = MemorySecretStore()
    keeper = WebhookSecretsKeeper(lambda: _ready(store))
    await keeper.save(f"  {VERIFY_TOKEN} ", APP_SECRET)
    assert store.named == {
        (WEBHOOK_SECRETS_ACCOUNT, VERIFY_TOKEN_NAME): VERIFY_TOKEN,
        (WEBHOOK_SECRETS_ACCOUNT, APP_SECRET_NAME): APP_SECRET,
    }
    assert await WebhookSecretsKeeper(lambda: _ready(store)).current() == WebhookSecrets(
        VERIFY_TOKEN, APP_SECRET
    )
    await keeper.remove()
    assert store.named == {}
    assert await keeper.current() is None


def test_the_keyring_entries_are_named_for_the_webhook():
    from presence_tray.storage.secrets import keyring_username

    names = [
        keyring_username(WEBHOOK_SECRETS_ACCOUNT, n) for n in (VERIFY_TOKEN_NAME, APP_SECRET_NAME)
    ]
    assert names == ["whatsapp:webhook#verify_token", "whatsapp:webhook#app_secret"]


def test_secrets_never_show_in_a_repr():
    secrets = WebhookSecrets(VERIFY_TOKEN, APP_SECRET)
    assert VERIFY_TOKEN not in repr(secrets)
    assert APP_SECRET not in repr(secrets)


@pytest.mark.parametrize(
    ("token", "secret", "problem"),
    [
        ("short", APP_SECRET, "at least 8 characters"),
        ("has a space", APP_SECRET, "without spaces"),
        (VERIFY_TOKEN, "", "App Secret"),
        (VERIFY_TOKEN, "two words", "no spaces"),
    ],
)
def test_secrets_that_cannot_be_right_are_refused_with_a_sentence(token, secret, problem):
    with pytest.raises(ValueError, match=problem):
        check_webhook_secrets(token, secret)


@pytest.mark.keyring
async def test_the_secrets_round_trip_through_the_real_keyring():
    from presence_tray.storage.secrets import KeyringSecretStore

    store = KeyringSecretStore()
    keeper = WebhookSecretsKeeper(lambda: _ready(store))
    await keeper.save(VERIFY_TOKEN, APP_SECRET)
    try:
        lookup = await asyncio.create_subprocess_exec(
            *("secret-tool", "lookup", "service", "presence-tray"),
            *("username", "whatsapp:webhook#app_secret"),
            stdout=asyncio.subprocess.PIPE,
        )
        found, _ = await lookup.communicate()
        assert found.decode() == APP_SECRET
        # A new run reads them back, and its routes verify with them.
        clock = ManualClock(NOW)
        hub = PresenceHub(clock)
        inbox = WhatsAppInbox(hub, WebhookSecretsKeeper(lambda: _ready(store)).current, clock=clock)
        app = web.Application()
        app.add_routes(whatsapp_routes(inbox))
        async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
            body = body_of("text_message")
            headers = {"X-Hub-Signature-256": body_signature(body, APP_SECRET)}
            async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
                assert response.status == 200
        hub.flush()
        assert hub.identity(SHEENA) is not None
    finally:
        await keeper.remove()
    assert await WebhookSecretsKeeper(lambda: _ready(store)).current() is None
