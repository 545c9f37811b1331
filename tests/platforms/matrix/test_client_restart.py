"""The Matrix client survives its homeserver restarting (its own Synapse: this one restarts)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from tests.platforms.matrix.conftest import run_until

if TYPE_CHECKING:
    from tests.platforms.matrix.conftest import MatrixRig

pytestmark = pytest.mark.synapse


def _shown(rig: MatrixRig) -> tuple[PresenceState, str | None] | None:
    aggregate = rig.aggregate(rig.colleague)
    if aggregate is None or aggregate.decided_by is None:
        return None
    activity = aggregate.decided_by.activity
    return aggregate.state, None if activity is None else activity.text


async def test_a_homeserver_restart_is_survived_with_a_reconnect(rig: MatrixRig) -> None:
    await rig.start()
    rig.colleague.set_presence("online", "Before the restart")
    await run_until(
        lambda: _shown(rig) == (PresenceState.ONLINE, "Before the restart"), what="online"
    )

    await asyncio.to_thread(rig.server.restart)
    # Still online: after a restart Synapse combines a new presence with the one it had
    # restored (the most online wins), so only the message is sure to change.
    rig.colleague.set_presence("online", "After the restart")

    await run_until(
        lambda: _shown(rig) == (PresenceState.ONLINE, "After the restart"), what="new message"
    )
    await run_until(lambda: rig.health() is AccountHealth.LIVE, what="live again")
    healths = [status.health for status in rig.statuses]
    assert AccountHealth.RECONNECTING in healths[healths.index(AccountHealth.LIVE) :]
    assert rig.colleague.presence_of(rig.me)["presence"] == "online"  # syncing keeps me online
