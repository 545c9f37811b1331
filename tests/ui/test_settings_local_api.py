"""Settings > General > Local API: switched off and on at once, its address shown, the token
copied, and allowed origins checked before they are saved."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from PySide6.QtGui import QGuiApplication

from presence_tray.local_api.discovery import PORT_VARIABLE
from presence_tray.local_api.service import LocalApiService
from presence_tray.local_api.sources import ApiSources
from tests.fakes import MemoryKeeper, keyring_for_tests
from tests.ui.settings_helpers import Harness, settings_dialog

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub


@pytest.fixture
async def opened(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[tuple[Harness, LocalApiService]]:
    async with settings_dialog(qtbot, tmp_path, hub, clock) as harness:
        runtime = harness.runtime
        api = LocalApiService(
            ApiSources(hub, runtime.supervisor, clock, keyring=keyring_for_tests),
            token_keeper=MemoryKeeper(),
            data_dir=tmp_path,
            environ={PORT_VARIABLE: "0"},
            on_notice=lambda _sentence: None,
        )
        harness.service.subscribe_preferences(api.apply_preferences)
        await api.apply(runtime.preferences)
        harness.dialog.general.show_local_api(api)
        try:
            yield harness, api
        finally:
            await api.aclose()


async def test_the_group_shows_the_address_and_copies_the_token(
    opened: tuple[Harness, LocalApiService],
) -> None:
    harness, api = opened
    group = harness.dialog.general.local_api
    assert group is not None
    assert group.enabled.isChecked()
    assert group.address.text() == api.url
    assert group.copy_token.isEnabled()
    group.copy_token.click()
    assert QGuiApplication.clipboard().text() == api.token()
    assert group.token_note.sentence is not None
    assert group.copy_token.accessibleName() == "Copy the local API's token"


async def test_switching_it_off_stops_the_server_at_once_and_is_saved(
    opened: tuple[Harness, LocalApiService], qtbot: QtBot
) -> None:
    harness, api = opened
    group = harness.dialog.general.local_api
    assert group is not None
    url = api.url
    group.enabled.setChecked(False)
    await api.settled()
    assert api.url is None
    assert group.address.text() == "Off"
    assert not group.copy_token.isEnabled()
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{url}/v1/openapi.json")
    await harness.settle(qtbot)
    saved, _ = await harness.saved()
    assert saved.api_enabled is False
    group.enabled.setChecked(True)
    await api.settled()
    assert group.address.text() == api.url


async def test_allowed_origins_are_checked_then_saved(
    opened: tuple[Harness, LocalApiService], qtbot: QtBot
) -> None:
    harness, _ = opened
    general = harness.dialog.general
    group = general.local_api
    assert group is not None
    group.origins.setText("localhost:3000")
    await harness.settle(qtbot, general.debouncer)
    assert group.origins_problem.sentence is not None
    assert "is not a web origin" in group.origins_problem.sentence
    assert harness.runtime.preferences.api_allowed_origins == ()
    group.origins.setText("http://localhost:3000, https://dash.example")
    await harness.settle(qtbot, general.debouncer)
    assert group.origins_problem.sentence is None
    saved, _ = await harness.saved()
    assert saved.api_allowed_origins == ("http://localhost:3000", "https://dash.example")
