"""Connect, Reconnect and Disconnect through the accounts service, end to end below the UI.

The OAuth platforms sign in at the real test server (oidc-provider) through the test seam
(``sign_in_server``, as PRESENCE_TRAY_SIGN_IN_SERVER sets it), with a scripted user in a
scripted browser; tokens go to the real keyring and the account rows to a real SQLite file.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from presence_tray.account_clients import reads_with
from presence_tray.accounts import id_token as id_token_module
from presence_tray.accounts.id_token import check_id_token as real_check_id_token
from presence_tray.accounts.slack_app_token import APP_TOKEN_PREFIX
from presence_tray.accounts.tokens import NeedsReconnectError
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.accounts_service import WAITING_FOR_BROWSER, AccountsService, ConnectOutcome
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.secrets import SECRET_NAMES, SLACK_APP_TOKEN
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.storage.secrets import KeyringSecretStore
from tests.accounts.browser import ScriptedUser
from tests.accounts.helpers import closed_port, database_bytes
from tests.servers.http_fake import FakeHttpServer
from tests.servers.slack_fake import SlackFake

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from pathlib import Path

    from presence_tray.core.supervisor import AccountStatus
    from presence_tray.storage.local_store import LocalStore
    from tests.servers.oidc_server import OidcServer

pytestmark = [pytest.mark.oidc, pytest.mark.keyring]


class CleanedKeyring(KeyringSecretStore):
    """The real keyring; every account it stored for is wiped after the test."""

    def __init__(self) -> None:
        super().__init__()
        self.touched: set[AccountRef] = set()

    async def put(self, account: AccountRef, secret: str, *, name: str = "") -> None:
        """Store, remembering the account for the clean-up."""
        self.touched.add(account)
        await super().put(account, secret, name=name)

    async def every_secret(self, account: AccountRef) -> dict[str, str]:
        """The account's secrets that exist, by name."""
        found = {name: await self.get(account, name=name) for name in SECRET_NAMES}
        return {name: secret for name, secret in found.items() if secret is not None}


@dataclass
class Browser:
    """Opens each sign-in for the next scripted user in line (``users``), or for nobody."""

    users: list[ScriptedUser] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    played: list[ScriptedUser] = field(default_factory=list)

    def open(self, url: str) -> bool:
        """What the service gets instead of webbrowser.open."""
        self.opened.append(url)
        if self.users:
            user = self.users.pop(0)
            self.played.append(user)
            user.open_browser(url)
        return True

    async def finished(self) -> None:
        """Wait for every scripted browser session to end."""
        for user in self.played:
            await user.finished()


@dataclass
class Setup:
    """A service over a real SQLite file and the real keyring, signing in at the test server."""

    service: AccountsService
    repository: AccountsRepository
    keyring: CleanedKeyring
    browser: Browser
    database: Path
    issuer: str

    def restarted(self) -> AccountsService:
        """A new service over the same saved accounts, as after a restart."""
        return AccountsService(
            self.repository,
            self.repository.list(),
            secrets=self.keyring,
            open_browser=self.browser.open,
            sign_in_server=self.issuer,
            sign_in_timeout=30,
            http_timeout=10,
        )


@pytest.fixture
async def setup(oidc_server: OidcServer, store: LocalStore, tmp_path: Path) -> AsyncIterator[Setup]:
    """A fresh service; its keyring entries are deleted afterwards."""
    repository = AccountsRepository(store.db)
    keyring = CleanedKeyring()
    browser = Browser()
    made = Setup(
        AccountsService(repository, secrets=keyring),
        repository,
        keyring,
        browser,
        tmp_path / "presence.sqlite3",
        oidc_server.issuer,
    )
    made.service = made.restarted()
    yield made
    await made.service.aclose()
    for account in keyring.touched:
        for name in SECRET_NAMES:
            await keyring.delete(account, name=name)


def a_user(**options: bool) -> ScriptedUser:
    """A new person at the test server (its userinfo ``sub`` names the account)."""
    return ScriptedUser(username=f"user-{uuid.uuid4().hex[:10]}", **options)


async def connect(
    service: AccountsService,
    platform: Platform = Platform.SLACK,
    values: Mapping[str, str] | None = None,
    *,
    method: str = "oauth",
    replacing: AccountRef | None = None,
    progress: list[str] | None = None,
) -> ConnectOutcome:
    """Run one connect to its outcome."""
    done: asyncio.Future[ConnectOutcome] = asyncio.get_running_loop().create_future()
    service.start_connect(
        platform,
        method,
        {"client_id": "desktop-app"} if values is None else values,
        replacing=replacing,
        on_progress=(progress if progress is not None else []).append,
        on_done=done.set_result,
    )
    return await asyncio.wait_for(done, 60)


async def disconnect(service: AccountsService, account: AccountRef) -> str:
    """Run one disconnect to its sentence."""
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    service.start_disconnect(account, on_done=done.set_result)
    return await asyncio.wait_for(done, 30)


async def test_connect_saves_the_account_and_keeps_tokens_only_in_the_keyring(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = a_user()
    setup.browser.users.append(user)
    heard: list[AccountStatus] = []
    setup.service.subscribe(heard.append)
    progress: list[str] = []

    outcome = await connect(setup.service, progress=progress)
    await setup.browser.finished()

    ref = AccountRef(Platform.SLACK, user.username)
    assert outcome.ok, outcome.message
    assert outcome.account == ref
    assert outcome.message == (
        f"Connected to Slack as {user.username}; Presence Tray reads presence from Slack."
    )
    assert WAITING_FOR_BROWSER in progress
    [saved] = setup.repository.list()
    assert (saved.ref, saved.label, saved.sign_in_problem) == (ref, user.username, None)
    assert dict(saved.settings) == {"method": "oauth", "client_id": "desktop-app"}
    [row] = setup.service.account_rows(Platform.SLACK)
    assert row.state == f"signed in as {user.username}; Presence Tray reads presence from Slack"
    assert not row.needs_reconnect
    assert not row.simulated
    assert [status.account for status in heard] == [ref]

    tokens = TokenSet.from_secret(await setup.keyring.get(ref) or "")
    assert tokens.refresh_token
    # Not in SQLite (nor its write-ahead log), not in any log record but the browser's own.
    stored = database_bytes(setup.database.parent)
    assert stored
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert any(record.name == "presence_tray.accounts_service" for record in caplog.records)
    for secret in (tokens.access_token, tokens.refresh_token):
        assert secret.encode() not in stored
        assert not [text for text in logged if secret in text]


async def test_the_same_person_twice_is_one_account_two_people_are_two(setup: Setup) -> None:
    alice, bob = a_user(), a_user()
    setup.browser.users += [alice, ScriptedUser(username=alice.username), bob]
    for _ in range(3):
        assert (await connect(setup.service)).ok
    await setup.browser.finished()
    refs = [account.ref for account in setup.repository.list()]
    assert refs == [
        AccountRef(Platform.SLACK, alice.username),
        AccountRef(Platform.SLACK, bob.username),
    ]
    assert [row.label for row in setup.service.account_rows(Platform.SLACK)] == [
        alice.username,
        bob.username,
    ]
    assert setup.service.account_rows(Platform.ZOOM) == []


async def test_cancel_ends_the_sign_in_and_saves_nothing(setup: Setup) -> None:
    done: asyncio.Future[ConnectOutcome] = asyncio.get_running_loop().create_future()
    waiting = asyncio.Event()
    attempt = setup.service.start_connect(
        Platform.ZOOM,
        "oauth",
        {"client_id": "desktop-app"},
        replacing=None,
        on_progress=lambda sentence: sentence == WAITING_FOR_BROWSER and waiting.set(),
        on_done=done.set_result,
    )
    await asyncio.wait_for(waiting.wait(), 10)  # nobody is in the browser
    attempt.cancel()
    outcome = await asyncio.wait_for(done, 10)
    assert not outcome.ok
    assert outcome.message == "The Zoom (test server) sign-in was cancelled; nothing was saved."
    assert setup.repository.list() == []
    attempt.cancel()  # again, after the end: nothing happens


async def test_denied_consent_is_an_outcome_with_the_sentence(setup: Setup) -> None:
    setup.browser.users.append(a_user(consent=False))
    outcome = await connect(setup.service, Platform.DISCORD)
    await setup.browser.finished()
    assert not outcome.ok
    assert outcome.message.startswith("Access to your Discord (test server) account was not")
    assert setup.repository.list() == []


async def test_disconnect_revokes_and_deletes_every_secret_and_the_row(setup: Setup) -> None:
    user = a_user()
    setup.browser.users.append(user)
    ref = (await connect(setup.service)).account
    await setup.browser.finished()
    assert ref is not None
    await setup.keyring.put(
        ref, f"{APP_TOKEN_PREFIX}FAKE-NOT-A-SECRET-planted", name=SLACK_APP_TOKEN
    )
    assert set(await setup.keyring.every_secret(ref)) == {"", SLACK_APP_TOKEN}

    message = await disconnect(setup.service, ref)

    assert message == f"Signed out of {ref}; Slack (test server) has ended Presence Tray's access."
    assert await setup.keyring.every_secret(ref) == {}
    assert setup.repository.list() == []
    assert setup.service.account_rows(Platform.SLACK) == []
    assert await disconnect(setup.service, ref) == f"{ref} is not connected."


async def test_a_refused_renewal_needs_a_reconnect_across_restarts_until_one_works(
    setup: Setup,
) -> None:
    user = a_user()
    setup.browser.users.append(user)
    ref = (await connect(setup.service, Platform.TEAMS, {"client_id": "desktop-app"})).account
    await setup.browser.finished()
    assert ref is not None
    tokens = TokenSet.from_secret(await setup.keyring.get(ref) or "")
    # The access token has expired and the refresh token is one the server never issued.
    spoiled = replace(tokens, refresh_token="not-a-refresh-token", expires_at=time.time() - 1)
    await setup.keyring.put(ref, spoiled.to_secret())

    holder = await setup.service.token_holder(ref)
    with pytest.raises(NeedsReconnectError):
        await holder.access_token()
    await setup.service.flush()

    for service in (setup.service, setup.restarted()):
        [row] = service.account_rows(Platform.TEAMS)
        assert row.needs_reconnect
        assert row.state == (
            f"needs reconnecting: Presence Tray lost access to {ref}. Reconnect the account in "
            "Settings."
        )
    [method] = setup.service.connect_methods(Platform.TEAMS, account=ref)
    assert {f.name: f.default for f in method.fields} == {
        "client_id": "desktop-app",
        "tenant": "organizations",
    }

    setup.browser.users.append(ScriptedUser(username=user.username))
    outcome = await connect(
        setup.service, Platform.TEAMS, {"client_id": "desktop-app"}, replacing=ref
    )
    await setup.browser.finished()
    assert outcome.ok, outcome.message
    [saved] = setup.repository.list()
    assert saved.sign_in_problem is None
    assert not setup.service.account_rows(Platform.TEAMS)[0].needs_reconnect
    assert (await (await setup.service.token_holder(ref)).access_token()) != tokens.access_token


async def test_a_reconnect_as_someone_else_changes_nothing(setup: Setup) -> None:
    alice = a_user()
    setup.browser.users += [alice, a_user()]
    ref = (await connect(setup.service)).account
    assert ref is not None
    outcome = await connect(setup.service, replacing=ref)
    await setup.browser.finished()
    assert not outcome.ok
    assert outcome.message.startswith("You signed in as another account")
    assert [account.ref for account in setup.repository.list()] == [ref]


async def test_an_unreachable_sign_in_server_is_a_sentence(setup: Setup) -> None:
    service = AccountsService(
        setup.repository,
        secrets=setup.keyring,
        open_browser=setup.browser.open,
        sign_in_server=f"http://127.0.0.1:{closed_port()}",
        http_timeout=5,
    )
    outcome = await connect(service)
    assert not outcome.ok
    assert "could not be reached" in outcome.message
    assert "PRESENCE_TRAY_SIGN_IN_SERVER" in outcome.message
    assert setup.browser.opened == []
    assert service.sign_in_server_note().startswith("Sign-in goes to the test server at http://")


async def test_a_slack_app_token_is_kept_beside_the_tokens_and_leaves_with_them(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app_token = f"{APP_TOKEN_PREFIX}FAKE-NOT-A-SECRET-planted-app-token"
    slack = SlackFake(app_token=app_token)
    server = await FakeHttpServer(slack.handle).start()
    try:
        service = AccountsService(
            setup.repository,
            secrets=setup.keyring,
            open_browser=setup.browser.open,
            sign_in_server=setup.issuer,
            sign_in_timeout=30,
            api_bases={Platform.SLACK: server.url + "/api"},
        )
        setup.browser.users.append(a_user())
        outcome = await connect(
            service, values={"client_id": "desktop-app", "app_token": app_token}
        )
        await setup.browser.finished()
        ref = outcome.account
        assert outcome.ok, outcome.message
        assert ref is not None
        assert (await setup.keyring.every_secret(ref))[SLACK_APP_TOKEN] == app_token
        stored = database_bytes(setup.database.parent)
        assert app_token.encode() not in stored
        assert not [r for r in caplog.records if app_token in r.getMessage()]

        await disconnect(service, ref)
        assert await setup.keyring.every_secret(ref) == {}

        # A wrong app token stops the connect before the browser opens.
        opened = len(setup.browser.opened)
        outcome = await connect(
            service,
            values={
                "client_id": "desktop-app",
                "app_token": f"{APP_TOKEN_PREFIX}FAKE-NOT-A-SECRET-wrong",
            },
        )
        assert not outcome.ok
        assert "app-level token" in outcome.message
        assert len(setup.browser.opened) == opened
    finally:
        await server.aclose()


async def test_linkedin_signs_in_with_openid_connect_and_reads_nothing(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = a_user()
    setup.browser.users.append(user)
    checked: list[str] = []

    def check_id_token(token: str, **expected: object) -> None:
        checked.append(str(expected["subject"]))
        real_check_id_token(token, **expected)  # type: ignore[arg-type]

    monkeypatch.setattr(id_token_module, "check_id_token", check_id_token)

    outcome = await connect(setup.service, Platform.LINKEDIN)
    await setup.browser.finished()

    ref = AccountRef(Platform.LINKEDIN, user.username)
    label = f"User {user.username} ({user.username}@example.org)"  # userinfo: name and email
    no_presence = "LinkedIn shares no presence, so there is nothing more to read"
    assert outcome.ok, outcome.message
    assert outcome.account == ref  # the userinfo sub names the account...
    assert checked == [user.username]  # ...and is the ID token's sub
    assert outcome.message == f"Connected to LinkedIn as {label}; {no_presence}."
    [opened] = setup.browser.opened
    asked = parse_qs(urlsplit(opened).query)
    assert asked["scope"] == ["openid profile email"]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["code_challenge"]
    redirect = urlsplit(asked["redirect_uri"][0])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
    [saved] = setup.repository.list()
    assert (saved.ref, saved.label) == (ref, label)
    for service in (setup.service, setup.restarted()):
        [row] = service.account_rows(Platform.LINKEDIN)
        assert row.state == f"signed in as {label}; {no_presence}"
        assert not row.needs_reconnect
    secret = await setup.keyring.get(ref) or ""
    assert "id_token" not in secret  # checked against the userinfo sub, then dropped
    tokens = TokenSet.from_secret(secret)
    assert tokens.refresh_token is None  # no offline_access: LinkedIn renews for partners only
    assert set(tokens.scope.split()) == {"openid", "profile", "email"}
    # Nothing pretends to read it: no client runs for a LinkedIn account.
    assert not reads_with(Platform.LINKEDIN, "oauth")
