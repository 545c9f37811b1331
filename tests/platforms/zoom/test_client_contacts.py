"""The Zoom client keeps its contacts in step with the account's contact list while it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.polled import CONTACTS_REFRESH_SECONDS
from tests.platforms.zoom.conftest import key_of, user_named

if TYPE_CHECKING:
    from presence_tray.core.hub import PresenceChanged
    from presence_tray.core.identity import Person
    from tests.platforms.zoom.conftest import ZoomRig


async def _listed(rig: ZoomRig) -> None:
    rig.start()
    grace = user_named(rig, "Grace")
    await rig.run_until(lambda: rig.aggregate(grace) is not None, what="Grace listed and polled")


async def test_a_contact_added_on_zoom_shows_up_after_the_refresh_interval(rig: ZoomRig) -> None:
    await _listed(rig)
    started = rig.clock.now()

    newcomer = rig.fake.add_user("Margaret", "Hamilton")
    await rig.run_until(lambda: rig.hub.identity(key_of(newcomer)) is not None, what="listed")

    assert rig.clock.now() >= started + CONTACTS_REFRESH_SECONDS - rig.poll_interval
    await rig.run_until(
        lambda: (
            (aggregate := rig.aggregate(newcomer)) is not None
            and aggregate.state is PresenceState.ONLINE
        ),
        what="the newcomer polled",
    )


async def test_a_contact_removed_on_zoom_leaves_the_hub_without_a_word(rig: ZoomRig) -> None:
    await _listed(rig)
    alan = user_named(rig, "Alan")
    changes: list[PresenceChanged] = []
    removed: list[tuple[float, Person]] = []
    rig.hub.subscribe(changes.extend)
    rig.hub.subscribe_removals(lambda people: removed.extend((rig.clock.now(), p) for p in people))

    del rig.fake.users[alan.id]
    await rig.run_until(lambda: bool(removed), what="Alan removed")
    removed_at = removed[0][0]
    await rig.run_for(3 * rig.poll_interval)

    person_id = unlinked_person_id(key_of(alan))
    assert [person.person_id for _, person in removed] == [person_id]
    assert rig.hub.identity(key_of(alan)) is None
    assert person_id not in {change.person.person_id for change in changes}  # no "offline"
    assert [at for at in rig.presence_calls(alan) if at > removed_at] == []
    grace = user_named(rig, "Grace")
    assert max(rig.presence_calls(grace)) > removed_at  # the others are still polled


async def test_a_refused_re_read_removes_no_one_and_says_why(rig: ZoomRig) -> None:
    await _listed(rig)
    grace = user_named(rig, "Grace")
    statuses_before = len(rig.statuses)

    rig.fake.refuse_contacts("company", 403, 4700, "Access denied.")
    await rig.run_until(
        lambda: any(
            status.message.startswith("Zoom did not list your contacts (Access denied; HTTP 403")
            for status in rig.statuses[statuses_before:]
        ),
        what="the refusal said",
    )

    assert rig.hub.identity(key_of(grace)) is not None
    aggregate = rig.aggregate(grace)
    assert aggregate is not None
    assert aggregate.state is PresenceState.ONLINE
