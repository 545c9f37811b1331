"""The world model: a pure, plausible function of seed, person and time."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from presence_tray.platforms.simulated.population import WorkStyle, build_population
from presence_tray.platforms.simulated.world import (
    AT_WORK,
    DAY,
    HOUR,
    Doing,
    World,
    plan_day,
)
from tests.platforms.simulated.helpers import WEDNESDAY_10_UTC

PEOPLE = build_population(7, 60)
MONDAY = int(WEDNESDAY_10_UTC // DAY) - 2
"""2023-11-13 as a local day number (days since 1970-01-01 in the person's time zone)."""


def _local_hour(person, at):
    return (at + person.utc_offset_hours * HOUR) % DAY / HOUR


def test_plans_are_pure():
    person = PEOPLE[3]
    assert plan_day(7, person, MONDAY) == plan_day(7, person, MONDAY)
    assert plan_day(7, person, MONDAY) != plan_day(8, person, MONDAY)


def test_the_seeded_week_plays_out_exactly_as_it_always_has():
    # A fingerprint of every 17th minute of a week for ten people, taken before plans were
    # kept in their compact form: how plans are stored must not change what people do.
    world = World(7, PEOPLE)
    digest = hashlib.sha256()
    for person in PEOPLE[::6]:
        for minutes in range(0, 7 * 24 * 60, 17):
            s = world.situation(person, WEDNESDAY_10_UTC + minutes * 60)
            seen = (s.doing.value, s.since, s.until, s.variant, s.previous.value)
            digest.update(repr((*seen, s.last_active_at, s.out_of_office)).encode())
    assert digest.hexdigest() == (
        "a43c0226f0d9b6a2d7e36549836198ea4f7b3ab3745cdc96a4de0e7c3f83e50a"
    )


def test_a_plans_blocks_are_made_from_its_compact_form():
    plan = plan_day(7, PEOPLE[5], MONDAY)
    blocks = plan.blocks
    assert len(blocks) == plan.block_count > 3
    assert [plan.block(i) for i in range(-len(blocks), len(blocks))] == [*blocks, *blocks]
    assert [plan.doing(i) for i in range(len(blocks))] == [b.doing for b in blocks]
    with pytest.raises(IndexError):
        plan.block(len(blocks))
    for index, block in enumerate(blocks):
        assert plan.index_at(block.start) == index
        assert plan.index_at(block.end - 0.001) == index
    assert plan.index_at(plan.start + DAY) == len(blocks) - 1  # the last moment belongs to it


def test_next_block_is_the_one_under_way_or_the_next_that_day():
    world = World(7, PEOPLE)
    person = next(
        p for p in PEOPLE if any(b.doing is Doing.LUNCH for b in world.plan(p, MONDAY + 1).blocks)
    )
    plan = world.plan(person, MONDAY + 1)
    lunch = next(b for b in plan.blocks if b.doing is Doing.LUNCH)
    assert world.next_block(person, plan.start + 1, Doing.LUNCH) == lunch
    assert world.next_block(person, lunch.start + 60, Doing.LUNCH) == lunch
    assert world.next_block(person, lunch.end, Doing.LUNCH) is None


def test_answers_do_not_depend_on_the_order_of_questions():
    times = [WEDNESDAY_10_UTC + minutes * 60 for minutes in range(0, 3 * 24 * 60, 37)]
    forward, backward = World(7, PEOPLE), World(7, PEOPLE)
    for person in PEOPLE[:10]:
        answers = [forward.situation(person, at) for at in times]
        assert answers == [backward.situation(person, at) for at in reversed(times)][::-1]


@pytest.mark.parametrize("day_offset", range(7))
def test_plans_cover_the_local_day_without_gaps(day_offset):
    for person in PEOPLE:
        plan = plan_day(7, person, MONDAY + day_offset)
        assert plan.blocks[0].start == plan.start
        assert plan.blocks[-1].end == plan.start + DAY
        for before, after in zip(plan.blocks, plan.blocks[1:], strict=False):
            assert before.end == after.start
            assert before.start < before.end


def test_work_happens_on_weekdays_in_working_hours_of_the_home_time_zone():
    for person in PEOPLE:
        for day_offset in range(7):
            plan = plan_day(7, person, MONDAY + day_offset)
            at_work = [b for b in plan.blocks if b.doing in AT_WORK | {Doing.OUT_OF_OFFICE}]
            if day_offset >= 5:
                assert not at_work
                continue
            assert at_work
            start = (at_work[0].start - plan.start) / HOUR
            assert abs(start - person.style.start_hour) <= 0.34
            assert 8 <= (at_work[-1].end - at_work[0].start) / HOUR <= 9


def test_a_working_day_has_lunch_meetings_and_idle_stretches():
    doings: Counter[Doing] = Counter()
    for person in PEOPLE:
        for day_offset in range(5):
            plan = plan_day(7, person, MONDAY + day_offset)
            if plan.out_of_office:
                assert {b.doing for b in plan.blocks} <= {
                    Doing.OFF,
                    Doing.EVENING,
                    Doing.OUT_OF_OFFICE,
                }
                continue
            assert sum(b.doing is Doing.LUNCH for b in plan.blocks) == 1
            doings.update(b.doing for b in plan.blocks)
    for doing in [Doing.MEETING, Doing.CALL, Doing.PRESENTING, Doing.FOCUS, Doing.IDLE]:
        assert doings[doing] > 0, doing


def test_some_days_are_out_of_office():
    plans = [
        plan_day(7, person, MONDAY + week * 7 + d)
        for person in PEOPLE
        for week in range(4)
        for d in range(5)
    ]
    share = sum(plan.out_of_office for plan in plans) / len(plans)
    assert 0.01 < share < 0.1


def test_only_evening_people_are_online_in_the_evening():
    evenings = {
        person.person_id
        for person in PEOPLE
        for day_offset in range(7)
        if any(b.doing is Doing.EVENING for b in plan_day(7, person, MONDAY + day_offset).blocks)
    }
    assert evenings
    assert evenings <= {person.person_id for person in PEOPLE if person.evenings_online}


def test_early_people_start_before_late_people():
    starts: dict[WorkStyle, list[float]] = {}
    for person in PEOPLE:
        plan = plan_day(7, person, MONDAY)
        first = next(
            b for b in plan.blocks if b.doing is not Doing.OFF and b.doing is not Doing.EVENING
        )
        starts.setdefault(person.style, []).append((first.start - plan.start) / HOUR)
    assert max(starts[WorkStyle.EARLY]) < min(starts[WorkStyle.LATE])


def test_situations_tell_the_truth_about_time():
    world = World(7, PEOPLE)
    for person in PEOPLE:
        for minutes in range(0, 24 * 60, 13):
            at = WEDNESDAY_10_UTC + minutes * 60
            situation = world.situation(person, at)
            assert situation.since <= at < situation.until
            assert situation.last_active_at <= at
            if situation.doing in {Doing.WORKING, Doing.FOCUS, Doing.EVENING}:
                assert situation.last_active_at == at


def test_last_message_is_in_the_past():
    world = World(7, PEOPLE)
    sent = [world.last_message_at(person, WEDNESDAY_10_UTC) for person in PEOPLE]
    assert any(moment is not None for moment in sent)
    assert all(moment is None or moment <= WEDNESDAY_10_UTC for moment in sent)
