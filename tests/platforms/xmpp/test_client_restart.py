"""The XMPP client reconnects after losing its connection, and misses no change meanwhile.

The restart test runs its own Prosody (the session's one is shared and must not be
restarted), stops it while my client is live, and starts it again on the same port with the
same users. The other test has the server drop my client's connection (another sign-in with
its resource: Prosody's default is to keep the newer one) and changes the colleague's presence
while my client waits to reconnect.
"""

from __future__ import annotations

import os
import re
import signal
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import Backoff
from tests.platforms.xmpp.conftest import close_rig, eventually, new_rig
from tests.platforms.xmpp.test_client import status_text
from tests.servers.prosody_server import run_prosody

if TYPE_CHECKING:
    from pathlib import Path

    from tests.platforms.xmpp.conftest import XmppRig

pytestmark = pytest.mark.prosody

QUICK_RECONNECTS = Backoff(base_seconds=0.2, cap_seconds=1.0)


def health(rig: XmppRig) -> AccountHealth | None:
    status = rig.supervisor.status(rig.account)
    return None if status is None else status.health


async def test_a_server_restart_is_survived_with_a_reconnect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with run_prosody(tmp_path) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))
        rig = await new_rig(server, QUICK_RECONNECTS)
        try:
            await rig.colleague_session("desk")
            rig.start()
            await rig.hub_shows(rig.colleague, "online", lambda a: a.state is PresenceState.ONLINE)
            assert health(rig) is AccountHealth.LIVE
        except BaseException:
            await close_rig(rig)
            raise
    try:
        # The server is down: my client lost its connection and keeps trying.
        await eventually("the account reconnects", lambda: health(rig) is not AccountHealth.LIVE)
        with run_prosody(tmp_path, port=server.port):
            await eventually("live again", lambda: health(rig) is AccountHealth.LIVE)
            await rig.colleague_session("phone", show="away")
            await rig.hub_shows(
                rig.colleague, "away after the restart", lambda a: a.state is PresenceState.AWAY
            )
        dropped = next(status for status in rig.statuses if status.retry_at is not None)
        assert dropped.health is AccountHealth.RECONNECTING
        # Closed with or without a stream error condition (system-shutdown), as the server likes.
        assert re.fullmatch(
            rf"The XMPP server at 127\.0\.0\.1:{server.port} closed the connection"
            r"( \([a-z-]+\))?; reconnecting\.",
            dropped.message,
        )
    finally:
        await close_rig(rig)


async def test_a_change_while_disconnected_is_seen_after_the_reconnect(rig: XmppRig) -> None:
    desk = await rig.colleague_session("desk")
    watcher = await rig.colleague_session("watcher")
    rig.start()
    await rig.hub_shows(rig.colleague, "online", lambda a: a.state is PresenceState.ONLINE)
    await eventually(
        "the colleague sees my client",
        lambda: (p := watcher.last_from(rig.me)) is not None and p["type"] == "available",
    )
    mine = watcher.last_from(rig.me)
    assert mine is not None

    await rig.my_session(str(mine["from"].resource))  # the server closes my client's stream
    await eventually("disconnected", lambda: health(rig) is AccountHealth.RECONNECTING)
    # The supervisor waits at least 0.5 s; the desk outranks the watcher (priority 0).
    desk.send(show="dnd", status="Do not call", priority=5)

    await eventually("live again", lambda: health(rig) is AccountHealth.LIVE)
    await rig.hub_shows(
        rig.colleague,
        "the change made while disconnected",
        lambda a: a.state is PresenceState.BUSY and status_text(a) == "Do not call",
    )
    dropped = next(status for status in rig.statuses if status.retry_at is not None)
    assert dropped.message == (
        f"The XMPP server at 127.0.0.1:{rig.server.port} closed the connection (conflict); "
        "reconnecting."
    )


async def test_a_server_that_stops_answering_is_left_and_rejoined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A paused server keeps the TCP connection open but answers nothing, like a connection
    # that died while the computer slept: only the keep-alive ping can tell.
    with run_prosody(tmp_path) as server:
        assert server.pid is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))
        rig = await new_rig(server, QUICK_RECONNECTS)
        try:
            desk = await rig.colleague_session("desk")
            rig.start_quick(keepalive_seconds=0.2, timeout=1.0)
            await rig.hub_shows(rig.colleague, "online", lambda a: a.state is PresenceState.ONLINE)

            os.kill(server.pid, signal.SIGSTOP)
            try:
                await eventually(
                    "the dead connection is noticed", lambda: health(rig) is not AccountHealth.LIVE
                )
            finally:
                os.kill(server.pid, signal.SIGCONT)
            await eventually("live again", lambda: health(rig) is AccountHealth.LIVE)
            desk.send(show="away")
            await rig.hub_shows(rig.colleague, "away", lambda a: a.state is PresenceState.AWAY)
        finally:
            await close_rig(rig)
    dropped = next(status for status in rig.statuses if status.retry_at is not None)
    assert dropped.message == (
        f"The XMPP server at 127.0.0.1:{server.port} stopped answering; reconnecting."
    )
