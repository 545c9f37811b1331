"""The contacts list model over the hub's people, and its sort/filter proxy with sections.

One row per person. The model listens to the hub and repaints only the rows a batch changed;
relative ages ("5 min ago") are refreshed by a timer for the rows whose text depends on time.
The proxy lists favourites first, then Available, Busy, Away, Offline and Unknown, each under
a header row that cannot be selected.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
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

    from PySide6.QtCore import SignalInstance

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
class _Row:
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


def _runs(rows: Iterable[int]) -> Iterator[tuple[int, int]]:
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
        self._rows: list[_Row] = []
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
        self._age_timer.timeout.connect(self.refresh_ages)
        self._age_timer.start()

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

    def row_records(self) -> Sequence[_Row]:
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
        for first, last in _runs(numbers):
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

    def refresh_ages(self) -> None:
        """Repaint the rows that show a relative age."""
        rows = [number for number, row in enumerate(self._rows) if _time_dependent(row.aggregate)]
        for first, last in _runs(rows):
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
        added: dict[str, _Row] = {}
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
        for first, last in _runs(changed):
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

    def _make_row(self, person: Person, agg: AggregatedPresence | None) -> _Row:
        if agg is None:
            # Not aggregated yet: the core's own "no data" aggregate says so in its words.
            agg = aggregate(person.person_id, (), policy=self._hub.policy)
        favourite = person.person_id in self._favourites
        return _Row(
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

    def _role_getters(self) -> dict[int, Callable[[_Row], object]]:
        """One small function per role; ``data()`` is a dictionary look-up."""
        now = self._clock.now

        def summary(row: _Row) -> str:
            return describe.summary(row.aggregate, now=now())

        def deciding_platform(row: _Row) -> Platform | None:
            decider = row.aggregate.decided_by
            return None if decider is None else decider.identity.platform

        def explanation(row: _Row) -> str:
            return self._explanation(row.aggregate)

        getters: dict[Role | Qt.ItemDataRole, Callable[[_Row], object]] = {
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


class ContactsProxyModel(QAbstractListModel):
    """Sorts people into sections (favourites, then by state) and by name, and filters them.

    Each section with someone in it is listed under a header row (``Role.IS_HEADER``), which
    is neither enabled nor selectable, so the view's keyboard navigation passes over it. The
    search matches names, handles and platform names, case-insensitively; every word of the
    search must match.

    A list model over a :class:`ContactsModel`, not a ``QSortFilterProxyModel``: that one
    sorts and filters through a Python ``lessThan``/``filterAcceptsRow`` called from C++ per
    comparison, about 300 ms to sort 10,000 people and as much again when a search is
    cleared. Here the order is kept in Python lists (sorted once, then kept sorted with
    ``bisect``), so opening the window, typing in the search and a batch of changes cost
    a few milliseconds (see bench/ui.py). Headers are not stored: a section's header sits
    just before its first person, found by bisecting the sorted keys. A batch whose changes
    move rows is one layout change; a new search is one layout change too, like
    ``QSortFilterProxyModel.invalidate``; persistent indexes (the view's current and
    selected rows, headers included) follow both.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        """Create an empty proxy; :meth:`setSourceModel` gives it people."""
        super().__init__(parent)
        self._terms: tuple[str, ...] = ()
        self._search = ""
        self._source: ContactsModel | None = None
        self._rows: Sequence[_Row] = ()
        self._order: list[int] = []
        """Source row of each listed person, in list order (headers left out)."""
        self._keys: list[SortKey] = []
        """Sort key of each listed person (ascending, unique: it ends with the person id)."""
        self._placed: list[SortKey | None] = []
        """Per source row: the key it is listed under, or None when filtered out."""
        self._sections: list[int] = []
        """The sections shown with a header, ascending: those with someone listed."""
        self._header_rows_cache: list[int] | None = None
        """Proxy row of each header (recomputed after the order changes)."""
        self._row_count = 0
        """People listed plus headers: asked by Qt for every index it makes, so kept, not
        counted."""
        self._disconnect: list[Callable[[], None]] = []
        self._moves: dict[int, None] = {}
        """Source rows whose sort key changed in the hub batch going out: moved at its end."""

    # -- public ----------------------------------------------------------------------------

    @property
    def search(self) -> str:
        """The search text in force."""
        return self._search

    def people_count(self) -> int:
        """How many people are listed (header rows left out)."""
        return len(self._order)

    def set_search(self, text: str) -> None:
        """Show only people matching every word of ``text``."""
        terms = tuple(text.casefold().split())
        self._search = text
        if terms == self._terms:
            return
        # Typing one more letter only narrows: look at the people shown, in their order.
        narrowing = all(any(old in new for new in terms) for old in self._terms)
        self._terms = terms
        kept: list[tuple[int, _Row]] | None = None
        if narrowing:
            rows = self._rows
            kept = self._matching((number, rows[number]) for number in self._order)
            if len(kept) == len(self._order):
                return  # everyone shown still matches ("m" of "Microsoft Teams"): no relayout
        self.layoutAboutToBeChanged.emit()
        moved = self._follow_persistent_indexes()
        if kept is None:
            self._rebuild()
        else:
            self._narrow_to(kept)
        moved()
        self.layoutChanged.emit()

    def sourceModel(self) -> ContactsModel | None:
        """The model of every person."""
        return self._source

    def setSourceModel(self, model: ContactsModel) -> None:
        """Show ``model``'s people (replacing any previous model)."""
        self.beginResetModel()
        for disconnect in self._disconnect:
            disconnect()
        self._disconnect = []
        self._source = model
        self._rows = model.row_records()
        connections: list[tuple[SignalInstance, Callable[..., None]]] = [
            (model.dataChanged, self._on_data_changed),
            (model.batch_applied, self._apply_moves),
            (model.rowsInserted, self._on_rows_inserted),
            (model.rowsAboutToBeRemoved, self._on_about_to_reset),
            (model.rowsRemoved, self._on_reset),
            (model.rowsAboutToBeMoved, self._on_about_to_reset),
            (model.rowsMoved, self._on_reset),
            (model.layoutAboutToBeChanged, self._on_about_to_reset),
            (model.layoutChanged, self._on_reset),
            (model.modelAboutToBeReset, self._on_about_to_reset),
            (model.modelReset, self._on_reset),
        ]
        for signal, slot in connections:
            signal.connect(slot)
            self._disconnect.append(partial(_disconnect, signal, slot))
        self._rebuild()
        self.endResetModel()

    def mapToSource(self, index: ModelIndex) -> QModelIndex:
        """The source model's index of a person's row (invalid for a header)."""
        if self._source is None or not index.isValid() or not self._in_range(index.row()):
            return QModelIndex()
        _, position = self._locate(index.row())
        return QModelIndex() if position is None else self._source.index(self._order[position], 0)

    def mapFromSource(self, index: ModelIndex) -> QModelIndex:
        """This proxy's index of a source row (invalid when filtered out)."""
        if not index.isValid() or not 0 <= index.row() < len(self._placed):
            return QModelIndex()
        row = self._row_listing(index.row())
        return QModelIndex() if row is None else self.index(row, 0)

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:
        """The number of people shown plus one header per section shown."""
        return 0 if parent.isValid() else self._row_count

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        """A person's row has the source row's flags; a header is neither enabled nor
        selectable."""
        if self._source is None or not index.isValid() or not self._in_range(index.row()):
            return Qt.ItemFlag.NoItemFlags
        _, position = self._locate(index.row())
        if position is None:
            return Qt.ItemFlag.ItemNeverHasChildren
        return self._source.flags(self._source.index(self._order[position], 0))

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The source row's value of ``role``, or a header's."""
        if self._source is None or not index.isValid() or not self._in_range(index.row()):
            return None
        header, position = self._locate(index.row())
        if position is None:
            return self._header_data(header, role)
        return self._source.data(self._source.index(self._order[position], 0), role)

    # -- internals: where things are -------------------------------------------------------

    def _header_rows(self) -> list[int]:
        rows = self._header_rows_cache
        if rows is None:
            keys = self._keys
            rows = [
                bisect_left(keys, section, key=_section_field) + number
                for number, section in enumerate(self._sections)
            ]
            self._header_rows_cache = rows
        return rows

    def _in_range(self, row: int) -> bool:
        return 0 <= row < self._row_count

    def _locate(self, row: int) -> tuple[int, int | None]:
        """What proxy ``row`` (in range) shows: (the number of its section's header, the
        listed person's place in ``_order``, or None when the row is the header itself)."""
        headers = self._header_rows()
        number = bisect_right(headers, row) - 1
        return number, None if headers[number] == row else row - number - 1

    def _header_data(self, number: int, role: int) -> object:
        section = Section(self._sections[number])
        if role in (Qt.ItemDataRole.DisplayRole, Role.NAME):
            return section.title
        if role == Role.IS_HEADER:
            return True
        if role == Role.SECTION:
            return int(section)
        count = self._section_count(number)
        if role == Role.SECTION_COUNT:
            return count
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{section.title}, {count} {'person' if count == 1 else 'people'}"
        return None

    def _section_count(self, number: int) -> int:
        headers = self._header_rows()
        end = headers[number + 1] if number + 1 < len(headers) else self._row_count
        return end - headers[number] - 1

    def _update_sections(self) -> None:
        """Show a header for exactly the sections with someone listed."""
        keys = self._keys
        sections: list[int] = []
        start = 0
        while start < len(keys):
            section = keys[start].section
            sections.append(section)
            start = bisect_right(keys, section, lo=start, key=_section_field)
        self._sections = sections
        self._order_changed()

    def _order_changed(self) -> None:
        """Forget the header rows and recount (call after ``_order`` or ``_sections`` change)."""
        self._header_rows_cache = None
        self._row_count = len(self._order) + len(self._sections)

    def _row_of_position(self, position: int) -> int:
        """The proxy row of the listed person at ``position`` (their section has a header)."""
        section = self._keys[position].section
        return position + bisect_left(self._sections, section) + 1

    def _row_listing(self, source_row: int) -> int | None:
        """The proxy row of a source row, or None when it is not shown."""
        key = self._placed[source_row]
        return None if key is None else self._row_of_position(bisect_left(self._keys, key))

    def _position_of(self, source_row: int) -> int:
        """The place in ``_order`` of a source row known to be shown."""
        key = self._placed[source_row]
        if key is None:
            msg = f"source row {source_row} is not shown"
            raise LookupError(msg)
        return bisect_left(self._keys, key)

    def _follow_persistent_indexes(self) -> Callable[[], None]:
        """Call before the order changes; the returned function, after it, moves every
        persistent index to its person's (or its header's) new row, or invalidates it."""
        before = self.persistentIndexList()
        marks: list[tuple[bool, int]] = []
        """(is a header, its section) or (not a header, the person's source row)."""
        for index in before:
            header, position = self._locate(index.row())
            if position is None:
                marks.append((True, self._sections[header]))
            else:
                marks.append((False, self._order[position]))

        def moved() -> None:
            after = []
            for header, value in marks:
                row = self._header_row_of(value) if header else self._row_listing_safe(value)
                after.append(QModelIndex() if row is None else self.index(row, 0))
            self.changePersistentIndexList(before, after)

        return moved

    def _header_row_of(self, section: int) -> int | None:
        number = bisect_left(self._sections, section)
        if number < len(self._sections) and self._sections[number] == section:
            return self._header_rows()[number]
        return None

    def _row_listing_safe(self, source_row: int) -> int | None:
        return self._row_listing(source_row) if source_row < len(self._placed) else None

    # -- internals: changing the order -----------------------------------------------------

    def _accepts(self, row: _Row) -> bool:
        terms = self._terms
        if not terms:
            return True
        text = row.search_text
        return all(term in text for term in terms)

    def _rebuild(self) -> None:
        """Sort and filter every source row again."""
        rows = self._rows
        placed: list[SortKey | None] = [None] * len(rows)
        shown = [(row.sort_key, number) for number, row in self._matching(enumerate(rows))]
        shown.sort()
        for key, number in shown:
            placed[number] = key
        self._placed = placed
        self._keys = [key for key, _ in shown]
        self._order = [number for _, number in shown]
        self._update_sections()

    def _matching(self, rows: Iterable[tuple[int, _Row]]) -> list[tuple[int, _Row]]:
        """The (number, row) pairs that match the search (one comprehension: 10,000 rows
        take about 2 ms)."""
        terms = self._terms
        if not terms:
            return list(rows)
        if len(terms) == 1:
            term = terms[0]
            return [pair for pair in rows if term in pair[1].search_text]
        return [pair for pair in rows if all(term in pair[1].search_text for term in terms)]

    def _narrow_to(self, kept: list[tuple[int, _Row]]) -> None:
        """Show only ``kept``, a part of the people shown, in their order (still sorted)."""
        placed = self._placed
        for number in self._order:
            placed[number] = None
        self._order = [number for number, _ in kept]
        self._keys = [row.sort_key for _, row in kept]
        for number, row in kept:
            placed[number] = row.sort_key
        self._update_sections()

    def _unlist(self, source_row: int, position: int) -> None:
        """Take a shown source row, listed at ``position``, out of the order."""
        del self._keys[position]
        del self._order[position]
        self._placed[source_row] = None
        self._order_changed()

    def _list(self, source_row: int) -> None:
        """Put a source row into the order under its current key."""
        key = self._rows[source_row].sort_key
        position = bisect_left(self._keys, key)
        self._keys.insert(position, key)
        self._order.insert(position, source_row)
        self._placed[source_row] = key
        self._order_changed()

    def _insert_block(self, block: Sequence[tuple[SortKey, int]]) -> None:
        """Show new people who all land in one place of one section, with its header if
        the section was empty, in one insertion."""
        first_key = block[0][0]
        position = bisect_left(self._keys, first_key)
        number = bisect_left(self._sections, first_key.section)
        new_section = number == len(self._sections) or self._sections[number] != first_key.section
        row = position + number + (0 if new_section else 1)
        self.beginInsertRows(QModelIndex(), row, row + len(block) - 1 + new_section)
        self._keys[position:position] = [key for key, _ in block]
        self._order[position:position] = [source_row for _, source_row in block]
        for key, source_row in block:
            self._placed[source_row] = key
        if new_section:
            self._sections.insert(number, first_key.section)
        self._order_changed()
        self.endInsertRows()

    def _remove_one(self, source_row: int) -> None:
        """Stop showing a source row, and its section's header when it was the last one."""
        position = self._position_of(source_row)
        keys = self._keys
        section = keys[position].section
        alone = (position == 0 or keys[position - 1].section != section) and (
            position + 1 == len(keys) or keys[position + 1].section != section
        )
        row = self._row_of_position(position)
        self.beginRemoveRows(QModelIndex(), row - 1 if alone else row, row)
        self._unlist(source_row, position)
        if alone:
            self._sections.remove(section)
            self._order_changed()
        self.endRemoveRows()

    def _sort_out(self, first: int, last: int) -> tuple[list[int], ...]:
        """Source rows ``first..last`` that changed: (unmoved, moved, entering, leaving)."""
        rows = self._rows
        placed = self._placed
        keep: list[int] = []
        move: list[int] = []
        enter: list[int] = []
        leave: list[int] = []
        for source_row in range(first, last + 1):
            record = rows[source_row]
            old = placed[source_row]
            shown = self._accepts(record)
            if old is None:
                if shown:
                    enter.append(source_row)
            elif not shown:
                leave.append(source_row)
            elif old == record.sort_key:
                keep.append(source_row)
            else:
                move.append(source_row)
        return keep, move, enter, leave

    def _on_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> None:
        if top.parent().isValid():
            return
        keep, move, enter, leave = self._sort_out(top.row(), bottom.row())
        for source_row in leave:
            self._moves.pop(source_row, None)
            self._remove_one(source_row)
        # Moves wait for the end of the hub batch: one layout change (and one relayout of the
        # view) per batch, not one per changed row. Until then a moved row shows its new
        # values in its old place.
        self._moves.update(dict.fromkeys(move))
        if self._source is None or not self._source.applying_batch:
            self._apply_moves()
        for source_row in enter:
            self._insert_block([(self._rows[source_row].sort_key, source_row)])
        repaint = [self._row_listing(source_row) for source_row in keep]
        for first, last in _runs(row for row in repaint if row is not None):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), roles)

    def _apply_moves(self) -> None:
        """Put the rows whose sort key changed in their new places, in one layout change
        (headers of sections emptied or filled by it go or come in the same change)."""
        if not self._moves:
            return
        move, self._moves = list(self._moves), {}
        self.layoutAboutToBeChanged.emit()
        moved = self._follow_persistent_indexes()
        for source_row in move:
            self._unlist(source_row, self._position_of(source_row))
        for source_row in move:
            self._list(source_row)
        self._update_sections()
        moved()
        self.layoutChanged.emit()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        if first < len(self._placed):  # inserted in the middle: later source rows move down
            self._order = [row + count if row >= first else row for row in self._order]
        self._placed[first:first] = [None] * count
        new = sorted(
            (record.sort_key, number)
            for number, record in enumerate(self._rows[first : last + 1], first)
            if self._accepts(record)
        )
        if not new:
            return
        # One signal per run of new people that land between the same two listed people,
        # in the same section.
        blocks: list[list[tuple[SortKey, int]]] = []
        last_place: tuple[int, int] | None = None
        for key, number in new:
            place = (bisect_left(self._keys, key), key.section)
            if place != last_place:
                blocks.append([])
                last_place = place
            blocks[-1].append((key, number))
        if len(blocks) > MAX_INSERT_SIGNALS:
            self.beginResetModel()
            self._rebuild()
            self.endResetModel()
            return
        for block in blocks:
            self._insert_block(block)

    def _on_about_to_reset(self, *_args: object) -> None:
        # Removals, moves and resets of the source start the list over.
        self.beginResetModel()

    def _on_reset(self, *_args: object) -> None:
        self._rebuild()
        self.endResetModel()


def _section_field(key: SortKey) -> int:
    return key.section


def _disconnect(signal: SignalInstance, slot: Callable[..., None]) -> None:
    signal.disconnect(slot)


MAX_INSERT_SIGNALS = 64
"""New people landing in more places than this are shown by a reset, not row by row."""
