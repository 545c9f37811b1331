"""The Zoom client against the fake account: contacts and presence reach the hub."""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.client import AccountHealth, OwnStatusSetter, PlatformClient
from presence_tray.core.identity import Identity
from presence_tray.core.polling import RateLimit
from presence_tray.core.presence import ActivityKind, PresenceState
from presence_tray.platforms.zoom import CAPABILITIES
from presence_tray.platforms.zoom.endpoints import ZoomLimits
from tests.platforms.zoom.conftest import ACCOUNT, key_of, user_named
from tests.servers.zoom import (
    DroppedConnection,
    MalformedJson,
    RateLimited,
    ScenarioStep,
    ServerError,
    SlowAnswer,
    ZoomStatus,
)

if TYPE_CHECKING:
    from tests.platforms.zoom.conftest import ZoomRig
    from tests.servers.zoom import Fault, ZoomUser


def _state(rig: ZoomRig, user: ZoomUser) -> PresenceState | None:
    aggregate = rig.aggregate(user)
    return None if aggregate is None else aggregate.state


def _health(rig: ZoomRig) -> AccountHealth | None:
    status = rig.supervisor.status(ACCOUNT)
    return None if status is None else status.health


async def _live(rig: ZoomRig) -> None:
    rig.start()
    grace = user_named(rig, "Grace")
    await rig.run_until(lambda: _state(rig, grace) is PresenceState.ONLINE, what="Grace online")


async def test_the_client_speaks_the_protocols_the_supervisor_drives(rig: ZoomRig) -> None:
    assert isinstance(rig.client, PlatformClient)
    assert isinstance(rig.client, OwnStatusSetter)
    assert (rig.client.account, rig.client.capabilities) == (ACCOUNT, CAPABILITIES)


async def test_contacts_are_imported_over_every_page_without_me(rig: ZoomRig) -> None:
    for number in range(60):  # 64 company people: two pages of 50
        rig.fake.add_user("Person", f"Number{number:02}")
    outsider = rig.fake.add_user("Eve", "Outsider", external=True)
    rig.start()
    last = user_named(rig, "Katherine")
    await rig.run_until(lambda: rig.hub.identity(key_of(outsider)) is not None, what="contacts")

    listed = {key for person in rig.hub.people() for key in person.identities}
    everyone = {key_of(user) for user in rig.fake.users.values()}
    assert listed == everyone - {key_of(rig.me)}
    assert rig.hub.identity(key_of(last)) is not None
    pages = [path for _, _, path in rig.fake.request_times if path.endswith("/contacts")]
    assert len(pages) == 3  # two of company contacts, one of external ones
    grace = user_named(rig, "Grace")
    assert rig.hub.identity(key_of(grace)) == Identity(
        key_of(grace), "Grace Hopper", ("grace.hopper@example.com",)
    )


async def test_presence_changes_reach_the_hub_with_state_and_activity(rig: ZoomRig) -> None:
    grace, alan, katherine = (user_named(rig, name) for name in ("Grace", "Alan", "Katherine"))
    start = rig.clock.now()
    rig.fake.play(
        [
            ScenarioStep(120, grace.id, ZoomStatus.IN_A_MEETING),
            ScenarioStep(120, alan.id, ZoomStatus.DO_NOT_DISTURB, dnd_minutes=60),
            ScenarioStep(120, katherine.id, ZoomStatus.OUT_OF_OFFICE),
            ScenarioStep(600, grace.id, ZoomStatus.OFFLINE),
        ]
    )
    await _live(rig)

    await rig.run_until(lambda: _state(rig, grace) is PresenceState.BUSY, what="Grace busy")
    assert rig.clock.now() <= start + 120 + 60 + 1  # within one polling interval
    await rig.run_until(lambda: _state(rig, katherine) is PresenceState.AWAY, what="Katherine away")
    meeting, dnd, away = rig.aggregate(grace), rig.aggregate(alan), rig.aggregate(katherine)
    assert meeting is not None
    assert meeting.activity is not None
    assert (meeting.activity.kind, meeting.dnd) == (ActivityKind.IN_A_MEETING, False)
    assert dnd is not None
    assert (dnd.state, dnd.dnd) == (PresenceState.BUSY, True)
    assert away is not None
    assert away.activity is not None
    assert away.activity.kind is ActivityKind.OUT_OF_OFFICE

    await rig.run_until(lambda: _state(rig, grace) is PresenceState.OFFLINE, what="Grace gone")
    assert start + 600 <= rig.clock.now() <= start + 600 + 61
    assert _health(rig) is AccountHealth.LIVE


async def test_someone_zoom_will_not_show_is_unknown_not_offline(rig: ZoomRig) -> None:
    grace, alan = user_named(rig, "Grace"), user_named(rig, "Alan")
    await _live(rig)
    del rig.fake.users[grace.id]  # no longer a contact: 404, user does not exist

    await rig.run_until(lambda: _state(rig, grace) is PresenceState.UNKNOWN, what="Grace unknown")
    assert _state(rig, alan) is PresenceState.ONLINE
    assert _health(rig) is AccountHealth.LIVE


async def test_a_favourite_is_polled_every_interval_while_the_rest_take_turns(
    rig: ZoomRig,
) -> None:
    for number in range(27):  # 30 contacts, one call a second: a turn each 30 s
        rig.fake.add_user("Person", f"Number{number:02}")
    grace = user_named(rig, "Grace")
    rig.favourites.add(key_of(grace))
    rig.poll_interval = 10.0
    rig.limits = ZoomLimits(light=RateLimit(30, 1.0), medium=RateLimit(1, 1.0))
    rig.start()
    await rig.run_until(lambda: len(rig.presence_calls(grace)) >= 8, what="8 calls for Grace")

    calls = rig.presence_calls(grace)
    gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
    assert all(10 <= gap <= 11 for gap in gaps), gaps
    window = calls[-1] - calls[0]
    others = [
        len(rig.presence_calls(user))
        for user in rig.fake.users.values()
        if user.first_name == "Person"
    ]
    assert max(others) <= window / 29 + 1  # the others' turns come about every 30 s
    assert min(others) >= 1
    assert rig.fake.rate_limited == 0
    assert rig.client.times_rate_limited == 0
    assert 0 <= rig.client.calls_made - rig.fake.requests <= 1  # one may be on its way


async def test_a_429_holds_every_call_until_retry_after_has_passed(rig: ZoomRig) -> None:
    await _live(rig)
    rig.fake.fail_next(RateLimited(retry_after=30))
    limited_at = len(rig.fake.request_times)

    def times_since() -> list[float]:
        return [at for at, _, _ in rig.fake.request_times[limited_at:]]

    # A batch's requests go at once: those beside the refused one were on their way already;
    # the first one sent after the 429 came back waits the 30 s.
    def sent_after_the_refused_one() -> bool:
        times = times_since()
        return bool(times) and max(times) > times[0]

    await rig.run_until(sent_after_the_refused_one, what="a call after the 429")
    refused_at = times_since()[0]
    next_at = min(at for at in times_since() if at > refused_at)
    assert next_at >= refused_at + 30
    assert rig.fake.rate_limited == 1
    assert rig.client.times_rate_limited == 1
    assert any(
        status.health is AccountHealth.DEGRADED
        and status.message == "Zoom asked to slow down; asking again in 30 s"
        for status in rig.statuses
    )
    await rig.run_until(lambda: _health(rig) is AccountHealth.LIVE, what="live again")


async def test_an_expired_access_token_is_renewed_once_and_the_poll_goes_on(
    rig: ZoomRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    grace = user_named(rig, "Grace")
    short = rig.fake.issue_token(rig.me.id, lifetime=90)
    rig.fake.revoke_token(rig.first_tokens.access_token)  # the stored pair is the short one
    await rig.tokens.save(TokenSet(short.access_token, short.refresh_token))
    rig.fake.play([ScenarioStep(300, grace.id, ZoomStatus.AWAY)])
    await _live(rig)

    await rig.run_until(lambda: _state(rig, grace) is PresenceState.AWAY, what="Grace away")
    assert rig.fake.tokens.refreshes == 1
    assert (await _stored(rig)).refresh_token != short.refresh_token
    assert _health(rig) is AccountHealth.LIVE
    assert "NOT-A-SECRET" not in caplog.text
    assert not any("NOT-A-SECRET" in str(status.message) for status in rig.statuses)


async def test_a_revoked_sign_in_parks_the_account_and_stops_calling(
    rig: ZoomRig, caplog: pytest.LogCaptureFixture, expected_warnings: list[logging.LogRecord]
) -> None:
    caplog.set_level(logging.DEBUG)
    await _live(rig)
    rig.fake.revoke_token(rig.first_tokens.access_token)

    await rig.run_until(lambda: _health(rig) is AccountHealth.NEEDS_RECONNECT, what="parked")
    status = rig.supervisor.status(ACCOUNT)
    assert status is not None
    assert status.message is not None
    assert status.message.startswith("Presence Tray lost access to Zoom")
    assert status.message.endswith("Reconnect the account in Settings.")
    assert status.message.count("Reconnect") == 1
    calls = rig.fake.requests
    await asyncio.sleep(0.05)  # anything still scheduled would call now
    assert rig.fake.requests == calls
    assert rig.fake.tokens.refreshes == 0
    assert "NOT-A-SECRET" not in caplog.text
    assert expected_warnings  # the supervisor warns once that the sign-in was refused


@pytest.mark.parametrize(
    "fault",
    [ServerError(502), ServerError(503), SlowAnswer(0.5), MalformedJson(), DroppedConnection()],
    ids=["502", "503", "slow", "malformed", "dropped"],
)
async def test_every_fault_leaves_the_client_running(rig: ZoomRig, fault: Fault) -> None:
    await _live(rig)
    rig.fake.fail_next(fault)

    await rig.run_until(
        lambda: any(status.health is AccountHealth.DEGRADED for status in rig.statuses),
        what="degraded",
    )
    degraded = next(s for s in rig.statuses if s.health is AccountHealth.DEGRADED)
    assert degraded.message is not None
    assert degraded.message.startswith("Zoom ")
    assert "Trying again in" in degraded.message
    await rig.run_until(lambda: _health(rig) is AccountHealth.LIVE, what="live again")
    assert rig.supervisor.status(ACCOUNT) is not None


async def _stored(rig: ZoomRig) -> TokenSet:
    secret = await rig.store.get(ACCOUNT)
    assert secret is not None
    return TokenSet.from_secret(secret)
