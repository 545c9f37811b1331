"""The Discord client keeps its session: drops, op 7, op 9 and zombies lose no change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from tests.platforms.discord.conftest import (
    BOB,
    CAROL,
    DAVE,
    FIRST_BEAT,
    GUILD,
    HEARTBEAT_SECONDS,
    TOKEN,
)
from tests.servers.discord.gateway import RESUME_PATH

if TYPE_CHECKING:
    from tests.platforms.discord.conftest import DiscordRig


async def _lose_changes_then(rig: DiscordRig) -> int:
    """Bob goes idle and Carol dnd, but the updates are lost in flight; the last seq seen."""
    seen = rig.gateway.sequence
    rig.gateway.lose_dispatches = True
    await rig.gateway.change_presence(GUILD, BOB, "idle")
    await rig.gateway.change_presence(GUILD, CAROL, "dnd")
    await rig.settle()
    assert (rig.state(BOB), rig.state(CAROL)) == (PresenceState.ONLINE, PresenceState.IDLE)
    rig.gateway.lose_dispatches = False
    return seen


def _replayed(rig: DiscordRig) -> bool:
    return (rig.state(BOB), rig.state(CAROL)) == (PresenceState.IDLE, PresenceState.BUSY)


async def test_after_a_dropped_connection_the_client_resumes_and_misses_no_change(
    rig: DiscordRig,
) -> None:
    await rig.live()
    last_seq = await _lose_changes_then(rig)

    await rig.gateway.drop()
    await rig.run_until(lambda: _replayed(rig), what="lost updates replayed after the resume")

    (resume,) = rig.gateway.resumes
    assert resume == {"token": TOKEN, "session_id": "fake-session-1", "seq": last_seq}
    assert rig.gateway.connect_paths[-1] == RESUME_PATH + "?v=10&encoding=json"
    assert len(rig.gateway.identifies) == 1  # resumed, not a new session
    await rig.run_until(lambda: rig.health() is AccountHealth.LIVE, what="live again")

    await rig.gateway.change_presence(GUILD, DAVE, "online")  # the resumed session goes on
    await rig.run_until(lambda: rig.state(DAVE) is PresenceState.ONLINE, what="Dave online")


async def test_reconnect_op_7_resumes_on_the_resume_url(rig: DiscordRig) -> None:
    await rig.live()
    await _lose_changes_then(rig)

    await rig.gateway.send_reconnect()
    await rig.run_until(lambda: _replayed(rig), what="replayed after op 7")

    assert len(rig.gateway.resumes) == 1
    assert len(rig.gateway.identifies) == 1
    assert rig.gateway.close_codes[0] == 4000  # not 1000: that would end the session


async def test_a_resumable_invalid_session_resumes(rig: DiscordRig) -> None:
    await rig.live()
    await _lose_changes_then(rig)

    await rig.gateway.invalidate_sessions(resumable=True)
    await rig.run_until(lambda: _replayed(rig), what="replayed after a resumable op 9")

    assert len(rig.gateway.resumes) == 1
    assert len(rig.gateway.identifies) == 1


async def test_a_session_that_cannot_resume_identifies_again_within_the_budget(
    rig: DiscordRig,
) -> None:
    await rig.live()
    await rig.gateway.invalidate_sessions(resumable=False)
    await rig.gateway.change_presence(GUILD, BOB, "dnd")  # no session: only the snapshot tells

    # Op 9 says to wait 1 to 5 s; the identify budget allows one new session per 5 s.
    await rig.run_until(
        lambda: any(1.0 <= wait <= 5.0 for wait in rig.clock.sleeps), what="op 9's wait"
    )
    rig.clock.advance(4.99)
    await rig.settle()
    assert len(rig.gateway.identifies) == 1
    rig.clock.advance(0.01)
    await rig.run_until(lambda: len(rig.gateway.identifies) == 2, what="a new IDENTIFY")
    await rig.run_until(lambda: rig.state(BOB) is PresenceState.BUSY, what="fresh snapshot")

    assert rig.gateway.resumes == []
    assert rig.health() is AccountHealth.LIVE


async def test_a_zombie_connection_is_closed_and_resumed(rig: DiscordRig) -> None:
    await rig.live()
    rig.gateway.ack_heartbeats = False
    rig.clock.advance(FIRST_BEAT)
    await rig.run_until(lambda: len(rig.gateway.heartbeats) == 1, what="unanswered heartbeat")
    last_seq = await _lose_changes_then(rig)

    rig.gateway.ack_heartbeats = True  # the new connection is healthy
    rig.clock.advance(HEARTBEAT_SECONDS)  # the next beat finds the last one unacknowledged
    await rig.run_until(lambda: _replayed(rig), what="replayed after the zombie was closed")

    assert rig.gateway.close_codes[0] == 4000
    assert rig.gateway.resumes[0]["seq"] == last_seq
    assert len(rig.gateway.heartbeats) == 1  # no beat was sent into the zombie


async def test_a_server_close_with_a_resumable_code_resumes(rig: DiscordRig) -> None:
    await rig.live()
    await _lose_changes_then(rig)

    await rig.gateway.close_with(4008, "Rate limited.")  # reconnecting is allowed
    await rig.run_until(lambda: _replayed(rig), what="replayed after close 4008")

    assert len(rig.gateway.resumes) == 1


async def test_a_session_timeout_close_starts_a_new_session(rig: DiscordRig) -> None:
    await rig.live()

    await rig.gateway.close_with(4009, "Session timed out.")
    rig.clock.advance(5.0)  # the identify budget: one new session per 5 s
    await rig.run_until(lambda: len(rig.gateway.identifies) == 2, what="a new IDENTIFY")

    assert rig.gateway.resumes == []
    await rig.run_until(rig.everyone_known, what="live again")
