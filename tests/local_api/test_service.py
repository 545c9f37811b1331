"""The API as the app runs it: switched by the preferences, the discovery file, a taken port,
and the token made once and kept in the keyring."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.preferences import Preferences
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.local_api.discovery import (
    DEFAULT_PORT,
    DISCOVERY_FILE,
    PORT_VARIABLE,
    port_from,
    read_discovery,
)
from presence_tray.local_api.service import LocalApiService
from presence_tray.local_api.sources import ApiSources
from presence_tray.local_api.token import TOKEN_SECRET_NAME, load_or_create_token
from tests.fakes import MemoryKeeper, keyring_for_tests
from tests.servers.processes import free_port, taken_port
from tests.ui.helpers import START

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator


def service_over(
    data_dir: Path, keeper: MemoryKeeper, notices: list[str], port: int | None = 0
) -> LocalApiService:
    """A service whose environment sets ``port`` (None: sets none, the preference decides)."""
    clock = ManualClock(START)
    hub = PresenceHub(clock)
    sources = ApiSources(hub, ClientSupervisor(hub, clock), clock, keyring=keyring_for_tests)
    return LocalApiService(
        sources,
        token_keeper=keeper,
        data_dir=data_dir,
        environ={} if port is None else {PORT_VARIABLE: str(port)},
        on_notice=notices.append,
    )


@pytest.fixture
def keeper() -> MemoryKeeper:
    return MemoryKeeper()


@pytest.fixture
async def service(tmp_path: Path, keeper: MemoryKeeper) -> AsyncIterator[LocalApiService]:
    running = service_over(tmp_path, keeper, [])
    yield running
    await running.aclose()


async def test_it_listens_at_once_and_loads_server_and_token_for_a_first_program(
    service: LocalApiService, keeper: MemoryKeeper, tmp_path: Path
) -> None:
    await service.apply(Preferences())
    assert service.url is not None
    assert service.url.startswith("http://127.0.0.1:")
    path = tmp_path / DISCOVERY_FILE
    assert read_discovery(tmp_path) == {"url": service.url, "pid": os.getpid()}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Nothing loaded while nobody asks: no server, no keyring call, no token made.
    assert not service.serving
    assert (service.token(), keeper.token) == (None, None)

    async with httpx.AsyncClient() as client:
        # The first connection waits in the socket's backlog while the server loads.
        assert (await client.get(f"{service.url}/v1/openapi.json")).status_code == 200
        assert service.serving
        token = service.token()
        assert token is not None
        assert len(token) >= 43
        assert keeper.token == token
        assert token not in path.read_text()
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get(f"{service.url}/v1/health", headers=headers)).status_code == 200
    await service.aclose()
    assert not path.exists()
    assert service.url is None


async def test_the_settings_can_load_the_token_before_any_program_connects(
    service: LocalApiService, keeper: MemoryKeeper
) -> None:
    heard: list[str | None] = []
    service.subscribe(lambda: heard.append(service.token()))
    await service.apply(Preferences())
    service.load_token()
    service.load_token()  # once is enough: one token is made
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert service.token() is not None
    assert keeper.puts == 1
    assert service.token() in heard
    assert not service.serving


async def test_switching_off_and_on_applies_at_once(service: LocalApiService) -> None:
    heard: list[str | None] = []
    service.subscribe(lambda: heard.append(service.url))
    await service.apply(Preferences())
    first = service.url
    await service.apply(Preferences(api_enabled=False))
    assert service.url is None
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{first}/v1/openapi.json")
    await service.apply(Preferences(api_enabled=True))
    assert service.url is not None
    assert heard == [first, None, service.url]


async def test_allowed_origins_apply_without_a_restart(service: LocalApiService) -> None:
    await service.apply(Preferences())
    url = service.url
    await service.apply(Preferences(api_allowed_origins=("http://localhost:3000",)))
    assert service.url == url
    headers = {"Origin": "http://localhost:3000", "Authorization": f"Bearer {service.token()}"}
    async with httpx.AsyncClient(headers=headers) as client:
        answer = await client.get(f"{url}/v1/health")
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


async def test_a_new_port_moves_the_listener_and_the_discovery_file(
    tmp_path: Path, keeper: MemoryKeeper
) -> None:
    service = service_over(tmp_path, keeper, [], port=None)
    first, second = free_port(), free_port()
    try:
        await service.apply(Preferences(api_port=first))
        assert service.url == f"http://127.0.0.1:{first}"
        assert service.port_override is None
        await service.apply(Preferences(api_port=second))
        assert service.url == f"http://127.0.0.1:{second}"
        assert read_discovery(tmp_path) == {"url": service.url, "pid": os.getpid()}
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{service.url}/v1/openapi.json")).status_code == 200
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{first}/v1/openapi.json")
    finally:
        await service.aclose()


async def test_a_taken_new_port_leaves_the_api_where_it_was(
    tmp_path: Path, keeper: MemoryKeeper, expected_warnings: list[logging.LogRecord]
) -> None:
    notices: list[str] = []
    service = service_over(tmp_path, keeper, notices, port=None)
    first = free_port()
    try:
        await service.apply(Preferences(api_port=first))
        url = service.url
        with taken_port() as port:
            await service.apply(Preferences(api_port=port))
        assert service.url == url  # still answering where it was
        assert service.problem is not None
        assert f"could not listen on 127.0.0.1:{port}" in service.problem
        assert "Choose another port in Settings > General > Local API" in service.problem
        assert service.problem.endswith(f"The API still listens on {url}.")
        assert read_discovery(tmp_path) == {"url": url, "pid": os.getpid()}
        assert notices == []  # the settings say it; the API did not stop
        assert len(expected_warnings) == 1
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{url}/v1/openapi.json")).status_code == 200
        await service.apply(Preferences(api_port=first))  # back where it listens
        assert (service.url, service.problem) == (url, None)
    finally:
        await service.aclose()


async def test_a_port_refused_once_is_tried_again_when_asked_again(
    tmp_path: Path, keeper: MemoryKeeper, expected_warnings: list[logging.LogRecord]
) -> None:
    service = service_over(tmp_path, keeper, [], port=None)
    try:
        with taken_port() as port:
            await service.apply(Preferences(api_port=port))
            assert service.url is None
            assert service.problem is not None
        # The other program let the port go; the user saves the same port again.
        await service.apply(Preferences(api_port=port))
        assert (service.url, service.problem) == (f"http://127.0.0.1:{port}", None)
        assert len(expected_warnings) == 1
    finally:
        await service.aclose()


async def test_the_environment_port_wins_over_the_preference(
    service: LocalApiService,
) -> None:
    await service.apply(Preferences())
    url = service.url
    assert service.port_override == 0
    await service.apply(Preferences(api_port=free_port()))
    assert service.url == url  # the variable says any free port: no restart


async def test_the_token_is_made_once_and_kept(keeper: MemoryKeeper) -> None:
    first = await load_or_create_token(keeper)
    again = await load_or_create_token(keeper)
    assert first == again
    assert keeper.puts == 1


async def test_a_taken_port_is_a_notice_and_the_app_carries_on(
    tmp_path: Path, keeper: MemoryKeeper, expected_warnings: list[logging.LogRecord]
) -> None:
    with taken_port() as port:
        notices: list[str] = []
        service = service_over(tmp_path, keeper, notices, port=port)
        await service.apply(Preferences())
        try:
            assert service.url is None
            assert service.problem is not None
            assert f"127.0.0.1:{port}" in service.problem
            assert notices == [service.problem]
            assert "could not listen" in expected_warnings[0].getMessage()
            assert not (tmp_path / DISCOVERY_FILE).exists()
        finally:
            await service.aclose()


async def test_without_a_keyring_the_api_stops_at_the_first_program_and_says_why(
    tmp_path: Path,
) -> None:
    notices: list[str] = []
    service = service_over(tmp_path, MemoryKeeper(broken=True), notices)
    await service.apply(Preferences())
    url = service.url
    assert url is not None
    stopped = asyncio.Event()
    service.subscribe(lambda: stopped.set() if service.url is None else None)
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.TransportError):  # the waiting connection is closed
            await client.get(f"{url}/v1/openapi.json")
    await asyncio.wait_for(stopped.wait(), 5)
    sentence = (
        "The local API is off: its token is kept in the system keyring. "
        "No system keyring was found."
    )
    assert (service.url, service.problem, notices) == (None, sentence, [sentence])
    assert not (tmp_path / DISCOVERY_FILE).exists()
    await service.aclose()


def test_the_port_comes_from_the_environment_then_the_preference(
    expected_warnings: list[logging.LogRecord],
) -> None:
    assert port_from({}, None) == DEFAULT_PORT
    assert port_from({}, 50000) == 50000
    assert port_from({PORT_VARIABLE: "0"}, 50000) == 0
    assert port_from({PORT_VARIABLE: "http"}, 50000) == 50000
    assert port_from({PORT_VARIABLE: "70000"}, None) == DEFAULT_PORT
    assert len(expected_warnings) == 2


def test_api_preferences_are_checked() -> None:
    assert Preferences(api_port=80).problems() == [
        "The local API's port must be 1024 to 65535, not 80."
    ]
    bad = replace(Preferences(), api_allowed_origins=("localhost:3000",))
    assert "is not a web origin" in bad.problems()[0]
    assert Preferences(api_allowed_origins=("https://app.example:8443",)).problems() == []


@pytest.mark.keyring
async def test_the_real_keyring_keeps_one_token_across_restarts(tmp_path: Path) -> None:
    from presence_tray.storage.secrets import KeyringSecretStore

    entry = KeyringSecretStore().app_secret(f"{TOKEN_SECRET_NAME}-test-{os.getpid()}")
    notices: list[str] = []
    clock = ManualClock(START)
    hub = PresenceHub(clock)
    sources = ApiSources(hub, ClientSupervisor(hub, clock), clock, keyring=keyring_for_tests)
    tokens = []
    for _ in range(2):
        service = LocalApiService(
            sources,
            token_keeper=entry,
            data_dir=tmp_path,
            environ={PORT_VARIABLE: "0"},
            on_notice=notices.append,
        )
        await service.apply(Preferences())
        service.load_token()  # as Copy token does; a first program's request does the same
        await service.settled()
        for _ in range(100):
            if service.token() is not None:
                break
            await asyncio.sleep(0.05)
        tokens.append(service.token())
        await service.aclose()
    assert tokens[0] is not None
    assert tokens[0] == tokens[1]
    assert await entry.get() == tokens[0]
    assert notices == []


def test_importing_the_app_and_the_api_service_loads_no_aiohttp() -> None:
    script = (
        "import sys, presence_tray.app, presence_tray.local_api.service, "
        "presence_tray.local_api.sources; print('aiohttp' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "False"
