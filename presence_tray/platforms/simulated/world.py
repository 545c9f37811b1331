"""What each simulated person is really doing at any moment: a pure function of seed and time.

A person's day is planned from a random generator seeded with (seed, person, local day), so
the same moment always gives the same answer, in any order of questions. Weekdays: working
hours by style and time zone, lunch, meetings, calls and presentations on the half hour, a
do-not-disturb focus block now and then, short idle stretches, and sometimes a day out of
office. Evenings and weekends are off, except for people who chat on community platforms.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

    from presence_tray.core.identity import Platform
    from presence_tray.platforms.simulated.population import SimulatedPerson

MINUTE: Final = 60.0
HOUR: Final = 3600.0
DAY: Final = 86_400.0

OUT_OF_OFFICE_CHANCE = 0.04
"""The share of working days a person takes off."""
FOCUS_CHANCE = 0.4
"""The share of working days with a do-not-disturb focus block."""
_LOOK_BACK_DAYS = 7


class Doing(StrEnum):
    """What a person is doing."""

    OFF = "off"
    """Away from every computer: night, evening, weekend."""
    EVENING = "evening"
    """Off work but chatting on community platforms (Discord, Matrix, XMPP)."""
    WORKING = "working"
    IDLE = "idle"
    """At work, away from the keyboard for a few minutes."""
    LUNCH = "lunch"
    MEETING = "meeting"
    CALL = "call"
    PRESENTING = "presenting"
    FOCUS = "focus"
    """Do-not-disturb focus time."""
    OUT_OF_OFFICE = "out_of_office"
    """A day off, during what would be working hours."""


AT_THE_KEYBOARD: Final = frozenset({Doing.WORKING, Doing.FOCUS, Doing.EVENING})
"""Doings in which the person is typing, so "last active" is now."""
RESTING: Final = frozenset({Doing.OFF, Doing.OUT_OF_OFFICE})
"""Doings with no computer at all."""
AT_WORK: Final = frozenset(
    {Doing.WORKING, Doing.IDLE, Doing.LUNCH, Doing.MEETING, Doing.CALL, Doing.PRESENTING,
     Doing.FOCUS}
)  # fmt: skip
"""Doings during working hours, signed in to the work platforms."""


@dataclass(frozen=True, slots=True)
class Block:
    """One stretch of a day doing one thing; ``variant`` (0-99) varies how platforms show it."""

    doing: Doing
    start: float
    end: float
    variant: int


_DOINGS: Final = tuple(Doing)
"""A block's doing is kept as its index here, in one byte."""
_DOING_CODES: Final = {doing: code for code, doing in enumerate(_DOINGS)}


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One local day of one person: contiguous blocks from local midnight to midnight.

    Kept compact, as the app holds two or three plans per simulated person: the blocks' ends
    in one array of floats (each block starts where the one before ends, the first at
    ``start``), what each does and its variant in a byte each (about 370 bytes a day rather
    than 880 as :class:`Block` objects). Blocks are made when asked for.
    """

    start: float
    ends: array[float]
    doings: bytes
    """One :data:`_DOINGS` index per block."""
    variants: bytes
    out_of_office: bool
    messages: tuple[float, ...]
    """When the person sends a WhatsApp message this day."""

    @classmethod
    def of_blocks(
        cls,
        start: float,
        blocks: Sequence[Block],
        *,
        out_of_office: bool,
        messages: tuple[float, ...],
    ) -> DayPlan:
        """The plan of contiguous ``blocks``, the first starting at ``start``."""
        return cls(
            start=start,
            ends=array("d", (block.end for block in blocks)),
            doings=bytes(_DOING_CODES[block.doing] for block in blocks),
            variants=bytes(block.variant for block in blocks),
            out_of_office=out_of_office,
            messages=messages,
        )

    @property
    def block_count(self) -> int:
        """How many blocks the day has."""
        return len(self.doings)

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Every block of the day, in time order (made now: prefer :meth:`block`)."""
        return tuple(self.block(index) for index in range(self.block_count))

    def doing(self, index: int) -> Doing:
        """What block ``index`` is (negative indexes count from the end, as for sequences)."""
        return _DOINGS[self.doings[index]]

    def block(self, index: int) -> Block:
        """Block ``index`` (negative indexes count from the end, as for sequences)."""
        index = range(self.block_count)[index]  # IndexError beyond the day, as a tuple's
        begin = self.ends[index - 1] if index else self.start
        return Block(self.doing(index), begin, self.ends[index], self.variants[index])

    def index_at(self, at: float) -> int:
        """The index of the block under way at ``at`` (which must fall on this day)."""
        return min(bisect_right(self.ends, at), self.block_count - 1)


@dataclass(frozen=True, slots=True)
class Situation:
    """A person's true situation at one moment."""

    doing: Doing
    since: float
    until: float
    variant: int
    previous: Doing
    """What the person did just before (a finished lunch may linger in a Slack status)."""
    last_active_at: float
    """When the person last touched a keyboard."""
    out_of_office: bool
    """The whole day is a day off."""


def local_day(person: SimulatedPerson, at: float) -> int:
    """The number of the person's local day (days since 1970-01-01 in their time zone)."""
    return math.floor((at + person.utc_offset_hours * HOUR) / DAY)


def plan_day(seed: int, person: SimulatedPerson, day: int) -> DayPlan:
    """The plan of one person's local ``day``: always the same for the same arguments."""
    rng = random.Random(f"world/{seed}/{person.person_id}/{day}")
    start = day * DAY - person.utc_offset_hours * HOUR
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    out_of_office = False
    if weekday >= 5:  # noqa: PLR2004 - Saturday and Sunday
        busy = _weekend(rng, person)
    else:
        busy, out_of_office = _workday(rng, person)
    blocks = [
        Block(doing, start + lo, start + hi, variant=rng.randrange(100))
        for doing, lo, hi in _fill(busy, 0.0, DAY, Doing.OFF)
    ]
    messages = sorted(rng.uniform(8 * HOUR, 22 * HOUR) for _ in range(rng.choice((0, 0, 1, 2, 3))))
    return DayPlan.of_blocks(
        start,
        blocks,
        out_of_office=out_of_office,
        messages=tuple(start + moment for moment in messages),
    )


class World:
    """The simulated people and their days, with day plans cached for speed."""

    def __init__(self, seed: int, people: Sequence[SimulatedPerson]) -> None:
        """A world of ``people`` whose days follow from ``seed``."""
        self.seed = seed
        self.people = tuple(people)
        self._plans: dict[tuple[int, int], DayPlan] = {}
        # Questions touch today and yesterday, rarely earlier days; at about 370 bytes a plan,
        # three days per person bound the cache (11 MB for 10,000 people), then it restarts.
        self._max_plans = max(256, 3 * len(self.people))

    def people_on(self, platform: Platform) -> list[SimulatedPerson]:
        """The people with an account on ``platform``."""
        return [person for person in self.people if platform in person.platforms]

    def plan(self, person: SimulatedPerson, day: int) -> DayPlan:
        """The person's plan for a local day (see :func:`plan_day`)."""
        cache_key = (person.index, day)
        plan = self._plans.get(cache_key)
        if plan is None:
            if len(self._plans) >= self._max_plans:
                self._plans.clear()
            plan = self._plans[cache_key] = plan_day(self.seed, person, day)
        return plan

    def situation(self, person: SimulatedPerson, at: float) -> Situation:
        """What ``person`` is doing at ``at``."""
        day = local_day(person, at)
        plan = self.plan(person, day)
        index = plan.index_at(at)
        block = plan.block(index)
        previous = plan.doing(index - 1) if index else self.plan(person, day - 1).doing(-1)
        if block.doing in AT_THE_KEYBOARD:
            last_active_at = at
        elif block.doing in RESTING:
            last_active_at = self._last_active_before(person, day, index)
        else:
            last_active_at = block.start
        return Situation(
            doing=block.doing,
            since=block.start,
            until=block.end,
            variant=block.variant,
            previous=previous,
            last_active_at=last_active_at,
            out_of_office=plan.out_of_office,
        )

    def next_block(self, person: SimulatedPerson, at: float, doing: Doing) -> Block | None:
        """The block of ``doing`` under way at ``at`` or next later the same local day."""
        plan = self.plan(person, local_day(person, at))
        for index in range(bisect_right(plan.ends, at), plan.block_count):
            if plan.doing(index) is doing:
                return plan.block(index)
        return None

    def last_message_at(self, person: SimulatedPerson, at: float) -> float | None:
        """When the person last sent a WhatsApp message, looking back two days."""
        day = local_day(person, at)
        for back in range(3):
            sent = [moment for moment in self.plan(person, day - back).messages if moment <= at]
            if sent:
                return sent[-1]
        return None

    def _last_active_before(self, person: SimulatedPerson, day: int, index: int) -> float:
        """The end of the latest block before block ``index`` of ``day`` spent at a computer."""
        for back in range(_LOOK_BACK_DAYS):
            plan = self.plan(person, day - back)
            stop = index if back == 0 else plan.block_count
            for earlier in reversed(range(stop)):
                if plan.doing(earlier) not in RESTING:
                    return plan.ends[earlier]
        return self.plan(person, day - _LOOK_BACK_DAYS).start


# -- planning a day: times are seconds after local midnight -------------------------------------

_Span = tuple[Doing, float, float]


def _weekend(rng: random.Random, person: SimulatedPerson) -> list[_Span]:
    if person.evenings_online and rng.random() < 0.6:  # noqa: PLR2004 - most weekends
        start = _minutes(rng, 13 * HOUR, 16 * HOUR)
        return [(Doing.EVENING, start, _minutes(rng, 21 * HOUR, 23.5 * HOUR))]
    return []


def _workday(rng: random.Random, person: SimulatedPerson) -> tuple[list[_Span], bool]:
    """The day's busy spans and whether it is a day off."""
    start = _minutes(
        rng, (person.style.start_hour - 0.33) * HOUR, (person.style.start_hour + 0.33) * HOUR
    )
    end = start + _minutes(rng, 8 * HOUR, 9 * HOUR)
    spans: list[_Span] = []
    if person.evenings_online and rng.random() < 0.8:  # noqa: PLR2004 - most evenings
        evening = end + _minutes(rng, 1.5 * HOUR, 2.5 * HOUR)
        spans.append((Doing.EVENING, evening, min(23.75 * HOUR, evening + 3 * HOUR)))
    if rng.random() < OUT_OF_OFFICE_CHANCE:
        return [*spans, (Doing.OUT_OF_OFFICE, start, end)], True
    taken: list[_Span] = []
    lunch_at = _minutes(rng, start + 3.5 * HOUR, start + 4.5 * HOUR, step=15)
    taken.append((Doing.LUNCH, lunch_at, lunch_at + rng.choice((30, 45, 60)) * MINUTE))
    for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 5))):
        kind = rng.choices((Doing.MEETING, Doing.CALL, Doing.PRESENTING), weights=(7, 2, 1))[0]
        _place(rng, taken, kind, start, end, rng.choice((30, 30, 45, 60)) * MINUTE, step=30)
    if rng.random() < FOCUS_CHANCE:
        _place(rng, taken, Doing.FOCUS, start, end, rng.choice((60, 90, 120)) * MINUTE, step=30)
    for _ in range(rng.randint(1, 4)):
        _place(rng, taken, Doing.IDLE, start, end, rng.choice((5, 10, 15, 20)) * MINUTE, step=5)
    return [*spans, *_fill(taken, start, end, Doing.WORKING)], False


def _minutes(rng: random.Random, lo: float, hi: float, *, step: int = 1) -> float:
    """A random time in [lo, hi] on a ``step``-minute grid of the local clock."""
    grid = step * MINUTE
    first = math.ceil(lo / grid)
    return grid * rng.randint(first, max(first, math.floor(hi / grid)))


def _place(
    rng: random.Random,
    taken: list[_Span],
    doing: Doing,
    lo: float,
    hi: float,
    length: float,
    *,
    step: int,
) -> None:
    """Add a span of ``length`` inside [lo, hi] not overlapping ``taken``, if one fits soon."""
    for _ in range(12):
        begin = _minutes(rng, lo, hi - length, step=step)
        if begin + length <= hi and all(begin + length <= s or begin >= e for _, s, e in taken):
            taken.append((doing, begin, begin + length))
            return


def _fill(spans: list[_Span], lo: float, hi: float, filler: Doing) -> list[_Span]:
    """``spans`` in time order, with the gaps between them in [lo, hi] given to ``filler``."""
    filled: list[_Span] = []
    cursor = lo
    for span in sorted(spans, key=lambda span: span[1]):
        if span[1] > cursor:
            filled.append((filler, cursor, span[1]))
        filled.append(span)
        cursor = span[2]
    if cursor < hi:
        filled.append((filler, cursor, hi))
    return filled
