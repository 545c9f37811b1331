"""The Teams client against the fake Graph tenant: contacts, presence into the hub, polling."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth, PlatformClient
from presence_tray.core.polling import RateLimit
from presence_tray.core.presence import ActivityKind, PresenceState
from presence_tray.platforms.teams import CAPABILITIES, POLL_INTERVAL_SECONDS
from tests.servers.graph import (
    JOINS_CALL,
    JOINS_MEETING,
    PRESENTS,
    ScenarioStep,
    sets_out_of_office,
)
from tests.servers.graph.model import StatusMessage

if TYPE_CHECKING:
    from tests.platforms.teams.rig import TeamsRig
    from tests.servers.graph import GraphUser


def colleagues(rig: TeamsRig) -> list[GraphUser]:
    """Everyone in the tenant but the signed-in user."""
    return [user for user in rig.fake.users.values() if user is not rig.me]


def shows(rig: TeamsRig, user: GraphUser, state: PresenceState) -> bool:
    """Whether the hub holds ``state`` for ``user``'s Teams identity."""
    value = rig.value(user)
    return value is not None and value.state is state


async def test_contacts_come_from_every_page_of_the_directory_without_me(rig: TeamsRig) -> None:
    rig.fake.server_page_size = 2  # six people: three pages
    client = rig.start()

    await rig.clock.run_until(lambda: rig.health() is AccountHealth.LIVE, within=60)

    assert isinstance(client, PlatformClient)
    assert client.capabilities is CAPABILITIES
    user_pages = [a for a in rig.log.answers if a.path.endswith("/users")]
    assert len(user_pages) == 3
    identities = [rig.hub.identity(rig.key(user)) for user in colleagues(rig)]
    names = {identity.display_name for identity in identities if identity is not None}
    assert names == {user.display_name for user in colleagues(rig)}
    assert rig.hub.identity(rig.key(rig.me)) is None
    grace = rig.hub.identity(rig.key(colleagues(rig)[0]))
    assert grace is not None
    assert grace.handles == ("grace.hopper@contoso.onmicrosoft.com",)
    assert grace.chat_url == (
        "https://teams.microsoft.com/l/chat/0/0?users=grace.hopper@contoso.onmicrosoft.com"
    )


async def test_presence_changes_on_graph_reach_the_hub(rig: TeamsRig) -> None:
    grace, alan, katherine, edsger, barbara = colleagues(rig)
    rig.start()
    await rig.clock.run_until(lambda: shows(rig, grace, PresenceState.ONLINE), within=60)

    rig.fake.apply(grace.id, JOINS_MEETING)
    rig.fake.apply(alan.id, PRESENTS)
    rig.fake.apply(katherine.id, sets_out_of_office("Back on Monday"))
    rig.fake.play([ScenarioStep(30, edsger.id, JOINS_CALL)])
    await rig.clock.run_until(lambda: shows(rig, edsger, PresenceState.BUSY), within=3 * 60)

    meeting, presenting, away, call = (rig.value(u) for u in (grace, alan, katherine, edsger))
    assert meeting is not None
    assert meeting.state is PresenceState.BUSY
    assert not meeting.dnd
    assert meeting.activity is not None
    assert meeting.activity.kind is ActivityKind.IN_A_MEETING
    assert presenting is not None
    assert presenting.dnd
    assert presenting.activity is not None
    assert presenting.activity.kind is ActivityKind.PRESENTING
    assert away is not None
    assert away.state is PresenceState.OFFLINE
    assert away.activity is not None
    assert away.activity.kind is ActivityKind.OUT_OF_OFFICE
    assert call is not None
    assert call.activity is not None
    assert call.activity.kind is ActivityKind.IN_A_CALL
    assert shows(rig, barbara, PresenceState.ONLINE)
    # One bulk request a minute asks about everyone at once.
    polls = rig.log.presence_polls()
    assert all(len(poll.ids) == len(colleagues(rig)) for poll in polls)
    gaps = {round(b.at - a.at) for a, b in itertools.pairwise(polls)}
    assert gaps == {POLL_INTERVAL_SECONDS}


async def test_a_status_message_shows_as_the_activity_text(rig: TeamsRig) -> None:
    grace = colleagues(rig)[0]
    rig.start()
    await rig.clock.run_until(lambda: shows(rig, grace, PresenceState.ONLINE), within=60)

    rig.fake.apply(grace.id, JOINS_MEETING)
    grace.status_message = StatusMessage("Quarterly review", published_at=rig.clock.now())
    await rig.clock.run_until(lambda: _text(rig, grace) == "Quarterly review", within=2 * 60)

    value = rig.value(grace)
    assert value is not None
    assert value.activity is not None
    assert value.activity.kind is ActivityKind.IN_A_MEETING


async def test_someone_graph_leaves_out_is_unknown_never_offline(rig: TeamsRig) -> None:
    grace = colleagues(rig)[0]
    rig.fake.left_out_of_answers.add(grace.id)
    rig.start()

    await rig.clock.run_until(lambda: rig.value(grace) is not None, within=60)

    assert shows(rig, grace, PresenceState.UNKNOWN)


async def test_a_favourite_is_asked_about_every_interval_while_the_rest_take_turns(
    rig: TeamsRig,
) -> None:
    favourite, *others = colleagues(rig)
    rig.start(
        is_priority=lambda key: key.remote_id == favourite.id,
        presence_limit=RateLimit(calls=1, per_seconds=30.0),  # one request per 30 s...
        batch_size=1,  # ...about one person: two a minute for five people
    )

    await rig.clock.run_for(20 * 60)

    polls = rig.log.presence_polls()
    asked_favourite = [poll.at for poll in polls if favourite.id in poll.ids]
    # The loop waits for the budget before it chooses, so the favourite goes as soon as due.
    assert {b - a for a, b in itertools.pairwise(asked_favourite)} == {POLL_INTERVAL_SECONDS}
    for other in others:  # the four others share the other slot a minute: each every 4 min
        asked = [poll.at for poll in polls if other.id in poll.ids]
        assert len(asked) >= 4, other.display_name
        assert {b - a for a, b in itertools.pairwise(asked)} == {240}, other.display_name
    assert rig.log.statuses(429) == []


async def test_the_polling_interval_setting_spaces_the_polls(rig: TeamsRig) -> None:
    client = rig.start()
    await rig.clock.run_until(lambda: len(rig.log.presence_polls()) == 1, within=60)

    client.set_poll_interval(300)
    await rig.clock.run_for(30 * 60)

    polls = rig.log.presence_polls()
    assert {b.at - a.at for a, b in itertools.pairwise(polls)} == {300}
    assert client.calls_made == len(rig.log.answers)  # every call went through a budget


def _text(rig: TeamsRig, user: GraphUser) -> str | None:
    value = rig.value(user)
    return None if value is None or value.activity is None else value.activity.text
