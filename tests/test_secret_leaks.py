"""Secrets never leave the keyring: a full session with a planted token, then a search.

A client keeps its token in the real keyring, connects, rotates the token, hits a dropped
connection, a rate limit and finally a revoked sign-in, and the app shuts down. Then the
database file and its WAL, everything logged (at DEBUG, with tracebacks), the exported data,
the account statuses shown to the user and every exception raised are searched for the
tokens: none may be there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import TYPE_CHECKING

import pytest

from presence_tray import cli
from presence_tray import runtime as runtime_module
from presence_tray.core.client import AccountHealth, Capabilities, PresenceMode, PresenceSink
from presence_tray.core.errors import AuthError, RateLimitedError, TransientError
from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Platform
from presence_tray.core.preferences import Account
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.storage.secrets import KeyringSecretStore

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.core.secrets import SecretStore
    from presence_tray.core.supervisor import AccountStatus

pytestmark = pytest.mark.keyring

ACCOUNT = AccountRef(Platform.SLACK, "leak-test")
TOKEN = f"FAKE-planted-token-{secrets.token_hex(16)}"
ROTATED = f"xoxe-rotated-{secrets.token_hex(16)}"
REFRESH = f"refresh-{secrets.token_hex(16)}"


class TokenClient:
    """A client that signs in with a keyring token, rotates it, and then fails three ways."""

    account = ACCOUNT
    capabilities = Capabilities(
        PresenceMode.POLLED, can_set_own_status=True, can_list_contacts=True
    )

    def __init__(self, store: SecretStore) -> None:
        self.store = store
        self.runs = 0
        self.seen_tokens: list[str] = []
        self.errors: list[BaseException] = []

    async def run(self, sink: PresenceSink) -> None:
        self.runs += 1
        stored = await self.store.get(ACCOUNT)
        assert stored is not None
        self.seen_tokens.append(json.loads(stored)["access_token"])
        try:
            await self._step(sink)
        except BaseException as err:
            self.errors.append(err)
            raise

    async def _step(self, sink: PresenceSink) -> None:
        if self.runs == 1:
            key = IdentityKey(Platform.SLACK, ACCOUNT.account_id, "U0LEAK")
            sink.add_contacts([Identity(key, "Token Tester", handles=("tester@example.org",))])
            sink.report_live()
            sink.publish(PlatformPresence(key, PresenceState.ONLINE, 1.0))
            rotated = {"access_token": ROTATED, "refresh_token": REFRESH}
            await self.store.put(ACCOUNT, json.dumps(rotated))  # a refresh rotates the token
            raise TransientError("connection reset by peer")
        if self.runs == 2:
            raise RateLimitedError("Slack answered 429 Too Many Requests", retry_after=0.05)
        raise AuthError("the token was revoked (invalid_auth)")


async def test_a_full_session_leaves_no_secret_outside_the_keyring(
    tmp_path: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    store = KeyringSecretStore()
    await store.put(ACCOUNT, json.dumps({"access_token": TOKEN, "refresh_token": REFRESH}))
    log_path = tmp_path / "session.log"
    handler = logging.FileHandler(log_path)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    raised: list[BaseException] = []
    try:
        options = cli.build_parser().parse_args(["--people", "6", "--speed", "600"])
        runtime = await runtime_module.build_runtime(options)
        assert runtime.store is not None
        await asyncio.to_thread(
            AccountsRepository(runtime.store.db).save,
            Account(ACCOUNT, "Work Slack", settings={"client_id": "1234.5678"}),
        )
        client = TokenClient(store)
        runtime.clients = [*runtime.clients, client]
        parked = asyncio.Event()

        def on_status(status: AccountStatus) -> None:
            if status.account == ACCOUNT and status.health is AccountHealth.NEEDS_RECONNECT:
                parked.set()

        runtime.supervisor.subscribe(on_status)
        runtime.start()
        await asyncio.wait_for(parked.wait(), 20)
        statuses = [s.message for s in runtime.supervisor.statuses()]
        await asyncio.sleep(2.5)  # let the write-behind write a batch or two
        export = await runtime.store.export()
        db_path = runtime.store.db.path
        await runtime.aclose()
        raised.extend(client.errors)
        assert client.seen_tokens == [TOKEN, ROTATED, ROTATED]  # the session really used them
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(previous_level)
        await store.delete(ACCOUNT)

    places: dict[str, bytes] = {
        "log": log_path.read_bytes(),
        "export": json.dumps(export).encode(),
        "account statuses": "\n".join(statuses).encode(),
        "exceptions": "\n".join(f"{e!r} {e}" for e in raised).encode(),
        "warnings": "\n".join(r.getMessage() for r in expected_warnings).encode(),
    }
    for path in db_path.parent.iterdir():  # the database, its WAL and shared memory
        if path.name.startswith(db_path.name):
            places[path.name] = path.read_bytes()
    assert any(name.endswith("-wal") for name in places) or db_path.stat().st_size > 0
    assert b"Token Tester" in places[db_path.name] + places.get(db_path.name + "-wal", b"")
    for secret in (TOKEN, ROTATED, REFRESH):
        for where, content in places.items():
            assert secret.encode() not in content, f"a token reached the {where}"
    assert "Reconnect the account" in "\n".join(statuses)
