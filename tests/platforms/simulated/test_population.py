"""The simulated population: reproducible, varied, unique and linked into people."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from presence_tray.core.identity import Platform
from presence_tray.platforms.simulated.names import FIRST_NAMES, LAST_NAMES
from presence_tray.platforms.simulated.population import (
    MAX_POPULATION,
    SIMULATED_ACCOUNT_ID,
    build_population,
)

REMOTE_ID_SHAPES = {
    Platform.SLACK: r"U[0-9A-Z]{8}",
    Platform.TEAMS: r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    Platform.ZOOM: r"[A-Za-z0-9_-]{22}",
    Platform.DISCORD: r"[1-9][0-9]{16,19}",
    Platform.MATRIX: r"@[a-z]+\.[a-z]+:example\.org",
    Platform.XMPP: r"[a-z]+\.[a-z]+@example\.org",
    Platform.WHATSAPP: r"1555[0-9]{8}",
    Platform.LINKEDIN: r"[a-z]+-[a-z]+-[0-9a-f]{6}",
}


def test_name_lists_have_no_duplicates_and_enough_combinations():
    assert len(set(FIRST_NAMES)) == len(FIRST_NAMES)
    assert len(set(LAST_NAMES)) == len(LAST_NAMES)
    assert len(FIRST_NAMES) * len(LAST_NAMES) >= MAX_POPULATION


def test_same_seed_same_people():
    assert build_population(7, 50) == build_population(7, 50)


def test_other_seed_other_people():
    names = [p.display_name for p in build_population(7, 50)]
    assert names != [p.display_name for p in build_population(8, 50)]


def test_default_size_is_24_and_covers_every_platform():
    people = build_population(7)
    assert len(people) == 24
    assert {platform for person in people for platform in person.platforms} == set(Platform)


def test_each_person_has_two_to_four_accounts_and_slack_teams_are_common():
    people = build_population(7, 2000)
    assert {len(person.platforms) for person in people} == {2, 3, 4}
    counts = Counter(platform for person in people for platform in person.platforms)
    assert counts[Platform.SLACK] > counts[Platform.LINKEDIN]
    assert counts[Platform.TEAMS] > counts[Platform.WHATSAPP]
    assert all(counts[platform] > 0 for platform in Platform)


def test_people_vary_in_time_zone_style_and_evenings():
    people = build_population(7, 200)
    assert len({person.utc_offset_hours for person in people}) >= 8
    assert len({person.style for person in people}) == 3
    assert {person.evenings_online for person in people} == {True, False}


def test_identities_are_linked_to_their_person_and_look_real():
    for person in build_population(7, 500):
        for identity in person.identities:
            assert identity.key.account_id == SIMULATED_ACCOUNT_ID
            assert re.fullmatch(REMOTE_ID_SHAPES[identity.key.platform], identity.key.remote_id)
            if identity in person.unlinked:
                continue
            assert identity.person_id == person.person_id
            assert identity.display_name == person.display_name
            assert person.email in identity.handles
        assert person.identity(person.platforms[0]) is person.identities[0]


def test_two_in_a_hundred_people_have_an_account_left_for_the_user_to_link():
    people = build_population(7, 1000)
    unlinked = {person.index: person.unlinked for person in people if person.unlinked}
    assert len(unlinked) == 20
    assert all(len(identities) == 1 for identities in unlinked.values())
    same_email, reordered = people[17], people[23]
    (identity,) = same_email.unlinked
    assert identity.person_id is None
    assert (identity.display_name, identity.handles[0]) == (
        same_email.display_name,
        same_email.email,
    )
    (identity,) = reordered.unlinked
    first, last = reordered.display_name.split(" ")
    assert (identity.display_name, identity.handles) == (f"{last}, {first}", ())
    assert len(reordered.identities) >= 2  # the person keeps a linked account
    assert build_population(7, 1000) == people  # deterministic


def test_linkedin_identities_link_to_a_profile():
    people = build_population(7, 100)
    identities = [p.identity(Platform.LINKEDIN) for p in people]
    urls = [identity.chat_url for identity in identities if identity is not None]
    assert urls
    assert all(
        url is not None and re.fullmatch(r"https://www\.linkedin\.com/in/[a-z0-9-]+/", url)
        for url in urls
    )


def test_ten_thousand_people_build_quickly_and_are_unique():
    started = time.perf_counter()
    people = build_population(7, MAX_POPULATION)
    assert time.perf_counter() - started < 5.0
    assert len({person.display_name for person in people}) == MAX_POPULATION
    assert len({person.email for person in people}) == MAX_POPULATION
    keys = [identity.key for person in people for identity in person.identities]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("size", [0, -1, MAX_POPULATION + 1])
def test_size_out_of_range_is_refused_clearly(size):
    with pytest.raises(ValueError, match="holds 1 to 10,000 people"):
        build_population(7, size)


@pytest.mark.parametrize("size", [1, MAX_POPULATION])
def test_sizes_at_the_bounds(size):
    assert len(build_population(7, size)) == size
