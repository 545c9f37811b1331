"""The real app process with connected Teams and Slack accounts, on the test desktop.

The accounts are saved in the accounts' database and their tokens in the real keyring (the
test desktop's gnome-keyring); the platforms are the fakes, served from this test on free
ports of 127.0.0.1 (in a thread, with their own event loop) and named to the app through
``PRESENCE_TRAY_API_BASES``. A person opens the contacts window and sees their colleagues
from both platforms, then chooses "Set my status → Busy" in the tray menu with the keyboard,
and both platforms show them busy.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, TypeVar

import pytest

from presence_tray.account_clients import API_BASES_VARIABLE
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import DATA_DIR_ENV, database_path
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.storage.secrets import KeyringSecretStore
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
from tests.servers.graph import GRAPH_PREFIX, GraphFake
from tests.servers.http_fake import FakeHttpServer
from tests.servers.slack import API_PREFIX, SlackWorkspaceFake

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.desktop import Geometry

T = TypeVar("T")

TEAMS = AccountRef(Platform.TEAMS, "contoso-e2e")
SLACK = AccountRef(Platform.SLACK, "acme-e2e")
SLACK_TOKEN = "xoxp-FAKE-NOT-A-SECRET-e2e"
ME, BOB = "U0ME", "U0BOB"
CONTACTS_TITLE = "^Presence Tray — Contacts"


class FakePlatforms:
    """A fake Teams tenant and Slack workspace, served by an event loop of their own thread;
    the test reads their state through that loop."""

    def __init__(self) -> None:
        self.graph = GraphFake(time.time)
        self.ada = self.graph.add_user("Ada Lovelace")  # who signs in
        self.grace = self.graph.add_user("Grace Hopper")
        self.teams_token = self.graph.issue_token(self.ada.id, lifetime=3600)
        self.slack = SlackWorkspaceFake(clock=time.time)
        self.slack.add_person(ME, "mia", "Mia Example")
        self.slack.add_person(BOB, "bob", "Bob Builder")
        self.slack.issue_token(SLACK_TOKEN, ME)
        self._servers = (FakeHttpServer(self.graph.handle), FakeHttpServer(self.slack.handle))
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

    def api_bases(self) -> str:
        graph, slack = (server.url for server in self._servers)
        return f"teams={graph}{GRAPH_PREFIX} slack={slack}{API_PREFIX}"


@pytest.fixture
def platforms() -> Iterator[FakePlatforms]:
    with FakePlatforms() as fakes:
        yield fakes


async def connect_accounts(
    data_dir: Path, fakes: FakePlatforms, keyring: KeyringSecretStore
) -> None:
    """What Connect leaves behind: both accounts saved, their tokens in the keyring."""
    store = await LocalStore.open(database_path(data_dir))
    try:
        repository = AccountsRepository(store.db)
        oauth = {"method": "oauth", "client_id": "FAKE-CLIENT-ID"}
        repository.save(
            Account(TEAMS, "ada@contoso", settings={**oauth, "tenant": "organizations"})
        )
        repository.save(Account(SLACK, "Acme", settings=oauth))
    finally:
        await store.aclose()
    teams = TokenSet(fakes.teams_token, "FAKE-NOT-A-SECRET-refresh", time.time() + 3600)
    await keyring.put(TEAMS, teams.to_secret())
    await keyring.put(SLACK, TokenSet(SLACK_TOKEN).to_secret())


@pytest.fixture
def keyring() -> Iterator[KeyringSecretStore]:
    """The real keyring; the test accounts' secrets are deleted afterwards."""
    store = KeyringSecretStore()
    yield store
    for account in (TEAMS, SLACK):
        asyncio.run(store.delete(account))


@pytest.mark.desktop
@pytest.mark.keyring
def test_connected_accounts_show_their_people_and_set_my_status_from_the_tray(
    data_dir: Path, tmp_path: Path, platforms: FakePlatforms, keyring: KeyringSecretStore
) -> None:
    asyncio.run(connect_accounts(data_dir, platforms, keyring))
    environment = {DATA_DIR_ENV: str(data_dir), API_BASES_VARIABLE: platforms.api_bases()}
    app = AppProcess([], tmp_path / "stderr.log", environment)
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
    assert SLACK_TOKEN not in stderr
    assert platforms.teams_token not in stderr
