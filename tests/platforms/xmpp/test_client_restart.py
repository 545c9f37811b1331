"""The XMPP client survives its server restarting: it reconnects and sees changes made after.

This test runs its own Prosody (the session's one is shared and must not be restarted), stops
it while my client is live, and starts it again on the same port with the same users.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from presence_tray.core.supervisor import Backoff
from tests.platforms.xmpp.conftest import close_rig, eventually, new_rig
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
