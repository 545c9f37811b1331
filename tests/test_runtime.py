"""The runtime: the simulated day starts where --start says; with an account saved, the run
shows the accounts instead, on the real clock and their own database — the WhatsApp webhook
alone too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from presence_tray import cli
from presence_tray.core.clock import SystemClock
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from presence_tray.runtime import build_runtime, new_runtime, shows_simulated_network
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.paths import database_path
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.whatsapp_account import WEBHOOK_ACCOUNT

if TYPE_CHECKING:
    from pathlib import Path


async def test_the_simulated_day_starts_where_start_says() -> None:
    wednesday_nine = datetime(2026, 11, 25, 9, 0, tzinfo=UTC).timestamp()
    options = cli.build_parser().parse_args(["--start", "2026-11-25T09:00Z"])
    runtime = new_runtime(options)
    assert wednesday_nine <= runtime.clock.now() < wednesday_nine + 60 * 60


async def test_with_an_account_saved_the_run_shows_the_accounts_on_the_real_clock(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    options = cli.build_parser().parse_args(["--data-dir", str(data)])
    assert shows_simulated_network(options)  # nothing saved yet: the simulated network
    store = await LocalStore.open(database_path(data))
    try:
        await asyncio.to_thread(
            AccountsRepository(store.db).save,
            Account(AccountRef(Platform.TEAMS, "tenant-1"), "ada@example.org"),
        )
    finally:
        await store.aclose()
    assert not shows_simulated_network(options)
    forced = cli.build_parser().parse_args(["--data-dir", str(data), "--simulated"])
    assert shows_simulated_network(forced)

    runtime = await build_runtime(options)
    try:
        assert not runtime.simulated
        assert runtime.clients == []  # the accounts wiring starts the real clients
        assert isinstance(runtime.clock, SystemClock)
        assert runtime.store is not None
        assert runtime.store.db.path == database_path(data)  # not the simulated network's file
    finally:
        await runtime.aclose()
    assert not database_path(data, simulated=True).exists()


async def test_a_discord_sign_in_alone_keeps_the_simulated_network(tmp_path: Path) -> None:
    """Signing in with Discord only says who you are: nothing to read, so nothing to show."""
    data = tmp_path / "data"
    options = cli.build_parser().parse_args(["--data-dir", str(data)])
    store = await LocalStore.open(database_path(data))
    try:
        repository = AccountsRepository(store.db)
        me = Account(AccountRef(Platform.DISCORD, "u1"), "me", settings={"method": "oauth"})
        await asyncio.to_thread(repository.save, me)
        assert shows_simulated_network(options)
        bot = Account(AccountRef(Platform.DISCORD, "b1"), "bot", settings={"method": "bot_token"})
        await asyncio.to_thread(repository.save, bot)
        assert not shows_simulated_network(options)
    finally:
        await store.aclose()


async def test_the_whatsapp_webhook_alone_shows_the_accounts(tmp_path: Path) -> None:
    """Its messages are recorded only in a connected run, so saving it makes the next one."""
    data = tmp_path / "data"
    options = cli.build_parser().parse_args(["--data-dir", str(data)])
    store = await LocalStore.open(database_path(data))
    try:
        await asyncio.to_thread(AccountsRepository(store.db).save, WEBHOOK_ACCOUNT)
    finally:
        await store.aclose()
    assert not shows_simulated_network(options)
    runtime = await build_runtime(options)
    try:
        assert not runtime.simulated
        assert runtime.clients == []
    finally:
        await runtime.aclose()
