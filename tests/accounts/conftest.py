"""Fixtures of the sign-in tests: keyring accounts cleaned up afterwards, and token endpoints
that answer as a test says (the real OAuth server itself, ``oidc_server``, is a fixture of
tests/servers/fixtures.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray.storage.secrets import KeyringSecretStore
from tests.accounts.helpers import an_account

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from presence_tray.core.identity import AccountRef


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
