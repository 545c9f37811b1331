"""The settings service: changes apply at once, only valid ones, the latest is what is saved;
DND now and until when; the runtime honours the simulated-network switch at start; the sound
setting reaches the desktop notification."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts_service import AccountsService
from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.client import AccountHealth
from presence_tray.core.clock import ManualClock
from presence_tray.core.dnd import DndSchedule, WeeklyDndRule
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.notifier import Notification
from presence_tray.core.own_status import OwnStatusChoice, own_status_for
from presence_tray.core.preferences import Account, Preferences
from presence_tray.core.supervisor import AccountStatus, ClientSupervisor
from presence_tray.runtime import Runtime
from presence_tray.settings_service import DndNow, SettingsService
from presence_tray.storage.repositories import AccountsRepository
from presence_tray.ui.notification_bus import notify_message
from tests.fakes import StatusSettingClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence
    from pathlib import Path

    from presence_tray.core.client import PlatformClient
    from presence_tray.storage.local_store import LocalStore

NOW = 1_700_000_000.0


def new_runtime(
    store: LocalStore | None,
    clients: Sequence[PlatformClient] = (),
    preferences: Preferences | None = None,
) -> Runtime:
    clock = ManualClock(NOW)
    hub = PresenceHub(clock)
    return Runtime(
        clock,
        hub,
        ClientSupervisor(hub, clock),
        clients,
        simulated=True,
        preferences=preferences or Preferences(),
        store=store,
        notices=[],
    )


@pytest.fixture
async def service(store: LocalStore, tmp_path: Path) -> AsyncIterator[SettingsService]:
    runtime = new_runtime(store)
    served = await SettingsService.load(runtime, autostart_file=tmp_path / "a.desktop")
    yield served
    await served.aclose()
    await runtime.aclose()


async def test_the_latest_of_quick_changes_is_what_is_saved(
    service: SettingsService, store: LocalStore
) -> None:
    for days in range(1, 40):
        service.set_preferences(replace(service.preferences, history_retention_days=days))
    service.set_preferences(
        replace(service.preferences, aggregation_policy=AggregationPolicy.RESPECT_DND)
    )
    await service.flush()
    saved = await store.load_preferences()
    assert saved.history_retention_days == 39
    assert saved.aggregation_policy is AggregationPolicy.RESPECT_DND


async def test_an_out_of_bounds_value_is_refused_and_nothing_applied(
    service: SettingsService, store: LocalStore
) -> None:
    with pytest.raises(ValueError, match="Zoom can be polled every 60 to 3600 seconds"):
        service.set_preferences(
            replace(service.preferences, poll_interval_seconds={Platform.ZOOM: 5})
        )
    bad_rule = WeeklyDndRule(frozenset({0}), time(9), time(10), "Nowhere/Land")
    with pytest.raises(ValueError, match="not a time zone"):
        service.set_schedule(DndSchedule(rules=(bad_rule,)))
    await service.flush()
    assert service.preferences == Preferences()
    assert service.schedule == DndSchedule()
    assert await store.load_preferences() == Preferences()


async def test_dnd_now_joins_the_schedule_and_the_trays_choice() -> None:
    runtime = new_runtime(None)
    service = SettingsService(runtime)
    assert service.dnd_now() == DndNow(on=False)
    service.set_schedule(DndSchedule(snooze_until=NOW + 3600))
    assert service.dnd_now() == DndNow(on=True, until=NOW + 3600)
    tracker = runtime.supervisor.own_status
    tracker.record(own_status_for(OwnStatusChoice.DND_30_MIN, NOW))
    assert service.dnd_now() == DndNow(on=True, until=NOW + 3600)  # the later end
    tracker.record(own_status_for(OwnStatusChoice.DND, NOW))
    assert service.dnd_now() == DndNow(on=True, until=None)  # until turned off
    assert not service.remembers


async def test_a_saved_schedule_is_loaded(store: LocalStore, tmp_path: Path) -> None:
    schedule = DndSchedule(snooze_until=NOW + 60)
    store.dnd.save(schedule)
    runtime = new_runtime(store)
    loaded = await SettingsService.load(runtime, autostart_file=tmp_path / "a.desktop")
    assert loaded.schedule == schedule
    assert loaded.remembers


async def test_the_runtime_leaves_the_simulated_network_off_when_set_so() -> None:
    client = StatusSettingClient(Platform.SLACK)
    runtime = new_runtime(None, [client], Preferences(simulated_network=False))
    runtime.start(persist=False)
    try:
        assert runtime.supervisor.statuses() == []
        service = SettingsService(runtime)
        service.set_preferences(Preferences(simulated_network=True))  # on again, live
        await service.flush()
        assert [s.health for s in runtime.supervisor.statuses()] == [AccountHealth.LIVE]
    finally:
        await runtime.aclose()


def test_sound_off_asks_the_notification_server_for_silence() -> None:
    hints = notify_message("Presence Tray", Notification("t", "b"), sound=False).body[6]
    assert hints["suppress-sound"] == ("b", True)
    assert "suppress-sound" not in notify_message("Presence Tray", Notification("t", "b")).body[6]


async def test_a_connected_accounts_row_says_how_its_client_is_doing(store: LocalStore) -> None:
    ref = AccountRef(Platform.TEAMS, "contoso")
    repository = AccountsRepository(store.db)
    repository.save(Account(ref, "ada@contoso", settings={"method": "oauth", "client_id": "c"}))
    runtime = replace(new_runtime(store), simulated=False)
    accounts = AccountsService(repository, repository.list(), reads_now=True)
    service = SettingsService(runtime, accounts=accounts)
    try:
        (row,) = service.account_rows(Platform.TEAMS)
        assert row.state == "signed in as ada@contoso; Presence Tray reads presence from Teams"
        runtime.supervisor.set_status(
            AccountStatus(
                ref, AccountHealth.DEGRADED, "Teams asked to slow down; asking again in 30 s"
            )
        )
        (row,) = service.account_rows(Platform.TEAMS)
        assert row.state.endswith(
            "reads presence from Teams — degraded: Teams asked to slow down; asking again in 30 s"
        )
        runtime.supervisor.set_status(AccountStatus(ref, AccountHealth.LIVE))
        (row,) = service.account_rows(Platform.TEAMS)
        assert row.state.endswith("reads presence from Teams — live")
    finally:
        await service.aclose()
        await runtime.aclose()
