"""The real app process with connected Teams and Slack accounts, on the test desktop.

The accounts are saved in the accounts' database and their tokens in the real keyring (the
test desktop's gnome-keyring); the platforms are the fakes, served from this test on free
ports of 127.0.0.1 (in a thread, with their own event loop) and named to the app through
``PRESENCE_TRAY_API_BASES``. A person opens the contacts window and sees their colleagues
from both platforms, then chooses "Set my status → Busy" in the tray menu with the keyboard,
and both platforms show them busy. A WhatsApp message signed and posted to the local API's
webhook becomes its sender's last interaction, with those accounts and with the WhatsApp
webhook saved alone (which makes the run a connected one by itself).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest

from presence_tray.account_clients import API_BASES_VARIABLE
from presence_tray.accounts.rows import NEXT_START
from presence_tray.accounts_service import AccountsService
from presence_tray.local_api.discovery import PORT_VARIABLE, read_discovery
from presence_tray.local_api.token import TOKEN_SECRET_NAME
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.storage.secrets import KeyringSecretStore
from presence_tray.whatsapp_account import save_webhook
from presence_tray.whatsapp_webhook import (
    APP_SECRET_NAME,
    VERIFY_TOKEN_NAME,
    WEBHOOK_PATH,
    WEBHOOK_SECRETS_ACCOUNT,
    WebhookSecretsKeeper,
)
from tests.app_process import AppProcess
from tests.desktop import (
    choose_from_tray_menu,
    click,
    embedded_tray_icon,
    read_text,
    screenshot,
    visible_window,
    wait_until,
)
from tests.servers.http_fake import FakeHttpServer
from tests.servers.teams_and_slack import ME, SLACK, TEAMS, TeamsAndSlack

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from presence_tray.core.secrets import SecretStore
    from tests.desktop import Geometry

T = TypeVar("T")

CONTACTS_TITLE = "^Presence Tray — Contacts"


class FakePlatforms(TeamsAndSlack):
    """The two fakes, served by an event loop of their own thread; the test reads their
    state through that loop."""

    def __init__(self) -> None:
        super().__init__()
        self._servers = (FakeHttpServer(self.graph_handler), FakeHttpServer(self.slack_handler))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake platforms")

    def __enter__(self) -> FakePlatforms:
        self._thread.start()
        for server in self._servers:
            asyncio.run_coroutine_threadsafe(server.start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_: object) -> None:
        for server in self._servers:
            asyncio.run_coroutine_threadsafe(server.aclose(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def read(self, look: Callable[[], T]) -> T:
        """``look()`` run on the fakes' loop, between two requests."""

        async def looking() -> T:
            return look()

        return asyncio.run_coroutine_threadsafe(looking(), self._loop).result(timeout=10)

    def api_bases_variable(self) -> str:
        """``PRESENCE_TRAY_API_BASES`` for the app process."""
        graph, slack = (server.url for server in self._servers)
        bases = self.api_bases(graph, slack)
        return " ".join(f"{platform.value}={url}" for platform, url in bases.items())


@pytest.fixture
def platforms() -> Iterator[FakePlatforms]:
    with FakePlatforms() as fakes:
        yield fakes


async def connect_accounts(data_dir: Path, fakes: FakePlatforms, keyring: SecretStore) -> None:
    """What Connect leaves behind: both accounts saved, their tokens in the keyring."""
    store = await LocalStore.open(database_path(data_dir))
    try:
        await fakes.connect(AccountsRepository(store.db), keyring)
    finally:
        await store.aclose()


@pytest.fixture
def keyring() -> Iterator[KeyringSecretStore]:
    """The real keyring; the test accounts' secrets are deleted afterwards."""
    store = KeyringSecretStore()
    yield store
    for account in (TEAMS, SLACK):
        asyncio.run(store.delete(account))
    for name in (VERIFY_TOKEN_NAME, APP_SECRET_NAME):
        asyncio.run(store.delete(WEBHOOK_SECRETS_ACCOUNT, name=name))


@pytest.mark.desktop
@pytest.mark.keyring
def test_connected_accounts_show_their_people_and_set_my_status_from_the_tray(
    data_dir: Path, tmp_path: Path, platforms: FakePlatforms, keyring: KeyringSecretStore
) -> None:
    asyncio.run(connect_accounts(data_dir, platforms, keyring))
    environment = {
        DATA_DIR_ENV: str(data_dir),
        API_BASES_VARIABLE: platforms.api_bases_variable(),
    }
    app = AppProcess(["-v"], tmp_path / "stderr.log", environment)
    try:
        icon: Geometry = wait_until(
            "the tray icon", lambda: (embedded_tray_icon() or (None, None))[1], timeout=30
        )
        # Both platforms were asked, and their people are in the contacts window.
        wait_until(
            "Bob's presence read",
            lambda: platforms.read(lambda: platforms.slack.calls_of("users.getPresence")),
        )
        click(*icon.centre)
        window = wait_until("the contacts window", lambda: visible_window(CONTACTS_TITLE))
        time.sleep(1.0)  # let it paint
        text = read_text(screenshot("connected-contacts", window))
        for name in ("Grace Hopper", "bob"):  # Slack shows the display name Bob chose
            assert name in text, f"{name} not in the window; OCR read:\n{text}"
        assert "simulated network" not in text, text
        click(*icon.centre)  # hide it again
        wait_until("the window to hide", lambda: visible_window(CONTACTS_TITLE) is None)

        # Set my status → Busy: Down to "Set my status", Right into it, Down past Available.
        choose_from_tray_menu(
            icon,
            ("Down", "Right", "Down", "Return"),
            "Busy on both platforms",
            lambda: platforms.read(
                lambda: (
                    platforms.graph.presence_of(platforms.ada.id)[0] == "Busy"
                    and platforms.slack.people[ME].status_text == "Busy"
                )
            ),
        )
    finally:
        stderr = app.stop_cleanly()
        print(stderr)  # shown by pytest when the test fails: what the app said it did
    for token in platforms.tokens():
        assert token not in stderr


WHATSAPP_PAYLOADS = Path(__file__).parent / "platforms" / "whatsapp" / "payloads"
APP_SECRET = "whatsapp-app-secret-FAKE-NOT-A-SECRET"


def whatsapp_delivery(sent_at: int) -> bytes:
    """Meta's documented text message, sent at ``sent_at``."""
    delivery = json.loads((WHATSAPP_PAYLOADS / "text_message.json").read_text())
    delivery["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(sent_at)
    return json.dumps(delivery).encode()


def signed(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


VERIFY_TOKEN = "verify-me-please"


@dataclass(frozen=True)
class Delivered:
    """A WhatsApp message the app's local API took: when it was sent, the people the API
    lists afterwards (all of them, and the sender), and what the app logged."""

    sent_at: int
    everyone: list[dict[str, Any]]
    sender: list[dict[str, Any]]
    stderr: str


def deliver_a_whatsapp_message(
    data_dir: Path, tmp_path: Path, keyring: KeyringSecretStore, environment: dict[str, str]
) -> Delivered:
    """Start the app, have Meta's callback verified, post a forged and a signed message to its
    local API's webhook, and read the people back through the API."""
    app = AppProcess(
        [],
        tmp_path / "stderr.log",
        {DATA_DIR_ENV: str(data_dir), PORT_VARIABLE: "0", **environment},
    )
    try:
        url = wait_until("the local API", lambda: read_discovery(data_dir), timeout=30)["url"]
        webhook = f"{url}{WEBHOOK_PATH}"
        challenge = httpx.get(
            webhook,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
        )
        assert (challenge.status_code, challenge.text) == (200, "1158201444")

        sent_at = int(time.time()) - 300
        body = whatsapp_delivery(sent_at)
        forged = httpx.post(webhook, content=body, headers=signed(body, "not-the-app-secret"))
        assert forged.status_code == 403
        assert httpx.post(webhook, content=body, headers=signed(body, APP_SECRET)).is_success

        token = asyncio.run(keyring.app_secret(TOKEN_SECRET_NAME).get())
        headers = {"Authorization": f"Bearer {token}"}
        people = f"{url}/v1/people"
        sender = wait_until(
            "Sheena in the hub",
            lambda: httpx.get(people, params={"name": "Sheena Nelson"}, headers=headers).json()[
                "people"
            ],
        )
        everyone = httpx.get(people, headers=headers).json()["people"]
    finally:
        stderr = app.stop_cleanly()
        print(stderr)
    return Delivered(sent_at, everyone, sender, stderr)


def assert_a_last_interaction_never_online(delivered: Delivered) -> None:
    """The sender's only value is the message's time; nothing secret or written is logged."""
    (sheena,) = delivered.sender
    assert sheena["state"] == "unknown"  # writing five minutes ago is not being online
    (whatsapp,) = sheena["platforms"]
    assert whatsapp["last_active_at"] == delivered.sent_at
    assert "messaged you 5 min ago" in whatsapp["words"]
    assert APP_SECRET not in delivered.stderr
    assert "Does it come in another color?" not in delivered.stderr  # a message's text never


@pytest.mark.desktop
@pytest.mark.keyring
def test_a_whatsapp_message_forwarded_to_the_app_is_a_last_interaction_never_online(
    data_dir: Path, tmp_path: Path, platforms: FakePlatforms, keyring: KeyringSecretStore
) -> None:
    asyncio.run(connect_accounts(data_dir, platforms, keyring))
    asyncio.run(keyring.put(WEBHOOK_SECRETS_ACCOUNT, VERIFY_TOKEN, name=VERIFY_TOKEN_NAME))
    asyncio.run(keyring.put(WEBHOOK_SECRETS_ACCOUNT, APP_SECRET, name=APP_SECRET_NAME))
    delivered = deliver_a_whatsapp_message(
        data_dir, tmp_path, keyring, {API_BASES_VARIABLE: platforms.api_bases_variable()}
    )
    assert_a_last_interaction_never_online(delivered)


async def set_up_the_whatsapp_webhook(data_dir: Path, keyring: KeyringSecretStore) -> str:
    """What Save in "Receive WhatsApp messages" leaves behind in a simulated run: the secrets
    in the keyring and the webhook's account in the accounts' database; its sentence."""
    store = await LocalStore.open(database_path(data_dir))
    try:
        repository = AccountsRepository(store.db)
        accounts = AccountsService(repository, secrets=keyring, reads_now=False)

        async def the_keyring() -> KeyringSecretStore:
            return keyring

        outcome = await save_webhook(
            WebhookSecretsKeeper(the_keyring), accounts, VERIFY_TOKEN, APP_SECRET
        )
    finally:
        await store.aclose()
    assert outcome.saved, outcome.sentence
    return outcome.sentence


@pytest.mark.desktop
@pytest.mark.keyring
def test_the_whatsapp_webhook_alone_starts_the_connected_run_that_records_messages(
    data_dir: Path, tmp_path: Path, keyring: KeyringSecretStore
) -> None:
    said = asyncio.run(set_up_the_whatsapp_webhook(data_dir, keyring))
    assert NEXT_START in said
    delivered = deliver_a_whatsapp_message(data_dir, tmp_path, keyring, {})
    assert_a_last_interaction_never_online(delivered)
    # The connected run: the sender is all there is, no simulated colleague.
    assert [person["name"] for person in delivered.everyone] == ["Sheena Nelson"]
    assert not database_path(data_dir, simulated=True).exists()
