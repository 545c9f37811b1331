"""Desktop notifications: the D-Bus Notify a real server accepts, clicks, and the tray fallback.

Offscreen tests cover the fallback (no bus; a bus without a notification server). The
``desktop`` tests send to the test desktop's dunst, which logs each notification as a JSON
line in ``$PRESENCE_TRAY_NOTIFY_LOG``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from presence_tray.core.notifier import Notification
from presence_tray.ui.notification_bus import NOTIFY_SIGNATURE, notify_message
from presence_tray.ui.notifications import DesktopNotifier

if TYPE_CHECKING:
    from collections.abc import Iterator


class Balloon:
    """Records what would have been shown as the tray's balloon."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def __call__(self, title: str, body: str) -> None:
        self.shown.append((title, body))


def infos(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "presence_tray.ui.notifications" and r.levelno == logging.INFO
    ]


def test_the_notify_call_has_the_signature_servers_expect() -> None:
    message = notify_message("Presence Tray", Notification("Alice is available", "on Slack", "a"))
    assert message.header.fields[8] == NOTIFY_SIGNATURE == "susssasa{sv}i"  # 8: signature
    app_name, replaces_id, icon, summary, body, actions, hints, timeout = message.body
    assert (app_name, replaces_id, icon, summary, body) == (
        "Presence Tray",
        0,
        "",
        "Alice is available",
        "on Slack",
    )
    assert actions == ["default", "Open"]
    assert hints == {"desktop-entry": ("s", "presence-tray")}
    assert timeout == -1
    message.serialise(1)  # jeepney checks every value against the signature


@pytest.mark.parametrize(
    "address",
    [
        "unix:path=/nonexistent/presence-tray-test/bus",
        None,  # no session bus at all
        "tcp:host=localhost,port=1",  # a transport jeepney cannot use
    ],
)
async def test_without_a_session_bus_the_tray_balloon_shows_them(
    address: str | None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if address is None:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    caplog.set_level(logging.INFO, logger="presence_tray")
    balloon = Balloon()
    notifier = DesktopNotifier(balloon)
    notifier.send(Notification("Early", "sent before start() finished"))
    await notifier.start()
    assert not notifier.using_dbus
    assert await notifier.notify(Notification("Alice Chen is available", "on Slack")) is None
    notifier.send(Notification("Bob Stone went offline", "on Teams · was away", "bob"))
    await notifier.aclose()
    assert sorted(balloon.shown) == [
        ("Alice Chen is available", "on Slack"),
        ("Bob Stone went offline", "on Teams · was away"),
        ("Early", "sent before start() finished"),
    ]
    # Said once, at INFO: a desktop without notifications is not a problem to warn about.
    assert len(infos(caplog)) == 1
    assert "using the tray's messages" in infos(caplog)[0]


async def test_the_balloon_is_the_tray_icons_own_show_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    tray = QSystemTrayIcon()
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray, "showMessage", lambda title, body: shown.append((title, body)))
    notifier = DesktopNotifier(tray.showMessage)
    await notifier.start()
    await notifier.notify(Notification("Alice Chen is available", "on Slack"))
    await notifier.aclose()
    assert shown == [("Alice Chen is available", "on Slack")]


async def test_closing_before_start_does_not_wait_for_the_bus() -> None:
    balloon = Balloon()
    notifier = DesktopNotifier(balloon, timeout_seconds=30)
    notifier.send(Notification("Late", "at shutdown"))
    async with asyncio.timeout(1):
        await notifier.aclose()
    assert balloon.shown == [("Late", "at shutdown")]
    assert not notifier.bus_tried
    await notifier.start()  # after closing: no connection is made any more
    assert not notifier.bus_tried


async def test_the_bus_is_not_touched_until_the_first_notification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    balloon = Balloon()
    notifier = DesktopNotifier(balloon)
    await asyncio.sleep(0.05)
    assert not notifier.bus_tried
    assert not notifier.using_dbus
    await notifier.notify(Notification("Alice Chen is available", "on Slack"))
    assert notifier.bus_tried
    await notifier.aclose()
    assert balloon.shown == [("Alice Chen is available", "on Slack")]


# jeepney's open_dbus_connection leaves its half-open socket to the garbage collector when
# it is cancelled during authentication (a ResourceWarning at collection): theirs, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_closing_while_connecting_stops_waiting_and_uses_the_balloon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A socket that accepts the connection but never answers: the connection hangs.
    accepted: list[asyncio.StreamWriter] = []
    server = await asyncio.start_unix_server(
        lambda _reader, writer: accepted.append(writer), path=tmp_path / "bus"
    )
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'bus'}")
    balloon = Balloon()
    notifier = DesktopNotifier(balloon, timeout_seconds=30)
    try:
        notifier.send(Notification("Waiting", "for a bus that never answers"))
        await asyncio.sleep(0.1)
        assert notifier.bus_tried
        async with asyncio.timeout(5):
            await notifier.aclose()
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert balloon.shown == [("Waiting", "for a bus that never answers")]
    assert not notifier.using_dbus


@pytest.fixture
def bus_without_notifications(tmp_path: Path) -> Iterator[str]:
    """A private session bus that has no notification server and cannot start one."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed")
    config = tmp_path / "session.conf"
    socket = tmp_path / "bus"
    config.write_text(
        f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
    )
    process = subprocess.Popen(
        [daemon, f"--config-file={config}", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        assert address, "dbus-daemon did not start"
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


async def test_a_bus_without_a_notification_server_falls_back_too(
    bus_without_notifications: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus_without_notifications)
    caplog.set_level(logging.INFO, logger="presence_tray")
    balloon = Balloon()
    notifier = DesktopNotifier(balloon, timeout_seconds=5)
    await notifier.start()
    assert not notifier.using_dbus
    await notifier.notify(Notification("Alice Chen is available", "on Slack"))
    await notifier.aclose()
    assert balloon.shown == [("Alice Chen is available", "on Slack")]
    assert len(infos(caplog)) == 1
    assert "ServiceUnknown" in infos(caplog)[0] or "not provided" in infos(caplog)[0]


# -- the real notification server of the test desktop ---------------------------------------


def notify_log() -> Path:
    return Path(os.environ["PRESENCE_TRAY_NOTIFY_LOG"])


async def wait_for_logged(token: str) -> dict[str, Any]:
    """The dunst log record whose summary or body holds ``token`` (within 10 s)."""
    async with asyncio.timeout(10):
        while True:
            path = notify_log()
            if path.exists():
                for line in path.read_text(encoding="utf-8").splitlines():
                    record: dict[str, Any] = json.loads(line)
                    if token in (record.get("summary") or "") + (record.get("body") or ""):
                        return record
            await asyncio.sleep(0.05)


@pytest.mark.desktop
async def test_a_notification_reaches_the_desktops_notification_server() -> None:
    token = uuid.uuid4().hex[:12]
    balloon = Balloon()
    notifier = DesktopNotifier(balloon)
    await notifier.start()
    assert notifier.using_dbus
    assert notifier.server is not None
    assert notifier.server.startswith("dunst")
    notifier.send(Notification(f"Alice Chen is available {token}", "on Slack · was in a meeting"))
    record = await wait_for_logged(token)
    await notifier.aclose()
    assert record["summary"] == f"Alice Chen is available {token}"
    assert record["body"] == "on Slack · was in a meeting"
    assert record["app_name"] == "Presence Tray"
    assert record["desktop_entry"] == "presence-tray"
    assert balloon.shown == []


@pytest.mark.desktop
async def test_the_first_notifications_connect_once_and_all_arrive() -> None:
    tokens = [uuid.uuid4().hex[:12] for _ in range(3)]
    balloon = Balloon()
    notifier = DesktopNotifier(balloon)
    assert not notifier.bus_tried
    for token in tokens:  # all sent while the first one is still connecting
        notifier.send(Notification(f"Someone is available {token}", "on Slack"))
    records = [await wait_for_logged(token) for token in tokens]
    assert notifier.using_dbus
    await notifier.aclose()
    assert [r["summary"] for r in records] == [f"Someone is available {t}" for t in tokens]
    assert balloon.shown == []


@pytest.mark.desktop
async def test_clicking_a_notification_opens_its_person() -> None:
    dunstctl = shutil.which("dunstctl")
    if dunstctl is None:
        pytest.skip("dunstctl is not installed")
    # Position 0 is the first notification on screen: close the earlier tests' ones.
    closing = await asyncio.create_subprocess_exec(dunstctl, "close-all")
    await closing.wait()
    opened: asyncio.Queue[str] = asyncio.Queue()
    notifier = DesktopNotifier(Balloon(), on_open=opened.put_nowait)
    await notifier.start()
    token = uuid.uuid4().hex[:12]
    notification_id = await notifier.notify(Notification(f"Bob is available {token}", "", "bob"))
    assert notification_id is not None
    await wait_for_logged(token)
    # dunst's "do action" on the notification shown first invokes its default action.
    process = await asyncio.create_subprocess_exec(dunstctl, "action", "0")
    await process.wait()
    try:
        async with asyncio.timeout(10):
            assert await opened.get() == "bob"
    finally:
        await notifier.aclose()
