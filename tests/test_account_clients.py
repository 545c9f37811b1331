"""Connected accounts wired as the app wires them: saved Teams and Slack accounts in a real
database, their tokens in a secret store, their clients started by AccountClients against
the fakes over real HTTP on the real clock. Presence reaches the hub, "Set my status" reaches
both platforms through the supervisor (as the tray menu sends it), and Disconnect stops the
account's client."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray import cli
from presence_tray.account_clients import (
    API_BASES_VARIABLE,
    AccountClients,
    Reader,
    api_bases_from,
    reader_of,
    reads_with,
)
from presence_tray.accounts_service import AccountsService
from presence_tray.core.client import AccountHealth, OwnStatus
from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.own_status import OwnStatusOutcome
from presence_tray.core.preferences import Account
from presence_tray.core.presence import PresenceState
from presence_tray.runtime import new_runtime
from presence_tray.settings_service import SettingsService
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import database_path
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.whatsapp_account import WEBHOOK_ACCOUNT
from presence_tray.whatsapp_webhook import WEBHOOK_SECRETS_ACCOUNT
from tests.accounts.stores import MemorySecretStore
from tests.servers.http_fake import FakeHttpServer
from tests.servers.teams_and_slack import BOB, ME, SLACK, TEAMS, TeamsAndSlack

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

SECONDS_ALLOWED = 10.0


async def eventually(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + SECONDS_ALLOWED
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.02)


class Platforms(TeamsAndSlack):
    """The two fakes, served on free ports of 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self.graph_server = FakeHttpServer(self.graph_handler)
        self.slack_server = FakeHttpServer(self.slack_handler)

    async def start(self) -> None:
        await self.graph_server.start()
        await self.slack_server.start()

    async def aclose(self) -> None:
        await self.graph_server.aclose()
        await self.slack_server.aclose()


@pytest.fixture
async def platforms() -> AsyncIterator[Platforms]:
    fakes = Platforms()
    await fakes.start()
    yield fakes
    await fakes.aclose()


async def saved_accounts(data_dir: Path, fakes: Platforms) -> tuple[LocalStore, AccountsService]:
    """Both accounts saved in the accounts' database, their tokens in a secret store."""
    store = await LocalStore.open(database_path(data_dir))
    repository = AccountsRepository(store.db)
    secrets = MemorySecretStore()
    await fakes.connect(repository, secrets)
    # A short timeout: Disconnect tries to tell slack.com, which is not reachable from here.
    service = AccountsService(repository, repository.list(), secrets=secrets, http_timeout=1.0)
    return store, service


async def test_connected_accounts_read_presence_set_my_status_and_stop_on_disconnect(
    tmp_path: Path, platforms: Platforms
) -> None:
    store, accounts = await saved_accounts(tmp_path, platforms)
    runtime = new_runtime(cli.build_parser().parse_args([]), simulated=False)
    clients = AccountClients(
        runtime,
        accounts,
        is_priority=lambda _: False,
        api_bases=platforms.api_bases(platforms.graph_server.url, platforms.slack_server.url),
    )
    hub, supervisor = runtime.hub, runtime.supervisor
    grace = unlinked_person_id(IdentityKey(Platform.TEAMS, TEAMS.account_id, platforms.grace.id))
    bob = unlinked_person_id(IdentityKey(Platform.SLACK, SLACK.account_id, BOB))

    def state_of(person_id: str) -> PresenceState | None:
        hub.flush()
        aggregate = hub.aggregate(person_id)
        return None if aggregate is None else aggregate.state

    try:
        await clients.start_saved()
        assert sorted(c.account for c in clients.running()) == sorted([SLACK, TEAMS])
        # Both contact lists and a first presence reach the hub (Bob is active, Grace online).
        await eventually(
            "Grace and Bob online in the hub",
            lambda: {state_of(grace), state_of(bob)} == {PresenceState.ONLINE},
        )
        assert supervisor.status(TEAMS).health is AccountHealth.LIVE  # type: ignore[union-attr]

        # The tray's "Do not disturb for 30 min" goes to both platforms.
        until = time.time() + 30 * 60
        results = await supervisor.set_own_status(
            OwnStatus(PresenceState.BUSY, dnd=True, until=until)
        )
        assert {r.account: r.outcome for r in results} == {
            TEAMS: OwnStatusOutcome.SET,
            SLACK: OwnStatusOutcome.SET,
        }
        assert platforms.graph.presence_of(platforms.ada.id)[0] == "DoNotDisturb"
        assert platforms.slack.people[ME].snooze_end == pytest.approx(until, abs=60)

        # Disconnect stops Slack's client; Teams keeps running.
        said: list[str] = []
        accounts.start_disconnect(SLACK, on_done=said.append)
        await eventually("the disconnect", lambda: bool(said))
        await eventually(
            "Slack's client stopped",
            lambda: [c.account for c in clients.running()] == [TEAMS],
        )
        assert supervisor.status(SLACK).health is AccountHealth.STOPPED  # type: ignore[union-attr]
        calls = len(platforms.slack_server.requests)
        await asyncio.sleep(0.3)
        assert len(platforms.slack_server.requests) == calls
        assert supervisor.status(TEAMS).health is AccountHealth.LIVE  # type: ignore[union-attr]
    finally:
        await clients.aclose()
        await runtime.aclose()
        await accounts.aclose()
        await store.aclose()
    assert clients.running() == []


def test_the_api_bases_test_seam_names_platforms_it_reads_only(
    expected_warnings: list[logging.LogRecord],
) -> None:
    environ = {
        API_BASES_VARIABLE: "slack=http://127.0.0.1:1/api/ Teams=http://127.0.0.1:2/v1.0 "
        "whatsapp=http://127.0.0.1:3 zoom=ftp://nowhere skype=http://x discord=http://127.0.0.1:4 "
        "xmpp=http://127.0.0.1:5"
    }
    assert api_bases_from(environ) == {
        Platform.SLACK: "http://127.0.0.1:1/api/",
        Platform.TEAMS: "http://127.0.0.1:2/v1.0",
        Platform.DISCORD: "http://127.0.0.1:4",
    }
    assert api_bases_from({}) == {}
    said = [record.getMessage() for record in expected_warnings]
    assert any("no platform called 'skype'" in sentence for sentence in said)
    assert any("Slack is read from http://127.0.0.1:1/api/" in sentence for sentence in said)


async def test_live_accounts_get_their_platforms_client_built_from_the_saved_secret(
    tmp_path: Path,
) -> None:
    xmpp = AccountRef(Platform.XMPP, "me@example.org")
    matrix = AccountRef(Platform.MATRIX, "@me:example.org")
    bot = AccountRef(Platform.DISCORD, "bot-1")
    discord_sign_in = AccountRef(Platform.DISCORD, "user-1")
    store = await LocalStore.open(database_path(tmp_path))
    repository = AccountsRepository(store.db)
    secrets = MemorySecretStore()
    saved = {
        xmpp: ({"method": "password", "address": xmpp.account_id}, "FAKE-NOT-A-SECRET-pw"),
        matrix: (
            {"method": "password", "homeserver": "http://127.0.0.1:9", "user_id": "@me:x"},
            '{"access_token": "FAKE-NOT-A-SECRET-mx", "device_id": "D1"}',
        ),
        bot: ({"method": "bot_token"}, "FAKE-NOT-A-SECRET-bot"),
        discord_sign_in: ({"method": "oauth", "client_id": "c"}, "{}"),  # who you are, only
    }
    for ref, (settings, secret) in saved.items():
        repository.save(Account(ref, ref.account_id, settings=settings))
        await secrets.put(ref, secret)
    accounts = AccountsService(repository, repository.list(), secrets=secrets)
    runtime = new_runtime(cli.build_parser().parse_args([]), simulated=False)
    clients = AccountClients(runtime, accounts, is_priority=lambda _: False)
    try:
        await clients.start_saved()
        built = {client.account: type(client).__name__ for client in clients.running()}
    finally:
        await clients.aclose()  # before any of them tries to connect
        await runtime.aclose()
        await store.aclose()
    assert built == {xmpp: "XmppClient", matrix: "MatrixClient", bot: "DiscordClient"}
    assert {platform for platform in Platform if reads_with(platform, "bot_token")} == {
        Platform.SLACK,
        Platform.TEAMS,
        Platform.ZOOM,
        Platform.DISCORD,
        Platform.MATRIX,
        Platform.XMPP,
    }


def test_one_rule_says_what_reads_an_account_and_which_have_clients() -> None:
    assert reader_of(Platform.SLACK, "oauth") is Reader.POLLED_CLIENT
    assert reader_of(Platform.DISCORD, "bot_token") is Reader.LIVE_CLIENT
    assert reader_of(Platform.WHATSAPP, "webhook") is Reader.LOCAL_API
    assert reader_of(Platform.DISCORD, "oauth") is None  # who you are, only
    assert reader_of(Platform.WHATSAPP, "oauth") is None
    assert reader_of(Platform.LINKEDIN, "oauth") is None
    assert reads_with(Platform.WHATSAPP, "webhook")  # so it makes a connected run


async def test_the_whatsapp_webhook_gets_no_client_and_its_row_no_client_health(
    tmp_path: Path,
) -> None:
    """Its reader is the local API's inbox: nothing starts, nothing fails or reconnects."""
    xmpp = AccountRef(Platform.XMPP, "me@example.org")
    store = await LocalStore.open(database_path(tmp_path))
    repository = AccountsRepository(store.db)
    secrets = MemorySecretStore()
    repository.save(Account(xmpp, xmpp.account_id, settings={"method": "password"}))
    await secrets.put(xmpp, "FAKE-NOT-A-SECRET-pw")
    repository.save(WEBHOOK_ACCOUNT)
    accounts = AccountsService(repository, repository.list(), secrets=secrets)
    runtime = new_runtime(cli.build_parser().parse_args([]), simulated=False)
    clients = AccountClients(runtime, accounts, is_priority=lambda _: False)
    settings = SettingsService(runtime, accounts=accounts)
    try:
        await clients.start_saved()
        started = [client.account for client in clients.running()]
        # Saved again (as the settings do when it is set up) while the clients follow.
        await accounts.save_account(WEBHOOK_ACCOUNT)
        await asyncio.sleep(0.05)  # the follow-up: nothing to start, at once
        after_save = [client.account for client in clients.running()]
        (row,) = settings.account_rows(Platform.WHATSAPP)
    finally:
        await clients.aclose()
        await settings.aclose()
        await runtime.aclose()
        await store.aclose()
    assert started == after_save == [xmpp]
    assert runtime.supervisor.status(WEBHOOK_SECRETS_ACCOUNT) is None
    assert row.state == (
        "set up; each message Meta sends to the local API is noted as its sender's last interaction"
    )
    assert not row.needs_reconnect
