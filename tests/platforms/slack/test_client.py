"""The Slack client against the fake workspace: contacts and presence reach the hub."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth, OwnStatusSetter, PlatformClient
from presence_tray.core.identity import Identity
from presence_tray.core.presence import ActivityKind, PresenceState
from presence_tray.platforms.slack import CAPABILITIES, LIMITATION
from presence_tray.platforms.slack.client import PROFILE_REFRESH_SECONDS
from tests.platforms.slack.conftest import ACCOUNT, BOB, CAROL, DAVE, ME, key_of

if TYPE_CHECKING:
    from tests.platforms.slack.conftest import SlackRig


def _state(rig: SlackRig, user_id: str) -> PresenceState | None:
    aggregate = rig.aggregate(user_id)
    return None if aggregate is None else aggregate.state


async def test_contacts_are_imported_over_every_page_without_me_bots_or_the_deleted(
    rig: SlackRig,
) -> None:
    rig.fake.users_list_page_cap = 2
    rig.fake.add_person("U0BOT", "deploybot").is_bot = True
    rig.fake.add_person("U0GONE", "gone").deleted = True
    rig.fake.add_person("USLACKBOT", "slackbot")
    rig.start()
    await rig.run_until(lambda: rig.hub.identity(key_of(DAVE)) is not None, what="Dave listed")

    listed = {key.remote_id for person in rig.hub.people() for key in person.identities}
    assert listed == {BOB, CAROL, DAVE}
    assert len(rig.fake.calls_of("users.list")) >= 4  # 7 members, 2 a page
    assert rig.hub.identity(key_of(BOB)) == Identity(
        key_of(BOB),
        "bob",
        ("bob@example.org", "@bob"),
        chat_url=f"slack://user?team=T0FAKETEAM&id={BOB}",
    )
    assert rig.hub.identity(key_of(ME)) is None


async def test_the_client_speaks_the_protocols_the_supervisor_drives(rig: SlackRig) -> None:
    assert isinstance(rig.client, PlatformClient)
    assert isinstance(rig.client, OwnStatusSetter)
    assert (rig.client.account, rig.client.capabilities) == (ACCOUNT, CAPABILITIES)


async def test_away_and_back_reach_the_hub_within_the_polling_interval(rig: SlackRig) -> None:
    start = rig.clock.now()
    rig.fake.at(start + 300, lambda fake: fake.go_away(BOB))
    rig.fake.at(start + 900, lambda fake: fake.come_back(BOB))
    rig.start()
    await rig.run_until(lambda: _state(rig, BOB) is PresenceState.ONLINE, what="Bob online")
    assert rig.supervisor.status(ACCOUNT).health is AccountHealth.LIVE  # type: ignore[union-attr]

    await rig.run_until(lambda: _state(rig, BOB) is PresenceState.AWAY, what="Bob away")
    assert rig.clock.now() <= start + 300 + 60 + 1  # within one polling interval
    away = rig.aggregate(BOB)
    assert away is not None
    assert away.decided_by is not None
    assert away.decided_by.note == LIMITATION  # Slack cannot tell idle, away or signed out

    await rig.run_until(lambda: _state(rig, BOB) is PresenceState.ONLINE, what="Bob back")
    assert start + 900 <= rig.clock.now() <= start + 900 + 61


async def test_dnd_and_custom_status_and_huddle_reach_the_hub(rig: SlackRig) -> None:
    start = rig.clock.now()
    rig.fake.at(start + 120, lambda fake: fake.set_dnd_schedule(CAROL, start + 120, start + 7200))
    rig.fake.at(start + 60, lambda fake: fake.set_status(DAVE, "Dentist", ":tooth:"))
    rig.fake.at(start + 60, lambda fake: fake.join_huddle(BOB))
    rig.start()

    def carol_dnd() -> bool:
        aggregate = rig.aggregate(CAROL)
        return aggregate is not None and aggregate.dnd

    await rig.run_until(carol_dnd, what="Carol's DND shown")
    assert _state(rig, CAROL) is PresenceState.BUSY
    assert rig.clock.now() <= start + 120 + 2 * 60 + 1  # DND info is at most one interval old

    def dave_status() -> object:
        aggregate = rig.aggregate(DAVE)
        return None if aggregate is None or aggregate.activity is None else aggregate.activity.text

    await rig.run_until(lambda: dave_status() == "Dentist", what="Dave's status shown")
    assert rig.clock.now() >= start + PROFILE_REFRESH_SECONDS  # profiles come every 10 min
    dave = rig.aggregate(DAVE)
    assert dave is not None
    assert dave.activity is not None
    assert (dave.activity.kind, dave.activity.emoji) == (ActivityKind.CUSTOM, ":tooth:")
    bob = rig.aggregate(BOB)
    assert bob is not None
    assert bob.activity is not None
    assert bob.activity.kind is ActivityKind.IN_A_CALL


async def test_dnd_is_read_fifty_people_a_call_not_per_person(rig: SlackRig) -> None:
    for number in range(60):
        rig.fake.add_person(f"U1{number:03}", f"person{number}")
    rig.start()
    await rig.run_for(10 * 60)

    presence_calls = len(rig.fake.calls_of("users.getPresence"))
    dnd_calls = rig.fake.calls_of("dnd.teamInfo")
    assert presence_calls >= 10 * 40  # 63 people, Tier 3: about 45 a minute
    assert len(dnd_calls) <= presence_calls / 15  # each renews up to 50 people's DND
    assert rig.fake.rate_limited == []


async def test_someone_slack_cannot_tell_about_is_unknown_not_offline(rig: SlackRig) -> None:
    start = rig.clock.now()
    rig.fake.at(start + 120, lambda fake: fake.remove_person(CAROL))
    rig.start()
    await rig.run_until(lambda: _state(rig, CAROL) is PresenceState.ONLINE, what="Carol online")
    await rig.run_until(lambda: _state(rig, CAROL) is PresenceState.UNKNOWN, what="Carol unknown")
    assert rig.clock.now() >= start + 120
    assert _state(rig, BOB) is PresenceState.ONLINE
    assert rig.supervisor.status(ACCOUNT).health is AccountHealth.LIVE  # type: ignore[union-attr]


async def test_a_favourite_is_polled_every_interval_while_the_rest_take_turns(
    rig: SlackRig,
) -> None:
    for number in range(100):  # 103 people, ~45 presence calls a minute: a turn each 2+ min
        rig.fake.add_person(f"U1{number:03}", f"person{number}")
    rig.favourites.add(key_of(CAROL))
    rig.start()
    await rig.run_until(lambda: len(rig.presence_calls(CAROL)) >= 8, what="8 calls for Carol")

    carol = rig.presence_calls(CAROL)
    gaps = [later - earlier for earlier, later in itertools.pairwise(carol)]
    assert all(60 <= gap <= 62 for gap in gaps), gaps
    window = carol[-1] - carol[0]
    others = [len(rig.presence_calls(f"U1{number:03}")) for number in range(100)]
    assert max(others) <= window / 120 + 1  # the others' turns come about every 2+ minutes
    assert min(others) >= 1
    assert rig.fake.rate_limited == []
    assert rig.client.times_rate_limited == 0
    assert 0 <= rig.client.calls_made - len(rig.fake.answered) <= 1  # one may be on its way


async def test_the_polling_interval_setting_spaces_the_calls(rig: SlackRig) -> None:
    rig.client.set_poll_interval(300)
    rig.start()
    await rig.run_until(lambda: len(rig.presence_calls(BOB)) >= 3, what="3 calls for Bob")
    bob = rig.presence_calls(BOB)[:3]
    assert [later - earlier for earlier, later in itertools.pairwise(bob)] == [300, 300]
    dnd = [call.at for call in rig.fake.calls_of("dnd.teamInfo")]
    assert {later - earlier for earlier, later in itertools.pairwise(dnd)} == {300}  # no more
