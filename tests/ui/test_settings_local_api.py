"""Settings > General > Local API: switched off and on at once, its address shown, the token
copied, allowed origins checked before they are saved, and its port chosen, checked, saved and
applied by moving the listener (a taken port said, the environment's port winning)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

import httpx
import pytest
from PySide6.QtGui import QGuiApplication

from presence_tray.local_api.discovery import PORT_VARIABLE, read_discovery
from presence_tray.local_api.service import LocalApiService
from presence_tray.local_api.sources import ApiSources
from presence_tray.ui.settings.local_api_group import COPIED_NOTE, READING_NOTE
from tests.fakes import MemoryKeeper, keyring_for_tests
from tests.servers.processes import free_port, taken_port
from tests.ui.settings_helpers import Harness, settings_dialog

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator, Callable, Mapping
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.ui.settings.local_api_group import LocalApiGroup


@contextlib.asynccontextmanager
async def dialog_with_api(
    qtbot: QtBot,
    folder: Path,
    hub: PresenceHub,
    clock: ManualClock,
    environ: Mapping[str, str],
    port: int | None = None,
) -> AsyncIterator[tuple[Harness, LocalApiService]]:
    """The settings dialog over a running local API (saved on ``port``, in ``environ``)."""
    async with settings_dialog(qtbot, folder, hub, clock) as harness:
        runtime = harness.runtime
        api = LocalApiService(
            ApiSources(hub, runtime.supervisor, clock, keyring=keyring_for_tests),
            token_keeper=MemoryKeeper(),
            data_dir=folder,
            environ=environ,
            on_notice=lambda _sentence: None,
        )
        harness.service.subscribe_preferences(api.apply_preferences)
        harness.service.set_preferences(replace(runtime.preferences, api_port=port))
        await api.apply(runtime.preferences)
        harness.dialog.general.show_local_api(api)
        try:
            yield harness, api
        finally:
            await api.aclose()


def api_group(harness: Harness) -> LocalApiGroup:
    """The General tab's Local API group (shown once the API runs)."""
    group = harness.dialog.general.local_api
    assert group is not None
    return group


@pytest.fixture
async def opened(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[tuple[Harness, LocalApiService]]:
    """The dialog over an API the environment puts on any free port."""
    async with dialog_with_api(qtbot, tmp_path, hub, clock, {PORT_VARIABLE: "0"}) as opened:
        yield opened


@pytest.fixture
async def on_its_port(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[tuple[Harness, LocalApiService]]:
    """The dialog over an API on the port saved in the preferences (no environment)."""
    async with dialog_with_api(qtbot, tmp_path, hub, clock, {}, free_port()) as opened:
        yield opened


async def test_the_group_shows_the_address_and_copies_the_token(
    opened: tuple[Harness, LocalApiService],
) -> None:
    harness, api = opened
    group = api_group(harness)
    assert group.enabled.isChecked()
    assert group.address.text() == api.url
    assert group.copy_token.isEnabled()
    group.copy_token.click()  # the keyring is read now (nothing loads it at start-up)
    await until(lambda: api.token() is not None)
    assert QGuiApplication.clipboard().text() == api.token()
    assert group.token_note.sentence == COPIED_NOTE
    assert group.copy_token.accessibleName() == "Copy the local API's token"


async def test_copy_before_the_token_is_read_copies_it_once_read(
    opened: tuple[Harness, LocalApiService],
) -> None:
    harness, api = opened
    group = api_group(harness)
    QGuiApplication.clipboard().setText("")
    group.copy_token.click()
    assert api.token() is None  # not read yet: it is copied once read
    assert group.token_note.sentence == READING_NOTE
    await until(lambda: QGuiApplication.clipboard().text() != "")
    assert QGuiApplication.clipboard().text() == api.token()
    assert group.token_note.sentence == COPIED_NOTE


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until ``condition`` holds (two seconds at most)."""
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("timed out")


async def test_switching_it_off_stops_the_server_at_once_and_is_saved(
    opened: tuple[Harness, LocalApiService], qtbot: QtBot
) -> None:
    harness, api = opened
    group = api_group(harness)
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
    group = api_group(harness)
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


async def test_a_new_port_is_checked_saved_and_the_listener_moves_there(
    on_its_port: tuple[Harness, LocalApiService], qtbot: QtBot, tmp_path: Path
) -> None:
    harness, api = on_its_port
    general = harness.dialog.general
    group = api_group(harness)
    old_url = api.url
    assert group.port.text() == str(harness.runtime.preferences.api_port)
    assert group.port_note.isHidden()  # no environment variable overrides it
    assert PORT_VARIABLE in group.port.toolTip()
    for typed, said in [
        ("80", "must be 1024 to 65535, not 80"),
        ("70000", "must be 1024 to 65535, not 70000"),
        ("http", "must be a whole number from 1024 to 65535, not 'http'"),
    ]:
        group.port.setText(typed)
        await harness.settle(qtbot, general.debouncer)
        assert group.port_problem.sentence is not None
        assert said in group.port_problem.sentence
        assert api.url == old_url  # nothing saved, nothing moved
    port = free_port()
    group.port.setText(str(port))
    await harness.settle(qtbot, general.debouncer)
    await api.settled()
    assert group.port_problem.sentence is None
    assert api.url == f"http://127.0.0.1:{port}"
    assert group.address.text() == api.url
    assert read_discovery(tmp_path) is not None
    assert read_discovery(tmp_path)["url"] == api.url  # type: ignore[index]
    saved, _ = await harness.saved()
    assert saved.api_port == port
    group.port.setText("")  # empty: back to the default
    await harness.settle(qtbot, general.debouncer)
    assert harness.runtime.preferences.api_port is None


async def test_a_taken_port_is_said_and_the_api_stays_where_it_was(
    on_its_port: tuple[Harness, LocalApiService],
    qtbot: QtBot,
    tmp_path: Path,
    expected_warnings: list[logging.LogRecord],
) -> None:
    harness, api = on_its_port
    general = harness.dialog.general
    group = api_group(harness)
    old_url = api.url
    with taken_port() as port:
        group.port.setText(str(port))
        await harness.settle(qtbot, general.debouncer)
        await api.settled()
    assert group.problem.sentence is not None
    assert f"could not listen on 127.0.0.1:{port}" in group.problem.sentence
    assert f"still listens on {old_url}" in group.problem.sentence
    assert group.address.text() == old_url
    assert read_discovery(tmp_path)["url"] == old_url  # type: ignore[index]
    assert len(expected_warnings) == 1
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{old_url}/v1/openapi.json")).status_code == 200


async def test_the_field_says_when_the_environment_wins(
    opened: tuple[Harness, LocalApiService], qtbot: QtBot
) -> None:
    harness, api = opened
    general = harness.dialog.general
    group = api_group(harness)
    assert group.port_note.sentence == (
        f"{PORT_VARIABLE} is set, so the API listens on any free port whatever this says; "
        "the port here is kept for when it is not set."
    )
    url = api.url
    group.port.setText(str(free_port()))
    await harness.settle(qtbot, general.debouncer)
    await api.settled()
    assert api.url == url
    assert group.port.accessibleName() == "Local API port"
