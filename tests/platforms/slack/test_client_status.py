"""Setting my own status on Slack: each choice of the tray reaches the fake workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth, OwnStatus
from presence_tray.core.errors import PermanentError
from presence_tray.core.own_status import OwnStatusOutcome
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.slack.own_status import DEFAULT_SNOOZE_MINUTES
from tests.platforms.slack.conftest import ACCOUNT, ME
from tests.servers.slack import Refusal

if TYPE_CHECKING:
    from tests.platforms.slack.conftest import SlackRig
    from tests.servers.slack import SlackPerson


def _me(rig: SlackRig) -> SlackPerson:
    return rig.fake.people[ME]


def _custom_status(rig: SlackRig) -> tuple[str, str, float]:
    me = _me(rig)
    return (me.status_text, me.status_emoji, me.status_expiration)


@pytest.fixture
def busy_me(rig: SlackRig) -> SlackRig:
    """Me away, snoozing and with a custom status, as if set in Slack earlier."""
    rig.fake.go_away(ME)
    rig.fake.snooze(ME, 60)
    rig.fake.set_status(ME, "Lunch", ":taco:")
    return rig


async def test_available_clears_away_snooze_and_custom_status(busy_me: SlackRig) -> None:
    await busy_me.client.set_own_status(OwnStatus(PresenceState.ONLINE))
    me = _me(busy_me)
    assert not me.manual_away
    assert not me.snoozing(busy_me.clock.now())
    assert _custom_status(busy_me) == ("", "", 0.0)
    assert [call.method for call in busy_me.fake.answered] == [
        "users.setPresence",
        "dnd.endSnooze",
        "users.profile.set",
    ]


async def test_available_without_a_snooze_running_is_fine(rig: SlackRig) -> None:
    await rig.client.set_own_status(OwnStatus(PresenceState.ONLINE, text="Back at my desk"))
    assert _custom_status(rig) == ("Back at my desk", "", 0.0)


async def test_busy_without_dnd_says_busy_in_the_custom_status_until_the_end(
    busy_me: SlackRig,
) -> None:
    until = busy_me.clock.now() + 1800
    await busy_me.client.set_own_status(OwnStatus(PresenceState.BUSY, until=until))
    assert _custom_status(busy_me) == ("Busy", ":no_entry:", until)
    assert not _me(busy_me).manual_away
    assert not _me(busy_me).snoozing(busy_me.clock.now())


async def test_busy_with_my_own_words(rig: SlackRig) -> None:
    await rig.client.set_own_status(OwnStatus(PresenceState.BUSY, text="  Writing the report "))
    assert _custom_status(rig) == ("Writing the report", "", 0.0)


async def test_dnd_until_a_time_snoozes_for_the_minutes_rounded_up(rig: SlackRig) -> None:
    now = rig.clock.now()
    await rig.client.set_own_status(
        OwnStatus(PresenceState.BUSY, dnd=True, until=now + 25 * 60 + 1)
    )
    assert _me(rig).snooze_end == now + 26 * 60
    assert _custom_status(rig) == ("", "", 0.0)  # DND says it all; no "Busy" text on top


async def test_dnd_without_an_end_snoozes_for_a_day(rig: SlackRig) -> None:
    now = rig.clock.now()
    await rig.client.set_own_status(OwnStatus(PresenceState.BUSY, dnd=True, text="Focus"))
    assert _me(rig).snooze_end == now + DEFAULT_SNOOZE_MINUTES * 60 == now + 24 * 3600
    assert _custom_status(rig) == ("Focus", "", 0.0)


async def test_away_sets_the_manual_away_flag(rig: SlackRig) -> None:
    await rig.client.set_own_status(OwnStatus(PresenceState.AWAY))
    assert _me(rig).manual_away
    assert _me(rig).presence(rig.clock.now()) == "away"


async def test_appear_offline_is_refused_with_a_sentence_and_changes_nothing(
    rig: SlackRig,
) -> None:
    with pytest.raises(PermanentError, match="Slack cannot make you appear offline; choose Away"):
        await rig.client.set_own_status(OwnStatus(PresenceState.OFFLINE))
    assert rig.fake.answered == []


async def test_through_the_supervisor_each_account_gets_its_sentence(rig: SlackRig) -> None:
    rig.start()
    await rig.run_until(
        lambda: rig.hub.statistics().account_health.get(ACCOUNT) is AccountHealth.LIVE,
        what="the account live",
    )
    [away] = await rig.supervisor.set_own_status(OwnStatus(PresenceState.AWAY))
    assert away.outcome is OwnStatusOutcome.SET
    assert _me(rig).manual_away

    [offline] = await rig.supervisor.set_own_status(OwnStatus(PresenceState.OFFLINE))
    assert (offline.outcome, offline.message) == (
        OwnStatusOutcome.FAILED,
        "Slack: Slack cannot make you appear offline; choose Away to look unavailable there.",
    )
    assert rig.supervisor.status(ACCOUNT).health is AccountHealth.LIVE  # type: ignore[union-attr]


async def test_a_permission_not_granted_is_named(rig: SlackRig) -> None:
    missing = Refusal("missing_scope", {"needed": "users:write", "provided": "users:read"})
    rig.fake.fail_next(missing, method="users.setPresence")
    with pytest.raises(PermanentError) as caught:
        await rig.client.set_own_status(OwnStatus(PresenceState.AWAY))
    assert str(caught.value) == (
        "Slack did not grant Presence Tray the users:write permission it needs for "
        "users.setPresence; reconnect the account and allow it."
    )
