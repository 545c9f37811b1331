"""The settings dialog over the real settings service and a real SQLite file, and a way to
read that file back the way the next start of the app would."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.preferences import Preferences
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.runtime import Runtime
from presence_tray.settings_service import SettingsService
from presence_tray.storage.local_store import LocalStore
from presence_tray.ui.settings.dialog import SettingsDialog
from presence_tray.ui.shell import TrayShell

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Sequence
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.client import PlatformClient
    from presence_tray.core.clock import ManualClock
    from presence_tray.core.dnd import DndSchedule
    from presence_tray.core.hub import PresenceHub
    from presence_tray.ui.settings.debounce import Debouncer


@dataclass
class Harness:
    """The dialog, the service behind it, the runtime it changes and the database file."""

    dialog: SettingsDialog
    service: SettingsService
    runtime: Runtime
    database: Path
    autostart_file: Path

    async def settle(self, qtbot: QtBot, *debouncers: Debouncer) -> None:
        """Let typed values rest (debounce), then wait until everything is written."""
        for debouncer in debouncers:
            qtbot.waitUntil(lambda debouncer=debouncer: not debouncer.pending, timeout=2000)
        await self.service.flush()

    async def saved(self) -> tuple[Preferences, DndSchedule]:
        """What a new start of the app reads from the same file."""
        store = await LocalStore.open(self.database)
        try:
            return await store.load_preferences(), store.dnd.get()
        finally:
            await store.aclose()


@contextlib.asynccontextmanager
async def settings_dialog(
    qtbot: QtBot,
    folder: Path,
    hub: PresenceHub,
    clock: ManualClock,
    *,
    clients: Sequence[PlatformClient] = (),
    with_storage: bool = True,
) -> AsyncIterator[Harness]:
    """A settings dialog over a runtime with ``clients`` running and a database in ``folder``."""
    database = folder / "presence.db"
    store = await LocalStore.open(database) if with_storage else None
    supervisor = ClientSupervisor(hub, clock)
    runtime = Runtime(
        clock,
        hub,
        supervisor,
        clients,
        simulated=True,
        preferences=Preferences(),
        store=store,
        notices=[],
    )
    for client in clients:
        supervisor.start(client)
    autostart_file = folder / "autostart" / "presence-tray.desktop"
    service = await SettingsService.load(runtime, autostart_file=autostart_file)
    dialog = SettingsDialog(service)
    qtbot.addWidget(dialog)
    try:
        yield Harness(dialog, service, runtime, database, autostart_file)
    finally:
        dialog.release()
        await service.aclose()
        await runtime.aclose()


@contextlib.contextmanager
def started_shell(
    harness: Harness, hub: PresenceHub, clock: ManualClock, *, tray_available: bool
) -> Iterator[TrayShell]:
    """A started tray shell over the harness's runtime, closed afterwards."""
    shell = TrayShell(
        hub,
        harness.runtime.supervisor,
        clock,
        simulated_network=True,
        tray_available=tray_available,
    )
    shell.start()
    try:
        yield shell
    finally:
        shell.close()
