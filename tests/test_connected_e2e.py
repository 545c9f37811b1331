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
from tests.servers.http_fake import FakeHttpServer
from tests.servers.teams_and_slack import ME, SLACK, TEAMS, TeamsAndSlack

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

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
