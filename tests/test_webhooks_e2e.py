"""Webhooks end to end: the real app on the test desktop, a hook saved in its database with
its secret in the real keyring, and a receiver on 127.0.0.1 that checks every signature."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, ClassVar

import pytest

from presence_tray.core.webhook_body import verify
from presence_tray.core.webhooks import Webhook
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import database_path
from presence_tray.storage.secrets import KeyringSecretStore, KeyringWebhookSecrets
from tests.app_process import AppRuns
from tests.desktop import wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

HOOK_ID = "e2e-test-hook"
SECRET = "e2e-signing-secret-0123456789"
PEOPLE = 12
NETWORK = ["--people", str(PEOPLE), "--speed", "600"]


class Recorder(BaseHTTPRequestHandler):
    """Keeps each POST's headers and body; answers 204."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append((dict(self.headers.items()), self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/webhook/private-id"
    finally:
        server.shutdown()
        server.server_close()


def save_hook(data_dir: Path, url: str) -> None:
    """The hook in the simulated network's database, its secret in the real keyring."""

    async def save() -> None:
        store = await LocalStore.open(database_path(data_dir, simulated=True))
        try:
            people = frozenset(f"sim-{n:05d}" for n in range(PEOPLE))
            hook = Webhook(HOOK_ID, url, person_ids=people, created_at=time.time())
            await asyncio.to_thread(store.webhooks.save, hook)
        finally:
            await store.aclose()
        await KeyringWebhookSecrets(KeyringSecretStore()).put(HOOK_ID, SECRET)

    asyncio.run(save())


@pytest.mark.desktop
@pytest.mark.keyring
def test_the_running_app_sends_signed_changes_of_watched_people(
    data_dir: Path, tmp_path: Path, receiver: str
) -> None:
    save_hook(data_dir, receiver)
    runs = AppRuns(["-v", *NETWORK], data_dir, tmp_path)
    try:
        runs.start()
        wait_until("three deliveries", lambda: len(Recorder.received) >= 3, timeout=60)
    finally:
        (stderr,) = runs.stop_all()
        asyncio.run(KeyringWebhookSecrets(KeyringSecretStore()).delete(HOOK_ID))
    for headers, body in Recorder.received:
        assert verify(SECRET, headers, body, time.time()), headers
        document = json.loads(body)
        assert document["event"] == "person.status_changed"
        assert document["person"]["id"].startswith("sim-")
        assert document["status"] in ("online", "idle", "busy", "away", "offline", "dnd")
    assert "private-id" not in stderr
    assert SECRET not in stderr
