"""The Teams client keeps its contacts in step with the directory while it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.polled import CONTACTS_REFRESH_SECONDS

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.identity import Person
    from tests.platforms.teams.rig import TeamsRig
    from tests.servers.graph import GraphUser

POLL_SECONDS = 60.0


def listings(rig: TeamsRig) -> list[float]:
    """When the directory was read (its first page), in clock time."""
    return [a.at for a in rig.log.answers if a.path.endswith("/users")]


async def test_a_user_added_to_the_directory_shows_up_at_the_next_listing(rig: TeamsRig) -> None:
    rig.start(poll_interval=POLL_SECONDS)
    await rig.clock.run_until(lambda: rig.health() is AccountHealth.LIVE, within=60)
    started = rig.clock.now()

    newcomer = rig.fake.add_user("Margaret Hamilton")
    await rig.clock.run_until(
        lambda: rig.hub.identity(rig.key(newcomer)) is not None,
        within=CONTACTS_REFRESH_SECONDS + 2 * POLL_SECONDS,
    )

    assert rig.clock.now() >= started + CONTACTS_REFRESH_SECONDS
    assert len(listings(rig)) == 2  # once at the start, once ten minutes on
    await rig.clock.run_until(
        lambda: (value := rig.value(newcomer)) is not None and value.state is PresenceState.ONLINE,
        within=2 * POLL_SECONDS,  # and is polled like everyone else
    )


def delete_from_directory(rig: TeamsRig, user: GraphUser) -> None:
    """The administrator deletes ``user``: the directory no longer lists them."""
    del rig.fake.users[user.id]


def disable_account(rig: TeamsRig, user: GraphUser) -> None:
    """The administrator disables ``user``: still listed, with ``accountEnabled: false``."""
    del rig
    user.account_enabled = False


async def test_a_disabled_account_is_never_a_contact(rig: TeamsRig) -> None:
    disabled, *enabled = [user for user in rig.fake.users.values() if user is not rig.me]
    disabled.account_enabled = False
    rig.start(poll_interval=POLL_SECONDS)

    await rig.clock.run_until(lambda: all(rig.value(user) for user in enabled), within=60)
    await rig.clock.run_for(2 * POLL_SECONDS)

    assert rig.hub.identity(rig.key(disabled)) is None
    assert all(disabled.id not in poll.ids for poll in rig.log.presence_polls())
    assert all(enabled[0].id in poll.ids for poll in rig.log.presence_polls())


@pytest.mark.parametrize("leave", [delete_from_directory, disable_account])
async def test_a_user_who_leaves_the_directory_leaves_the_hub_quietly(
    rig: TeamsRig, leave: Callable[[TeamsRig, GraphUser], None]
) -> None:
    rig.start(poll_interval=POLL_SECONDS)
    leaver = next(user for user in rig.fake.users.values() if user is not rig.me)
    await rig.clock.run_until(lambda: rig.value(leaver) is not None, within=60)
    changes: list[PresenceChanged] = []
    removed: list[tuple[float, Person]] = []
    rig.hub.subscribe(changes.extend)
    rig.hub.subscribe_removals(lambda people: removed.extend((rig.clock.now(), p) for p in people))

    leave(rig, leaver)
    await rig.clock.run_until(
        lambda: rig.hub.identity(rig.key(leaver)) is None,
        within=CONTACTS_REFRESH_SECONDS + 2 * POLL_SECONDS,
    )
    await rig.clock.run_for(3 * POLL_SECONDS)

    person_id = unlinked_person_id(rig.key(leaver))
    assert [person.person_id for _, person in removed] == [person_id]
    assert person_id not in {change.person.person_id for change in changes}  # no "offline"
    removed_at = removed[0][0]
    asked_after = [a for a in rig.log.presence_polls() if a.at > removed_at and leaver.id in a.ids]
    assert asked_after == []  # no longer polled
    assert rig.log.presence_polls()[-1].at > removed_at  # while the others still are
    assert rig.health() is AccountHealth.LIVE
