"""Setting my status from the tray menu: through the shell and the real supervisor to the
clients, failures told per platform, my badge and "DND until" in the tray, and DND ending."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import OwnStatus
from presence_tray.core.errors import AuthError
from presence_tray.core.identity import Platform
from presence_tray.core.own_status import OwnStatusChoice, own_status_for
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.ui.aio import wait_for_signal
from presence_tray.ui.badges import Badge
from presence_tray.ui.shell import NOT_SET_EVERYWHERE, TrayShell
from presence_tray.ui.tray import NEUTRAL_BADGE, PresenceTrayIcon, until_words
from tests.fakes import CANNOT_SET_STATUS, StatusSettingClient

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub

S = PresenceState
C = OwnStatusChoice
CHECK_MS = 20


class Messages:
    """Stands in for the tray's ``showMessage``."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def __call__(self, title: str, text: str, *_args: object) -> None:
        self.shown.append((title, text))


@pytest.fixture
def supervisor(hub: PresenceHub, clock: ManualClock) -> ClientSupervisor:
    return ClientSupervisor(hub, clock)


@pytest.fixture
def shell(
    hub: PresenceHub, clock: ManualClock, supervisor: ClientSupervisor
) -> Iterator[TrayShell]:
    tray_shell = TrayShell(
        hub,
        supervisor,
        clock,
        simulated_network=True,
        tray_available=True,
        own_status_check_ms=CHECK_MS,
    )
    tray_shell.start()
    yield tray_shell
    tray_shell.close()


@pytest.fixture
async def clients(supervisor: ClientSupervisor) -> Iterator[dict[Platform, StatusSettingClient]]:
    made = {
        Platform.SLACK: StatusSettingClient(Platform.SLACK),
        Platform.TEAMS: StatusSettingClient(Platform.TEAMS),
        Platform.DISCORD: StatusSettingClient(Platform.DISCORD, capabilities=CANNOT_SET_STATUS),
    }
    for client in made.values():
        supervisor.start(client)
    await asyncio.sleep(0)
    yield made  # type: ignore[misc]
    await supervisor.aclose()


def tray_of(shell: TrayShell) -> PresenceTrayIcon:
    tray = shell.tray_icon
    assert tray is not None
    return tray


@pytest.fixture
def messages(shell: TrayShell, monkeypatch: pytest.MonkeyPatch) -> Messages:
    recorder = Messages()
    monkeypatch.setattr(tray_of(shell), "showMessage", recorder)
    return recorder


async def choose(shell: TrayShell, choice: OwnStatusChoice) -> list[object]:
    """Pick ``choice`` in the real menu and wait for the results."""
    waiter = asyncio.ensure_future(wait_for_signal(shell.own_status_applied))
    await asyncio.sleep(0)
    tray_of(shell).choice_action(choice).trigger()
    (results,) = await asyncio.wait_for(waiter, 2)
    return results  # type: ignore[no-any-return]


@pytest.mark.parametrize("choice", list(C))
async def test_each_item_sets_its_status_on_every_capable_account(
    shell: TrayShell,
    clients: dict[Platform, StatusSettingClient],
    clock: ManualClock,
    messages: Messages,
    choice: OwnStatusChoice,
):
    if choice is C.AVAILABLE:
        # Coming back from do-not-disturb, the usual way to "Available".
        await choose(shell, C.DND)
        clients[Platform.SLACK].received.clear()
        clients[Platform.TEAMS].received.clear()
    expected = own_status_for(choice, clock.now())
    results = await choose(shell, choice)
    assert clients[Platform.SLACK].received == [expected]
    assert clients[Platform.TEAMS].received == [expected]
    assert clients[Platform.DISCORD].received == []
    assert len(results) == 3
    assert messages.shown == []  # Discord cannot, and that is no failure to shout about
    tray = tray_of(shell)
    assert tray.badge == Badge(expected.state, dnd=expected.dnd)
    assert tray.dnd_switch.isChecked() == expected.dnd


async def test_a_failing_platform_is_named_and_the_others_still_set(
    shell: TrayShell, supervisor: ClientSupervisor, messages: Messages
):
    slack = StatusSettingClient(Platform.SLACK, AuthError("token revoked"))
    teams = StatusSettingClient(Platform.TEAMS)
    discord = StatusSettingClient(Platform.DISCORD, capabilities=CANNOT_SET_STATUS)
    for client in (slack, teams, discord):
        supervisor.start(client)
    try:
        await choose(shell, C.BUSY)
        assert teams.received == [OwnStatus(S.BUSY)]
        assert messages.shown == [
            (
                NOT_SET_EVERYWHERE,
                "Slack refused the sign-in; reconnect the account in Settings",
            )
        ]
        assert tray_of(shell).badge == Badge(S.BUSY)
    finally:
        await supervisor.aclose()


async def test_timed_dnd_shows_until_when_and_ends_by_itself(
    shell: TrayShell,
    clients: dict[Platform, StatusSettingClient],
    clock: ManualClock,
    qtbot: QtBot,
):
    tray = tray_of(shell)
    assert tray.badge == NEUTRAL_BADGE
    start = clock.now()
    await choose(shell, C.DND_30_MIN)
    assert tray.badge == Badge(S.BUSY, dnd=True)
    assert tray.toolTip().endswith(f" · DND until {until_words(start + 1800, start)}")
    assert tray.dnd_switch.isChecked()
    qtbot.wait(CHECK_MS * 3)  # checks run, but it is not time yet
    assert tray.badge == Badge(S.BUSY, dnd=True)
    clock.advance(1800)
    qtbot.waitUntil(lambda: tray.badge == Badge(S.ONLINE), timeout=1000)
    assert "DND" not in tray.toolTip()
    assert not tray.dnd_switch.isChecked()
    assert tray.choice_action(C.AVAILABLE).isChecked()
    assert clients[Platform.SLACK].received[-1].until == start + 1800  # Slack ends it itself


async def test_dnd_switch_on_then_off(
    shell: TrayShell, clients: dict[Platform, StatusSettingClient], messages: Messages
):
    tray = tray_of(shell)
    await choose(shell, C.DND)
    assert tray.toolTip().endswith(" · Do not disturb")
    assert tray.badge == Badge(S.BUSY, dnd=True)
    waiter = asyncio.ensure_future(wait_for_signal(shell.own_status_applied))
    await asyncio.sleep(0)
    tray.dnd_switch.trigger()  # off: back to Available
    await asyncio.wait_for(waiter, 2)
    assert clients[Platform.TEAMS].received == [
        OwnStatus(S.BUSY, dnd=True),
        OwnStatus(S.ONLINE),
    ]
    assert tray.badge == Badge(S.ONLINE)
    assert not tray.dnd_switch.isChecked()
    assert messages.shown == []


async def test_a_status_set_elsewhere_shows_in_the_tray(
    shell: TrayShell, supervisor: ClientSupervisor
):
    supervisor.own_status.record(OwnStatus(S.AWAY))
    assert tray_of(shell).badge == Badge(S.AWAY)
    shell.close()
    supervisor.own_status.record(OwnStatus(S.BUSY))  # closed: no longer listening
    assert tray_of(shell).badge == Badge(S.AWAY)


def test_bring_forward_opens_the_window(shell: TrayShell, qtbot: QtBot):
    shell.bring_forward()
    window = shell.contacts_window
    assert window is not None
    qtbot.waitExposed(window)
    window.showMinimized()
    shell.bring_forward()
    qtbot.waitUntil(lambda: not window.isMinimized(), timeout=1000)
    window.hide()
    window.deleteLater()
