"""The accounts service without a browser: what each platform offers, validation at once,
token accounts (a Discord bot against a fake Discord), disconnect, and the settings service
showing the simulated and saved accounts side by side.

The OAuth flows against the real test server and keyring are in
tests/accounts/test_accounts_service.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
import webbrowser
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts import matrix_login
from presence_tray.accounts.discord_bot import PRESENCE_INTENT_OFF
from presence_tray.accounts.token_accounts import VerifiedAccount
from presence_tray.accounts_service import (
    NO_DATABASE,
    AccountsService,
    ConnectOutcome,
    open_in_browser,
)
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account, Preferences
from presence_tray.core.secrets import SLACK_APP_TOKEN
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.runtime import Runtime
from presence_tray.settings_service import SettingsService
from presence_tray.storage import secrets as storage_secrets
from presence_tray.storage.database import StorageWriteError
from presence_tray.storage.repositories import AccountsRepository
from tests.accounts.helpers import database_bytes
from tests.accounts.stores import MemorySecretStore
from tests.accounts.token_checks import FAKE_TOKEN
from tests.fakes import StatusSettingClient
from tests.servers.discord_fake import API_PREFIX, DiscordFake
from tests.servers.fixtures import ALICE_PASSWORD
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from pathlib import Path

    from presence_tray.core.supervisor import AccountStatus
    from presence_tray.storage.local_store import LocalStore
    from tests.servers.prosody_server import ProsodyServer

BOT = AccountRef(Platform.DISCORD, "1180000000000000001")


@pytest.fixture
def discord() -> DiscordFake:
    """A fake Discord whose bot token is FAKE_TOKEN."""
    return DiscordFake(token=FAKE_TOKEN)


@pytest.fixture
async def discord_api(discord: DiscordFake) -> AsyncIterator[str]:
    """``discord`` served on 127.0.0.1: its API base URL."""
    server = await FakeHttpServer(discord.handle).start()
    yield server.url + API_PREFIX
    await server.aclose()


@pytest.fixture
def secrets() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def service(store: LocalStore, secrets: MemorySecretStore, discord_api: str) -> AccountsService:
    return AccountsService(
        AccountsRepository(store.db),
        secrets=secrets,
        open_browser=lambda _url: False,
        api_bases={Platform.DISCORD: discord_api},
        http_timeout=5,
    )


async def connect(
    service: AccountsService, platform: Platform, method: str, values: Mapping[str, str]
) -> ConnectOutcome:
    done: asyncio.Future[ConnectOutcome] = asyncio.get_running_loop().create_future()
    service.start_connect(
        platform,
        method,
        values,
        replacing=None,
        on_progress=lambda _: None,
        on_done=done.set_result,
    )
    return await asyncio.wait_for(done, 20)


async def disconnect(service: AccountsService, account: AccountRef) -> str:
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    service.start_disconnect(account, on_done=done.set_result)
    return await asyncio.wait_for(done, 20)


def test_each_platform_offers_its_ways_to_connect(service: AccountsService) -> None:
    offered = {
        platform: [method.key for method in service.connect_methods(platform)]
        for platform in Platform
    }
    assert offered == {
        Platform.SLACK: ["oauth"],
        Platform.TEAMS: ["oauth"],
        Platform.ZOOM: ["oauth"],
        Platform.DISCORD: ["oauth", "bot_token"],
        Platform.LINKEDIN: ["oauth"],
        Platform.MATRIX: ["password", "access_token"],
        Platform.XMPP: ["password"],
        Platform.WHATSAPP: [],
    }
    assert service.connect_unavailable_reason(Platform.WHATSAPP).startswith(
        "WhatsApp offers no way for apps to read anyone's presence"
    )
    assert service.connect_unavailable_reason(Platform.SLACK) == ""
    for platform in Platform:
        for method in service.connect_methods(platform):
            assert method.guide.startswith("1. "), (platform, method.key)
            assert method.opens_browser == (method.key == "oauth")
            assert {f.name for f in method.fields if f.secret} <= {
                "app_token",
                "bot_token",
                "password",
                "access_token",
            }
    [slack] = service.connect_methods(Platform.SLACK)
    assert [(f.name, f.required, f.secret) for f in slack.fields] == [
        ("client_id", True, False),
        ("app_token", False, True),
    ]
    assert "users:read" in slack.guide
    assert "http://127.0.0.1/callback" in slack.guide
    [teams] = service.connect_methods(Platform.TEAMS)
    assert teams.fields[1].default == "organizations"
    [linkedin] = service.connect_methods(Platform.LINKEDIN)
    assert "enable the native PKCE flow" in linkedin.guide
    assert service.sign_in_server_note() == ""


def test_without_a_database_nothing_can_be_connected() -> None:
    service = AccountsService(None)
    assert all(not service.connect_methods(platform) for platform in Platform)
    assert service.connect_unavailable_reason(Platform.SLACK) == NO_DATABASE
    with pytest.raises(ValueError, match="database could not be opened"):
        service.start_connect(
            Platform.SLACK,
            "oauth",
            {"client_id": "x"},
            replacing=None,
            on_progress=print,
            on_done=print,
        )


@pytest.mark.parametrize(
    ("platform", "method", "values", "sentence"),
    [
        (Platform.SLACK, "oauth", {}, "Enter the Client ID."),
        (Platform.SLACK, "oauth", {"client_id": "   "}, "Enter the Client ID."),
        (Platform.ZOOM, "oauth", {"client_id": "abc def"}, "A Client ID has no spaces"),
        (Platform.TEAMS, "oauth", {"client_id": "a", "tenant": "no tenant!"}, "is not a tenant"),
        (
            Platform.MATRIX,
            "password",
            {"homeserver": "matrix.org", "user": "a", "password": "p"},
            "is not a homeserver address",
        ),
        (
            Platform.MATRIX,
            "access_token",
            {"homeserver": "https://m.org"},
            "Enter the Access token.",
        ),
        (Platform.XMPP, "password", {"address": "alice", "password": "p"}, "not an XMPP address"),
        (
            Platform.XMPP,
            "password",
            {"address": "a@b.org", "password": "p", "server": "xmpp.b.org:99999"},
            "'99999' is not a port",
        ),
        (
            Platform.XMPP,
            "password",
            {"address": "a@b.org", "password": "p", "server": "xmpp b.org"},
            "is not a server",
        ),
        (Platform.DISCORD, "bot_token", {"bot_token": ""}, "Enter the Bot token."),
        (Platform.SLACK, "bot_token", {"bot_token": "t"}, "Slack cannot be connected that way."),
        (Platform.WHATSAPP, "oauth", {"client_id": "t"}, "WhatsApp offers no way"),
    ],
)
def test_bad_values_are_refused_at_once(
    service: AccountsService,
    platform: Platform,
    method: str,
    values: dict[str, str],
    sentence: str,
) -> None:
    heard: list[object] = []
    with pytest.raises(ValueError, match=sentence.replace(".", r"\.")):
        service.start_connect(
            platform, method, values, replacing=None, on_progress=heard.append, on_done=heard.append
        )
    assert heard == []


async def test_a_discord_bot_connects_and_disconnects(
    service: AccountsService,
    secrets: MemorySecretStore,
    store: LocalStore,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    heard: list[AccountStatus] = []
    service.subscribe(heard.append)
    outcome = await connect(service, Platform.DISCORD, "bot_token", {"bot_token": FAKE_TOKEN})

    assert outcome.ok, outcome.message
    assert outcome.account == BOT
    [saved] = AccountsRepository(store.db).list()
    assert saved.ref == BOT
    assert saved.settings["method"] == "bot_token"
    assert FAKE_TOKEN not in str(saved)
    assert secrets.secrets == {BOT: FAKE_TOKEN}
    stored = database_bytes(tmp_path)
    assert stored
    assert FAKE_TOKEN.encode() not in stored
    assert not [r for r in caplog.records if FAKE_TOKEN in r.getMessage()]
    [row] = service.account_rows(Platform.DISCORD)
    assert row.state == f"signed in as {saved.label}; Presence Tray reads presence from Discord"
    assert [method.key for method in service.connect_methods(Platform.DISCORD, account=BOT)] == [
        "bot_token"
    ]

    await secrets.put(BOT, "left over", name=SLACK_APP_TOKEN)
    message = await disconnect(service, BOT)
    assert message.startswith(f"Signed out of {saved.label}; Presence Tray has forgotten")
    assert secrets.named == {}
    assert AccountsRepository(store.db).list() == []
    assert [status.account for status in heard] == [BOT, BOT]


async def test_a_bot_without_the_presence_intent_connects_with_the_note(
    service: AccountsService, discord: DiscordFake
) -> None:
    discord.application_flags = 0
    outcome = await connect(service, Platform.DISCORD, "bot_token", {"bot_token": FAKE_TOKEN})
    assert outcome.ok
    assert outcome.message.endswith(PRESENCE_INTENT_OFF)


async def test_a_wrong_bot_token_is_a_sentence_and_nothing_is_saved(
    service: AccountsService, secrets: MemorySecretStore, store: LocalStore
) -> None:
    outcome = await connect(
        service, Platform.DISCORD, "bot_token", {"bot_token": "wrong-" + FAKE_TOKEN}
    )
    assert not outcome.ok
    assert outcome.message.startswith("Discord did not accept this bot token")
    assert FAKE_TOKEN not in outcome.message
    assert secrets.named == {}
    assert AccountsRepository(store.db).list() == []


async def test_settings_lists_the_simulated_account_then_the_saved_ones(
    store: LocalStore, service: AccountsService
) -> None:
    clock = ManualClock(1_700_000_000.0)
    hub = PresenceHub(clock)
    simulated = StatusSettingClient(Platform.DISCORD)
    runtime = Runtime(
        clock,
        hub,
        ClientSupervisor(hub, clock),
        [simulated],
        simulated=True,
        preferences=Preferences(),
        store=store,
        notices=[],
    )
    settings = SettingsService(runtime, accounts=service)
    heard: list[AccountStatus] = []
    unsubscribe = settings.subscribe_accounts(heard.append)
    outcome = await connect(service, Platform.DISCORD, "bot_token", {"bot_token": FAKE_TOKEN})
    assert outcome.ok

    rows = settings.account_rows(Platform.DISCORD)
    assert [(row.ref, row.simulated, row.needs_reconnect) for row in rows] == [
        (simulated.account, True, False),
        (BOT, False, False),
    ]
    assert rows[0].label == "Discord (simulated)"
    assert rows[0].state == "simulated network, not started"
    assert [status.account for status in heard] == [BOT]
    unsubscribe()
    await disconnect(service, BOT)
    assert len(heard) == 1
    await settings.aclose()


def test_a_saved_sign_in_problem_shows_as_needs_reconnecting(store: LocalStore) -> None:
    ref = AccountRef(Platform.ZOOM, "u1")
    account = Account(
        ref,
        "jchill@example.com",
        settings={"method": "oauth", "client_id": "c1"},
        sign_in_problem="Presence Tray lost access to Zoom (u1). Reconnect it in Settings.",
    )
    repository = AccountsRepository(store.db)
    repository.save(account)
    [row] = AccountsService(repository, repository.list()).account_rows(Platform.ZOOM)
    assert row.needs_reconnect
    assert row.state == (
        "needs reconnecting: Presence Tray lost access to Zoom (u1). Reconnect it in Settings."
    )


async def test_matrix_keeps_the_access_token_never_the_password(
    service: AccountsService,
    secrets: MemorySecretStore,
    store: LocalStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, object]] = []

    async def signed_in(homeserver: str, **given: object) -> VerifiedAccount:
        calls.append({"homeserver": homeserver, **given})
        return VerifiedAccount(
            "@alice:example.org",
            "@alice:example.org",
            {"homeserver": homeserver},
            secret='{"access_token": "syt-token", "device_id": "PT1"}',
        )

    monkeypatch.setattr(matrix_login, "sign_in_matrix", signed_in)
    values = {"homeserver": " https://matrix.example.org ", "user": "alice", "password": "pw-1"}
    outcome = await connect(service, Platform.MATRIX, "password", values)

    assert outcome.ok, outcome.message
    assert calls == [
        {
            "homeserver": "https://matrix.example.org",
            "user": "alice",
            "password": "pw-1",
            "access_token": "",
            "timeout": 5,
        }
    ]
    ref = AccountRef(Platform.MATRIX, "@alice:example.org")
    assert secrets.secrets == {ref: '{"access_token": "syt-token", "device_id": "PT1"}'}
    [saved] = AccountsRepository(store.db).list()
    assert dict(saved.settings) == {
        "homeserver": "https://matrix.example.org",
        "method": "password",
    }
    [method] = service.connect_methods(Platform.MATRIX, account=ref)
    assert method.key == "password"
    assert {f.name: f.default for f in method.fields} == {
        "homeserver": "https://matrix.example.org",
        "user": "",
        "password": "",
    }


def test_the_browser_opens_without_waiting_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = tmp_path / "opened"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" > {opened}\nsleep 3\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read $BROWSER again
    monkeypatch.setattr(webbrowser, "_browsers", {})
    started = time.monotonic()
    assert open_in_browser("http://127.0.0.1:1/authorize?x=1")
    assert time.monotonic() - started < 1  # webbrowser itself waits for $BROWSER to exit
    while not opened.exists() and time.monotonic() - started < 3:
        time.sleep(0.02)
    assert opened.read_text().strip() == "http://127.0.0.1:1/authorize?x=1"


def fake_matrix(
    monkeypatch: pytest.MonkeyPatch, account_id: str = "@alice:example.org"
) -> asyncio.Event:
    """Matrix sign-ins answer ``account_id`` once the returned event is set (set by default)."""
    answer = asyncio.Event()
    answer.set()

    async def signed_in(homeserver: str, **_given: object) -> VerifiedAccount:
        await answer.wait()
        return VerifiedAccount(account_id, account_id, {"homeserver": homeserver}, secret="tok")

    monkeypatch.setattr(matrix_login, "sign_in_matrix", signed_in)
    return answer


MATRIX_TOKEN = {"homeserver": "https://matrix.example.org", "access_token": "tok"}


async def test_cancel_during_a_check_saves_nothing(
    service: AccountsService, secrets: MemorySecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_matrix(monkeypatch).clear()  # the homeserver never answers
    done: asyncio.Future[ConnectOutcome] = asyncio.get_running_loop().create_future()
    progress = asyncio.Event()
    attempt = service.start_connect(
        Platform.MATRIX,
        "access_token",
        MATRIX_TOKEN,
        replacing=None,
        on_progress=lambda _: progress.set(),
        on_done=done.set_result,
    )
    await progress.wait()
    attempt.cancel()
    outcome = await asyncio.wait_for(done, 5)
    assert outcome == ConnectOutcome(
        ok=False, message="Connecting Matrix was cancelled; nothing was saved."
    )
    assert secrets.named == {}
    assert service.account_rows(Platform.MATRIX) == []


async def test_a_reconnect_of_a_token_account_as_someone_else_changes_nothing(
    service: AccountsService, secrets: MemorySecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_matrix(monkeypatch)
    first = await connect(service, Platform.MATRIX, "access_token", MATRIX_TOKEN)
    assert first.account is not None
    fake_matrix(monkeypatch, "@bob:example.org")
    done: asyncio.Future[ConnectOutcome] = asyncio.get_running_loop().create_future()
    service.start_connect(
        Platform.MATRIX,
        "access_token",
        MATRIX_TOKEN,
        replacing=first.account,
        on_progress=lambda _: None,
        on_done=done.set_result,
    )
    outcome = await asyncio.wait_for(done, 5)
    assert not outcome.ok
    assert "another account (@bob:example.org)" in outcome.message
    assert list(secrets.secrets) == [first.account]


async def test_no_keyring_is_a_sentence_before_anything_starts(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from presence_tray.storage import secrets as keyring_module

    monkeypatch.setattr(keyring_module, "check_backend", lambda: keyring_module.NO_KEYRING_MESSAGE)
    called = fake_matrix(monkeypatch)
    called.clear()
    service = AccountsService(AccountsRepository(store.db))  # the system keyring
    outcome = await connect(service, Platform.MATRIX, "access_token", MATRIX_TOKEN)
    assert outcome == ConnectOutcome(ok=False, message=keyring_module.NO_KEYRING_MESSAGE)


class _FailingRepository(AccountsRepository):
    def save(self, account: Account) -> None:  # noqa: ARG002 - fails whatever it is given
        raise StorageWriteError("the disk is full")


async def test_an_account_that_cannot_be_saved_leaves_no_secret(
    store: LocalStore,
    secrets: MemorySecretStore,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[logging.LogRecord],
) -> None:
    fake_matrix(monkeypatch)
    service = AccountsService(_FailingRepository(store.db), secrets=secrets)
    outcome = await connect(service, Platform.MATRIX, "access_token", MATRIX_TOKEN)
    assert not outcome.ok
    assert outcome.message == (
        "Signed in, but the account could not be saved (the disk is full), so Presence Tray "
        "forgot the sign-in. Try again later."
    )
    assert secrets.named == {}
    assert service.account_rows(Platform.MATRIX) == []
    assert [r.getMessage() for r in expected_warnings] == [
        "could not save the account Matrix (@alice:example.org): the disk is full"
    ]


@pytest.mark.prosody
async def test_xmpp_connects_at_a_real_server_named_in_the_server_field(
    service: AccountsService, secrets: MemorySecretStore, trusted: ProsodyServer
) -> None:
    values = {
        "address": "alice@localhost",
        "password": ALICE_PASSWORD,
        "server": f"{trusted.host}:{trusted.port}",
    }
    outcome = await connect(service, Platform.XMPP, "password", values)
    assert outcome.ok, outcome.message
    alice = AccountRef(Platform.XMPP, "alice@localhost")
    assert outcome.account == alice
    assert await secrets.get(alice) == ALICE_PASSWORD  # XMPP needs it at every connect
    [row] = service.account_rows(Platform.XMPP)
    assert row.label == "alice@localhost"

    wrong = await connect(service, Platform.XMPP, "password", {**values, "password": "nope"})
    assert not wrong.ok
    assert "nope" not in wrong.message


NO_KEYRING = "No system keyring was found."


@pytest.fixture
def keyring_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every keyring check made; each answers that there is no keyring."""
    checks: list[str] = []

    def check_backend() -> str:
        checks.append("checked")
        return NO_KEYRING

    monkeypatch.setattr(storage_secrets, "check_backend", check_backend)
    return checks


async def test_without_a_saved_account_the_keyring_is_not_asked_at_start(
    store: LocalStore, keyring_checks: list[str]
) -> None:
    assert await (await AccountsService.load(store)).keyring_problem() is None
    assert await (await AccountsService.load(None)).keyring_problem() is None
    assert keyring_checks == []


async def test_a_saved_account_has_the_keyring_checked_at_start(
    store: LocalStore, keyring_checks: list[str]
) -> None:
    AccountsRepository(store.db).save(Account(AccountRef(Platform.SLACK, "work"), "Work"))
    assert await (await AccountsService.load(store)).keyring_problem() == NO_KEYRING
    assert keyring_checks == ["checked"]
