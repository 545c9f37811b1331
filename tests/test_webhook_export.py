"""`presence-tray export` holds the saved webhooks, and never their signing secrets."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from presence_tray import app
from presence_tray.core.clock import ManualClock
from presence_tray.core.webhooks import Webhook
from presence_tray.storage.export import SECRET_NOT_EXPORTED
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import database_path
from presence_tray.webhook_service import WebhookService
from tests.servers.webhook_receiver import MemorySecrets

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

START = 1_700_000_000.0


async def save_hooks(data_dir: Path, secrets_store: MemorySecrets) -> list[Webhook]:
    """Two hooks added as the Webhooks tab adds them, in the database the export reads."""
    store = await LocalStore.open(database_path(data_dir, simulated=True))
    service = WebhookService(ManualClock(START), secrets_store, store.webhooks)
    try:
        return [
            await service.save(Webhook("", "https://lights.example/hook", on_own_status=True)),
            await service.save(
                Webhook(
                    "",
                    "https://chat.example/in",
                    person_ids=frozenset({"alice-chen", "bob-stone"}),
                    templates={"online": '{"text": "{person} is {state}"}'},
                )
            ),
        ]
    finally:
        await service.aclose()
        await store.aclose()


def test_the_export_has_the_webhooks_but_not_their_secrets(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets_store = MemorySecrets()
    lights, chat = asyncio.run(save_hooks(data_dir, secrets_store))
    assert len(secrets_store.entries) == 2  # each hook got its own secret, in the keyring
    target = tmp_path / "export.json"
    assert app.main(["export", "--output", str(target)]) == 0
    assert "Wrote your data" in capsys.readouterr().out
    text = target.read_text()
    for secret in secrets_store.entries.values():
        assert secret not in text
    exported = {hook["id"]: hook for hook in json.loads(text)["webhooks"]}
    assert exported[lights.hook_id] == {
        "id": lights.hook_id,
        "url": "https://lights.example/hook",
        "on_own_status": True,
        "person_ids": [],
        "templates": {},
        "created_at": "2023-11-14T22:13:20.000Z",
        "created_at_epoch": START,
        "secret": SECRET_NOT_EXPORTED,
    }
    assert exported[chat.hook_id]["person_ids"] == ["alice-chen", "bob-stone"]
    assert exported[chat.hook_id]["templates"] == {"online": '{"text": "{person} is {state}"}'}
    assert exported[chat.hook_id]["secret"] == SECRET_NOT_EXPORTED
