"""The Slack client keeps its contacts in step with the workspace while it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.polled import CONTACTS_REFRESH_SECONDS
from tests.platforms.slack.conftest import BOB, CAROL, key_of

if TYPE_CHECKING:
    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.identity import Person
    from tests.platforms.slack.conftest import SlackRig

ERIN = "U0ERIN"


async def _polled(rig: SlackRig) -> None:
    rig.start()
    await rig.run_until(lambda: rig.aggregate(CAROL) is not None, what="Carol polled")


async def test_someone_who_joins_the_workspace_shows_up_at_the_next_listing(
    rig: SlackRig,
) -> None:
    await _polled(rig)
    started = rig.clock.now()

    rig.fake.add_person(ERIN, "erin")
    await rig.run_until(lambda: rig.hub.identity(key_of(ERIN)) is not None, what="Erin listed")

    assert rig.clock.now() >= started + CONTACTS_REFRESH_SECONDS - 60
    await rig.run_until(
        lambda: (
            (erin := rig.aggregate(ERIN)) is not None and erin.state is not PresenceState.UNKNOWN
        ),
        what="Erin polled",
    )


async def test_a_deactivated_member_leaves_the_hub_without_a_word(rig: SlackRig) -> None:
    await _polled(rig)
    changes: list[PresenceChanged] = []
    removed: list[tuple[float, Person]] = []
    rig.hub.subscribe(changes.extend)
    rig.hub.subscribe_removals(lambda people: removed.extend((rig.clock.now(), p) for p in people))

    rig.fake.people[BOB].deleted = True  # deactivated: users.list says deleted: true
    await rig.run_until(lambda: bool(removed), what="Bob removed")
    removed_at = removed[0][0]
    await rig.run_for(3 * 60)

    person_id = unlinked_person_id(key_of(BOB))
    assert [person.person_id for _, person in removed] == [person_id]
    assert rig.hub.identity(key_of(BOB)) is None
    assert person_id not in {change.person.person_id for change in changes}  # no "offline"
    assert [at for at in rig.presence_calls(BOB) if at > removed_at] == []
    assert max(rig.presence_calls(CAROL)) > removed_at  # the others are still polled
