"""The contacts list model over the hub's people (sorted and filtered by
:mod:`presence_tray.ui.contacts_proxy`).

One row per person. The model listens to the hub and repaints only the rows a batch changed;
relative ages ("5 min ago") are refreshed by a timer for the rows whose text depends on time.
Each row knows its list section: favourites first, then Available, Busy, Away, Offline and
Unknown.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from presence_tray.core import describe
from presence_tray.core.aggregation import AggregatedPresence, aggregate
from presence_tray.core.identity import Person, Platform
from presence_tray.core.presence import AVAILABILITY_RANK, PresenceState
from presence_tray.ui.badges import Badge

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from collections.abc import Set as AbstractSet

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceChanged, PresenceHub

_log = logging.getLogger(__name__)

AGE_REFRESH_MS = 30_000
"""How often relative ages are repainted."""

ModelIndex = QModelIndex | QPersistentModelIndex
_USER_ROLE = int(Qt.ItemDataRole.UserRole)
_ROOT = QModelIndex()


class Role(IntEnum):
    """Item data roles of :class:`ContactsModel`.

    Enum values (state, platform) come back as their plain ``str`` value when read through a
    proxy: Qt turns ``str`` subclasses into strings. Wrap them again where the type matters.
    """

    PERSON_ID = _USER_ROLE + 1
    NAME = _USER_ROLE + 2
    STATE = _USER_ROLE + 3
    DND = _USER_ROLE + 4
    ACTIVITY_TEXT = _USER_ROLE + 5
    SUMMARY = _USER_ROLE + 6
    DECIDING_PLATFORM = _USER_ROLE + 7
    PLATFORM_MARKS = _USER_ROLE + 8
    STALE = _USER_ROLE + 9
    SORT_KEY = _USER_ROLE + 10
    SEARCH_TEXT = _USER_ROLE + 11
    EXPLANATION = _USER_ROLE + 12
    BADGE = _USER_ROLE + 13
    AGGREGATE = _USER_ROLE + 14
    FAVOURITE = _USER_ROLE + 15
    IS_HEADER = _USER_ROLE + 16
    """True on a section's header row (proxy only), False on a person's row."""
    SECTION = _USER_ROLE + 17
    """The row's :class:`Section` (its ``int`` value)."""
    SECTION_COUNT = _USER_ROLE + 18
    """On a header row: how many people its section lists."""


TIME_DEPENDENT_ROLES = (
    int(Role.SUMMARY),
    int(Role.EXPLANATION),
    int(Qt.ItemDataRole.ToolTipRole),
    int(Qt.ItemDataRole.AccessibleTextRole),
)
"""Roles whose text contains a relative age; the age timer repaints only these."""


@dataclass(frozen=True, slots=True)
class PlatformMark:
    """One platform a person is on, for the small marks beside the name."""

    platform: Platform
    state: PresenceState
    deciding: bool
    stale: bool


class Section(IntEnum):
    """The sections of the contacts list, in list order."""

    FAVOURITES = 0
    AVAILABLE = 1
    BUSY = 2
    AWAY = 3
    OFFLINE = 4
    UNKNOWN = 5

    @property
    def title(self) -> str:
        """The header's words: "Favourites", "Available", ..."""
        return _SECTION_TITLES[self]


_SECTION_TITLES = {
    Section.FAVOURITES: "Favourites",
    Section.AVAILABLE: "Available",
    Section.BUSY: "Busy",
    Section.AWAY: "Away",
    Section.OFFLINE: "Offline",
    Section.UNKNOWN: "Unknown",
}

_SECTION_OF_STATE = {
    PresenceState.ONLINE: Section.AVAILABLE,
    PresenceState.BUSY: Section.BUSY,
    # Idle is "not at the keyboard for a while": Teams shows it as Away and Slack reports it
    # as away, so it is listed with away (before them), not with the available.
    PresenceState.IDLE: Section.AWAY,
    PresenceState.AWAY: Section.AWAY,
    PresenceState.OFFLINE: Section.OFFLINE,
    PresenceState.UNKNOWN: Section.UNKNOWN,
}
_STATE_ORDER = {
    state: number
    for number, state in enumerate(
        (
            PresenceState.ONLINE,
            PresenceState.BUSY,
            PresenceState.IDLE,
            PresenceState.AWAY,
            PresenceState.OFFLINE,
            PresenceState.UNKNOWN,
        )
    )
}
"""The order of states inside a section: favourites are listed by state too."""


class SortKey(NamedTuple):
    """Where a person is listed: section, state within it, name, then id (unique)."""

    section: int
    state_order: int
    name: str
    person_id: str


@dataclass(slots=True)
class ContactRow:
    """One person's row: what the model shows and what the proxy sorts and searches by."""

    person: Person
    aggregate: AggregatedPresence
    favourite: bool
    sort_key: SortKey
    search_text: str


def section_of(state: PresenceState, *, favourite: bool = False) -> Section:
    """The list section of a person in ``state``: favourites have their own, first section.

    Unknown is a section below offline, never mixed with it.
    """
    return Section.FAVOURITES if favourite else _SECTION_OF_STATE[state]


def sort_key(person: Person, state: PresenceState, *, favourite: bool) -> SortKey:
    """The key a person is listed under."""
    return SortKey(
        section_of(state, favourite=favourite),
        _STATE_ORDER[state],
        person.display_name.casefold(),
        person.person_id,
    )


COUNT_ORDER = (
    PresenceState.ONLINE,
    PresenceState.IDLE,
    PresenceState.BUSY,
    PresenceState.AWAY,
    PresenceState.OFFLINE,
    PresenceState.UNKNOWN,
)


def count_parts(counts: Mapping[PresenceState, int]) -> list[str]:
    """ "5 available", "3 busy", ... in section order, leaving out states with nobody in them."""
    return [
        f"{counts[state]} {describe.STATE_WORDS[state].lower()}"
        for state in COUNT_ORDER
        if counts.get(state, 0)
    ]


def counts_line(counts: Mapping[PresenceState, int], *, keep_parts_whole: bool = False) -> str:
    """ "5 available · 3 busy · 12 offline", or "No contacts yet".

    ``keep_parts_whole`` joins number and word with no-break spaces, so a wrapping label breaks
    only between parts.
    """
    parts = count_parts(counts)
    if not parts:
        return "No contacts yet"
    if keep_parts_whole:
        parts = [part.replace(" ", "\u00a0") for part in parts]
    return " · ".join(parts)


def runs(rows: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Contiguous runs (first, last) of the sorted distinct ``rows``."""
    first = last = -2
    for row in sorted(set(rows)):
        if row == last + 1:
            last = row
            continue
        if first >= 0:
            yield first, last
        first = last = row
    if first >= 0:
        yield first, last


def _time_dependent(agg: AggregatedPresence) -> bool:
    """Whether the row's words change with time (an age is shown)."""
    return agg.stale or (agg.state is PresenceState.OFFLINE and agg.last_seen_at is not None)


class ContactsModel(QAbstractListModel):
    """One row per person known to the hub, kept in step with the hub's change batches."""

    batch_applied = Signal()
    """A hub batch's row signals are all out (a proxy re-sorts once per batch, not per row)."""

    def __init__(
        self,
        hub: PresenceHub,
        clock: Clock,
        *,
        favourites: AbstractSet[str] = frozenset(),
        age_refresh_ms: int = AGE_REFRESH_MS,
        parent: QObject | None = None,
    ) -> None:
        """Load the hub's people and subscribe to its changes; ``favourites`` are person ids."""
        super().__init__(parent)
        self._hub = hub
        self._clock = clock
        self._favourites = set(favourites)
        self._rows: list[ContactRow] = []
        self._row_of: dict[str, int] = {}
        self._getters = self._role_getters()
        self._applying_batch = False
        for person in hub.people():
            self._row_of[person.person_id] = len(self._rows)
            self._rows.append(self._make_row(person, hub.aggregate(person.person_id)))
        # Kept up to date batch by batch: the window and the tray read it after every batch.
        self._counts = Counter(row.aggregate.state for row in self._rows)
        self._unsubscribe = hub.subscribe(self._on_changes)
        self._unsubscribe_removals = hub.subscribe_removals(self._on_removals)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(age_refresh_ms)
        self._age_timer.timeout.connect(self.refresh_ages)  # runs only while ages are shown

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        """The number of people (a list has no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        """Rows are selectable and have no children."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The value of ``role`` for the person at ``index``."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        getter = self._getters.get(int(role))
        return None if getter is None else getter(self._rows[index.row()])

    # -- public ----------------------------------------------------------------------------

    @property
    def hub(self) -> PresenceHub:
        """The hub this model follows."""
        return self._hub

    @property
    def clock(self) -> Clock:
        """The clock ages are measured by."""
        return self._clock

    def index_of(self, person_id: str) -> QModelIndex:
        """The index of a person's row (invalid when unknown)."""
        row = self._row_of.get(person_id)
        return QModelIndex() if row is None else self.index(row, 0)

    def row_records(self) -> Sequence[ContactRow]:
        """The rows themselves, in row order: a live view the proxy reads sort keys and search
        texts from, without a ``data()`` call per row."""
        return self._rows

    def state_counts(self) -> Counter[PresenceState]:
        """How many people are in each state."""
        return +self._counts  # a copy, without the states nobody is in

    def is_favourite(self, person_id: str) -> bool:
        """Whether the person is marked as a favourite."""
        return person_id in self._favourites

    def set_favourites(self, person_ids: AbstractSet[str]) -> None:
        """Mark exactly ``person_ids`` as favourites; their rows move to the Favourites section.

        The changed rows are announced like a hub batch: one re-sort of the proxy at the end.
        """
        wanted = set(person_ids)
        changed = (wanted ^ self._favourites) & self._row_of.keys()
        self._favourites = wanted
        if not changed:
            return
        self._applying_batch = True
        numbers = []
        for person_id in changed:
            number = self._row_of[person_id]
            row = self._rows[number]
            self._rows[number] = self._make_row(row.person, row.aggregate)
            numbers.append(number)
        for first, last in runs(numbers):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), [])
        self._applying_batch = False
        self.batch_applied.emit()

    def set_favourite(self, person_id: str, *, favourite: bool) -> None:
        """Mark or unmark one person as a favourite."""
        wanted = set(self._favourites)
        if favourite:
            wanted.add(person_id)
        else:
            wanted.discard(person_id)
        self.set_favourites(wanted)

    def set_ages_shown(self, *, shown: bool) -> None:
        """Keep the rows' ages ("last seen 2 h ago", "as of 3 min ago") current while
        ``shown`` (a window shows the rows): refreshed at once, then every
        ``age_refresh_ms``. While nobody looks, nothing wakes up for them."""
        if not shown:
            self._age_timer.stop()
        elif not self._age_timer.isActive():
            self.refresh_ages()
            self._age_timer.start()

    def refresh_ages(self) -> None:
        """Repaint the rows that show a relative age."""
        rows = [number for number, row in enumerate(self._rows) if _time_dependent(row.aggregate)]
        for first, last in runs(rows):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), TIME_DEPENDENT_ROLES)

    def close(self) -> None:
        """Stop listening to the hub and stop the age timer."""
        self._unsubscribe()
        self._unsubscribe_removals()
        self._age_timer.stop()

    # -- internals -------------------------------------------------------------------------

    @property
    def applying_batch(self) -> bool:
        """Whether the row signals of a hub batch are going out (``batch_applied`` follows)."""
        return self._applying_batch

    def _on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        self._applying_batch = True
        counts = self._counts
        changed: list[int] = []
        added: dict[str, ContactRow] = {}
        for change in changes:
            person_id = change.person.person_id
            new_row = self._make_row(change.person, change.new)
            number = self._row_of.get(person_id)
            if number is None:
                added[person_id] = new_row
            else:
                counts[self._rows[number].aggregate.state] -= 1
                counts[new_row.aggregate.state] += 1
                self._rows[number] = new_row
                changed.append(number)
        for new_row in added.values():
            counts[new_row.aggregate.state] += 1
        for first, last in runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), [])
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            for person_id, new_row in added.items():
                self._row_of[person_id] = len(self._rows)
                self._rows.append(new_row)
            self.endInsertRows()
        self._applying_batch = False
        self.batch_applied.emit()
        _log.debug("batch of %d: %d rows changed, %d added", len(changes), len(changed), len(added))

    def _on_removals(self, people: Sequence[Person]) -> None:
        """Drop the rows of people the hub no longer has (linked into someone else).

        A rare user action: one model reset, rather than row moves to keep track of.
        """
        gone = {person.person_id for person in people} & self._row_of.keys()
        if not gone:
            return
        self.beginResetModel()
        # In place: the proxy holds this very list (row_records).
        self._rows[:] = [row for row in self._rows if row.person.person_id not in gone]
        self._row_of = {row.person.person_id: number for number, row in enumerate(self._rows)}
        self._counts = Counter(row.aggregate.state for row in self._rows)
        self.endResetModel()

    def _make_row(self, person: Person, agg: AggregatedPresence | None) -> ContactRow:
        if agg is None:
            # Not aggregated yet: the core's own "no data" aggregate says so in its words.
            agg = aggregate(person.person_id, (), policy=self._hub.policy)
        favourite = person.person_id in self._favourites
        return ContactRow(
            person=person,
            aggregate=agg,
            favourite=favourite,
            sort_key=sort_key(person, agg.state, favourite=favourite),
            search_text=self._search_text(person),
        )

    def _search_text(self, person: Person) -> str:
        words = [person.display_name]
        for key in person.identities:
            words.append(key.platform.display_name)
            words.append(key.remote_id)
            identity = self._hub.identity(key)
            if identity is not None:
                words.append(identity.display_name)
                words.extend(identity.handles)
        return "\n".join(dict.fromkeys(words)).casefold()

    def _role_getters(self) -> dict[int, Callable[[ContactRow], object]]:
        """One small function per role; ``data()`` is a dictionary look-up."""
        now = self._clock.now

        def summary(row: ContactRow) -> str:
            return describe.summary(row.aggregate, now=now())

        def deciding_platform(row: ContactRow) -> Platform | None:
            decider = row.aggregate.decided_by
            return None if decider is None else decider.identity.platform

        def explanation(row: ContactRow) -> str:
            return self._explanation(row.aggregate)

        getters: dict[Role | Qt.ItemDataRole, Callable[[ContactRow], object]] = {
            Qt.ItemDataRole.DisplayRole: lambda row: row.person.display_name,
            Role.NAME: lambda row: row.person.display_name,
            Role.PERSON_ID: lambda row: row.person.person_id,
            Role.STATE: lambda row: row.aggregate.state,
            Role.DND: lambda row: row.aggregate.dnd,
            Role.ACTIVITY_TEXT: lambda row: describe.activity_words(row.aggregate.activity),
            Role.SUMMARY: summary,
            Role.DECIDING_PLATFORM: deciding_platform,
            Role.PLATFORM_MARKS: lambda row: platform_marks(row.person, row.aggregate),
            Role.STALE: lambda row: row.aggregate.stale,
            Role.SORT_KEY: lambda row: row.sort_key,
            Role.SEARCH_TEXT: lambda row: row.search_text,
            Role.EXPLANATION: explanation,
            Qt.ItemDataRole.ToolTipRole: explanation,
            Role.BADGE: lambda row: Badge.of(row.aggregate),
            Role.AGGREGATE: lambda row: row.aggregate,
            Role.FAVOURITE: lambda row: row.favourite,
            Role.IS_HEADER: lambda _row: False,
            Role.SECTION: lambda row: row.sort_key.section,
            Qt.ItemDataRole.AccessibleTextRole: (
                lambda row: ", ".join(
                    (
                        row.person.display_name,
                        *(("favourite",) if row.favourite else ()),
                        summary(row),
                    )
                )
            ),
        }
        return {int(role): getter for role, getter in getters.items()}

    def _explanation(self, agg: AggregatedPresence) -> str:
        now = self._clock.now()
        lines = [describe.explanation(agg, self._hub.policy)]
        lines.extend(
            describe.value_words(value, stale=agg.is_value_stale(value), now=now)
            for value in agg.values
        )
        return "\n".join(lines)


def platform_marks(person: Person, agg: AggregatedPresence) -> tuple[PlatformMark, ...]:
    """One mark per platform the person is on: the deciding platform first, then by platform."""
    decider = agg.decided_by
    deciding_platform = None if decider is None else decider.identity.platform
    best: dict[Platform, PlatformMark] = {}
    for value in agg.values:
        platform = value.identity.platform
        mark = PlatformMark(
            platform,
            value.state,
            deciding=value is decider,
            stale=agg.is_value_stale(value),
        )
        current = best.get(platform)
        if current is None or (mark.deciding, AVAILABILITY_RANK[mark.state]) > (
            current.deciding,
            AVAILABILITY_RANK[current.state],
        ):
            best[platform] = mark
    for key in person.identities:
        best.setdefault(
            key.platform,
            PlatformMark(key.platform, PresenceState.UNKNOWN, deciding=False, stale=False),
        )
    order = list(Platform)
    return tuple(
        sorted(
            best.values(),
            key=lambda mark: (mark.platform is not deciding_platform, order.index(mark.platform)),
        )
    )
