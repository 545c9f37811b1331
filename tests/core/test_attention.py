"""Attention: favourites and the people in view go first in the poll rotas."""

from __future__ import annotations

import pytest

from presence_tray.core.attention import Attention
from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, Platform
from presence_tray.core.polling import PollRota
from tests.core.helpers import NOW, identity, key

ALICE_SLACK = key(Platform.SLACK, "U1")
ALICE_TEAMS = key(Platform.TEAMS, "T1")
BOB_SLACK = key(Platform.SLACK, "U2")
CAROL_ZOOM = key(Platform.ZOOM, "Z3")
STRAY_TEAMS = key(Platform.TEAMS, "T9")
UNKNOWN = key(Platform.ZOOM, "nobody")


class Favourites:
    """A stand-in for ``PeopleService.favourites``: the held set, counted when asked."""

    def __init__(self, *person_ids: str) -> None:
        self.person_ids = frozenset(person_ids)
        self.asked = 0

    def __call__(self) -> frozenset[str]:
        self.asked += 1
        return self.person_ids


@pytest.fixture
def hub() -> PresenceHub:
    hub = PresenceHub(ManualClock(NOW))
    hub.add_identities(
        [
            identity(ALICE_SLACK, "Alice Chen", "alice"),
            identity(ALICE_TEAMS, "Alice C.", "alice"),
            identity(BOB_SLACK, "Bob Stone", "bob"),
            identity(CAROL_ZOOM, "Carol Diaz", "carol"),
            Identity(STRAY_TEAMS, "Dan Wu"),
        ]
    )
    hub.flush()
    return hub


@pytest.fixture
def favourites() -> Favourites:
    return Favourites("alice")


@pytest.fixture
def attention(hub: PresenceHub, favourites: Favourites) -> Attention:
    return Attention(hub, favourites)


def priority(attention: Attention) -> set[str]:
    """The remote ids of the identities that count as priority."""
    keys = (ALICE_SLACK, ALICE_TEAMS, BOB_SLACK, CAROL_ZOOM, STRAY_TEAMS, UNKNOWN)
    return {k.remote_id for k in keys if attention.is_priority(k)}


def test_every_identity_of_a_favourite_is_priority(attention: Attention):
    assert priority(attention) == {"U1", "T1"}


def test_nothing_is_visible_until_the_window_says_so(attention: Attention):
    assert attention.visible() == frozenset()


def test_people_in_view_are_priority_while_shown(attention: Attention):
    attention.show(["bob", "carol"])
    assert attention.visible() == {"bob", "carol"}
    assert priority(attention) == {"U1", "T1", "U2", "Z3"}
    attention.show(iter(["carol"]))  # any iterable, taken once
    assert priority(attention) == {"U1", "T1", "Z3"}
    attention.show([])  # the window was hidden
    assert attention.visible() == frozenset()
    assert priority(attention) == {"U1", "T1"}


def test_favourites_are_asked_live(attention: Attention, favourites: Favourites):
    favourites.person_ids = frozenset({"bob"})
    assert priority(attention) == {"U2"}
    favourites.person_ids = frozenset()
    assert priority(attention) == set()


def test_an_identity_the_hub_does_not_know_is_not_priority(
    attention: Attention, favourites: Favourites
):
    attention.show(["nobody"])
    assert not attention.is_priority(UNKNOWN)
    assert favourites.asked == 0  # no person, nothing to look up


def test_an_unlinked_identity_is_a_person_of_its_own(attention: Attention, hub: PresenceHub):
    stray = hub.person_of(STRAY_TEAMS)
    assert stray is not None
    attention.show([stray.person_id])
    assert priority(attention) == {"U1", "T1", "T9"}


def test_links_count_at_once(attention: Attention, hub: PresenceHub):
    hub.link(STRAY_TEAMS, "alice")
    assert attention.is_priority(STRAY_TEAMS)
    hub.unlink(ALICE_TEAMS)
    assert not attention.is_priority(ALICE_TEAMS)
    assert attention.is_priority(ALICE_SLACK)


def test_a_rota_asks_about_favourites_and_people_in_view_first(attention: Attention):
    rota = PollRota(60.0, attention.is_priority)
    everyone = [BOB_SLACK, CAROL_ZOOM, STRAY_TEAMS, ALICE_SLACK, ALICE_TEAMS]
    rota.replace_members(everyone)
    attention.show(["carol"])
    assert rota.due(NOW, 3) == [CAROL_ZOOM, ALICE_SLACK, ALICE_TEAMS]
    rota.mark_asked(everyone, NOW)
    assert rota.due(NOW + 59, 3) == []  # priority never means more often than the interval
    assert rota.due(NOW + 60, 2) == [CAROL_ZOOM, ALICE_SLACK]
