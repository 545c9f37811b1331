"""The Zoom client reads the external contacts the user added, beside their company contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import Identity
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.polled import CONTACTS_REFRESH_SECONDS
from presence_tray.platforms.zoom.external import NOT_SHARED
from tests.platforms.zoom.conftest import ACCOUNT, key_of, user_named
from tests.servers.zoom import USER_NOT_FOUND, ZoomStatus

if TYPE_CHECKING:
    from presence_tray.core.identity import Person
    from tests.platforms.zoom.conftest import ZoomRig
    from tests.servers.zoom import ZoomUser

MISSING_SCOPE = 4711
"""Zoom's 400 for a token without a scope the call needs."""


def _state(rig: ZoomRig, user: ZoomUser) -> PresenceState | None:
    aggregate = rig.aggregate(user)
    return None if aggregate is None else aggregate.state


def _account_message(rig: ZoomRig) -> tuple[AccountHealth | None, str]:
    status = rig.supervisor.status(ACCOUNT)
    return (None, "") if status is None else (status.health, status.message)


async def _until_state(rig: ZoomRig, user: ZoomUser, state: PresenceState) -> None:
    await rig.run_until(lambda: _state(rig, user) is state, what=f"{user.first_name} {state}")


async def test_external_contacts_are_listed_and_polled_by_member_id(rig: ZoomRig) -> None:
    eve = rig.fake.add_user("Eve", "Outsider", external=True)
    rig.start()
    await _until_state(rig, eve, PresenceState.ONLINE)

    assert rig.hub.identity(key_of(eve)) == Identity(
        key_of(eve), "Eve Outsider", ("eve.outsider@example.com",)
    )
    assert rig.presence_calls(eve)  # asked by member id: Zoom sends external users no id
    rig.fake.set_presence(eve.id, ZoomStatus.IN_A_MEETING)
    await _until_state(rig, eve, PresenceState.BUSY)
    await _until_state(rig, user_named(rig, "Grace"), PresenceState.ONLINE)
    assert _account_message(rig) == (AccountHealth.LIVE, "")


async def test_an_external_member_id_equal_to_a_company_id_is_another_person(
    rig: ZoomRig,
) -> None:
    eve = rig.fake.add_user("Eve", "Outsider", external=True)
    grace = user_named(rig, "Grace")
    del rig.fake.users[grace.id]
    grace.id = eve.member_id  # the same string in both id spaces
    rig.fake.users[grace.id] = grace
    rig.start()
    await rig.run_until(lambda: rig.hub.identity(key_of(eve)) is not None, what="Eve listed")

    grace_identity, eve_identity = rig.hub.identity(key_of(grace)), rig.hub.identity(key_of(eve))
    assert grace_identity is not None
    assert eve_identity is not None
    assert (grace_identity.display_name, eve_identity.display_name) == (
        "Grace Hopper",
        "Eve Outsider",
    )
    assert unlinked_person_id(key_of(grace)) != unlinked_person_id(key_of(eve))


async def test_an_external_contact_who_does_not_share_is_unknown_saying_why(
    rig: ZoomRig,
) -> None:
    eve = rig.fake.add_user("Eve", "Outsider", external=True)
    eve.shares_presence = False
    rig.start()
    await rig.run_until(
        lambda: (aggregate := rig.aggregate(eve)) is not None and bool(aggregate.values),
        what="Eve polled",
    )

    aggregate = rig.aggregate(eve)
    assert aggregate is not None
    assert aggregate.state is PresenceState.UNKNOWN  # never offline
    assert [(value.state, value.note) for value in aggregate.values] == [
        (PresenceState.UNKNOWN, NOT_SHARED)
    ]
    await _until_state(rig, user_named(rig, "Grace"), PresenceState.ONLINE)
    assert _account_message(rig) == (AccountHealth.LIVE, "")


async def test_an_external_contact_removed_on_zoom_leaves_at_the_re_read(rig: ZoomRig) -> None:
    eve = rig.fake.add_user("Eve", "Outsider", external=True)
    rig.start()
    await _until_state(rig, eve, PresenceState.ONLINE)
    started = rig.clock.now()
    removed: list[tuple[float, Person]] = []
    rig.hub.subscribe_removals(lambda people: removed.extend((rig.clock.now(), p) for p in people))

    del rig.fake.users[eve.id]
    await rig.run_until(lambda: bool(removed), what="Eve removed")
    removed_at = removed[0][0]
    await rig.run_for(3 * rig.poll_interval)

    assert removed_at >= started + CONTACTS_REFRESH_SECONDS - rig.poll_interval
    assert [person.person_id for _, person in removed] == [unlinked_person_id(key_of(eve))]
    assert rig.hub.identity(key_of(eve)) is None
    assert [at for at in rig.presence_calls(eve) if at > removed_at] == []
    assert _state(rig, user_named(rig, "Grace")) is PresenceState.ONLINE


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (403, 4700, "Access denied."),
        (404, USER_NOT_FOUND, "External contacts are not available."),
        (400, MISSING_SCOPE, "Invalid access token, does not contain scopes:[chat_contact:read]."),
    ],
)
async def test_a_refused_external_listing_leaves_company_contacts_working_with_a_sentence(
    rig: ZoomRig, status: int, code: int, message: str
) -> None:
    eve = rig.fake.add_user("Eve", "Outsider", external=True)
    rig.fake.refuse_contacts("external", status, code, message)
    rig.start()
    grace = user_named(rig, "Grace")
    await _until_state(rig, grace, PresenceState.ONLINE)
    rig.fake.set_presence(grace.id, ZoomStatus.AWAY)
    await _until_state(rig, grace, PresenceState.AWAY)

    health, sentence = _account_message(rig)
    assert health is AccountHealth.DEGRADED
    assert sentence.startswith("Zoom did not list your external contacts (")
    assert f"{message.rstrip('.')}; HTTP {status}, code {code}" in sentence
    assert "only your company contacts are shown" in sentence
    assert rig.hub.identity(key_of(eve)) is None

    rig.fake.allow_contacts("external")
    await _until_state(rig, eve, PresenceState.ONLINE)
    await rig.run_until(
        lambda: _account_message(rig) == (AccountHealth.LIVE, ""), what="the sentence gone"
    )


async def test_a_listing_refused_later_keeps_the_external_contacts_last_listed(
    rig: ZoomRig,
) -> None:
    eve = rig.fake.add_user("Eve", "Outsider", external=True)
    rig.start()
    await _until_state(rig, eve, PresenceState.ONLINE)
    listed_at = rig.clock.now()

    rig.fake.refuse_contacts("external", 403, 4700, "Access denied.")
    await rig.run_until(
        lambda: _account_message(rig)[0] is AccountHealth.DEGRADED, what="the refusal noticed"
    )
    rig.fake.set_presence(eve.id, ZoomStatus.AWAY)
    await _until_state(rig, eve, PresenceState.AWAY)

    assert rig.clock.now() >= listed_at + CONTACTS_REFRESH_SECONDS - rig.poll_interval
    assert rig.hub.identity(key_of(eve)) is not None
