"""The real OAuth server for the sign-in tests: panva oidc-provider, one per test session.

``oidc_server`` starts ``tests/servers/oidc/server.mjs`` with node on a free port of 127.0.0.1
(the server writes the port to a file), waits for its discovery document, and stops it by PID
at the end of the session. Tests using it carry ``@pytest.mark.oidc`` (see tests/conftest.py),
so they skip where node or the npm packages are missing, and fail in CI instead.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.storage.secrets import KeyringSecretStore
from tests.accounts.helpers import an_account
from tests.servers.processes import stop

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from presence_tray.core.identity import AccountRef

SERVER_DIR = Path(__file__).parents[1] / "servers" / "oidc"
ACCESS_TTL = 4  # seconds an access token lives: short, so the tests can watch it expire
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class OidcServer:
    """A running oidc-provider: its issuer and endpoints (from discovery)."""

    issuer: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    revocation_url: str
    client_id: str = "desktop-app"


def _wait_for_port(port_file: Path, process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the OAuth server exited: {log.read_text()}", pytrace=False)
        text = port_file.read_text().strip() if port_file.exists() else ""
        if text:
            return int(text)
        time.sleep(0.05)
    pytest.fail(f"the OAuth server did not start: {log.read_text()}", pytrace=False)


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcServer]:
    """Start the test OAuth server for this session; stop it (by PID) afterwards."""
    folder = tmp_path_factory.mktemp("oidc")
    port_file, log = folder / "port", folder / "server.log"
    env = {**os.environ, "OIDC_PORT": "0", "OIDC_PORT_FILE": str(port_file)}
    env["ACCESS_TTL"] = str(ACCESS_TTL)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            ["node", str(SERVER_DIR / "server.mjs")],
            cwd=SERVER_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        port = _wait_for_port(port_file, process, log)
        issuer = f"http://127.0.0.1:{port}"
        meta = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        yield OidcServer(
            issuer=meta["issuer"],
            authorize_url=meta["authorization_endpoint"],
            token_url=meta["token_endpoint"],
            userinfo_url=meta["userinfo_endpoint"],
            revocation_url=meta["revocation_endpoint"],
        )
    finally:
        stop(process)


class KeyringAccounts:
    """The desktop's real keyring, and new accounts whose entries are deleted afterwards."""

    def __init__(self) -> None:
        self.store = KeyringSecretStore()
        self.made: list[AccountRef] = []

    def new(self) -> AccountRef:
        """A new account (see :func:`an_account`), remembered for the clean-up."""
        self.made.append(an_account())
        return self.made[-1]


@pytest.fixture
async def keyring_accounts() -> AsyncIterator[KeyringAccounts]:
    """New accounts in the real keyring; every entry they left is deleted afterwards."""
    accounts = KeyringAccounts()
    yield accounts
    for account in accounts.made:
        await accounts.store.delete(account)


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A token URL whose server accepts connections and never answers."""
    hold = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hold.wait()
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/token"
    hold.set()
    server.close()
    await server.wait_closed()


class CannedTokenServer:
    """An endpoint on 127.0.0.1 (token, revocation or identity) that answers every request
    with one canned response, and remembers the last Authorization header it was sent."""

    def __init__(self) -> None:
        self.status = "200 OK"
        self.body = b"{}"
        self.url = ""
        self.authorization = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request (headers and form body), send the canned answer, close."""
        length = 0
        while (line := await reader.readline()) not in {b"\r\n", b""}:
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "authorization":
                self.authorization = value.strip()
        await reader.readexactly(length)
        writer.write(
            f"HTTP/1.1 {self.status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n".encode()
            + self.body
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def canned_token_server() -> AsyncIterator[CannedTokenServer]:
    """A token endpoint whose answer the test sets (``status``, ``body``)."""
    canned = CannedTokenServer()
    server = await asyncio.start_server(canned.handle, "127.0.0.1", 0)
    canned.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/token"
    yield canned
    server.close()
    await server.wait_closed()
