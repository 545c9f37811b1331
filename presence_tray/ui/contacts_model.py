"""The contacts list model over the hub's people, and its sort/filter proxy.

One row per person. The model listens to the hub and repaints only the rows a batch changed;
relative ages ("5 min ago") are refreshed by a timer for the rows whose text depends on time.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from presence_tray.core import describe
from presence_tray.core.aggregation import AggregatedPresence, aggregate
from presence_tray.core.identity import Person, Platform
from presence_tray.core.presence import AVAILABILITY_RANK, PresenceState
from presence_tray.ui.badges import Badge

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

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


SortKey = tuple[int, str, str]


@dataclass(slots=True)
class _Row:
    person: Person
    aggregate: AggregatedPresence
    sort_key: SortKey
    search_text: str


def section_of(state: PresenceState) -> int:
    """The list section a state belongs to: 0 available, then idle, busy, away, offline, unknown.

    Follows the availability order of the core (unknown is below offline, never mixed with it).
    """
    return max(AVAILABILITY_RANK.values()) - AVAILABILITY_RANK[state]


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

    def __init__(
        self,
        hub: PresenceHub,
        clock: Clock,
        *,
        age_refresh_ms: int = AGE_REFRESH_MS,
        parent: QObject | None = None,
    ) -> None:
        """Load the hub's people and subscribe to its changes."""
        super().__init__(parent)
        self._hub = hub
        self._clock = clock
        self._rows: list[_Row] = []
        self._row_of: dict[str, int] = {}
        self._getters = self._role_getters()
        for person in hub.people():
            self._row_of[person.person_id] = len(self._rows)
            self._rows.append(self._make_row(person, hub.aggregate(person.person_id)))
        self._unsubscribe = hub.subscribe(self._on_changes)
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

    def index_of(self, person_id: str) -> QModelIndex:
        """The index of a person's row (invalid when unknown)."""
        row = self._row_of.get(person_id)
        return QModelIndex() if row is None else self.index(row, 0)

    def state_counts(self) -> Counter[PresenceState]:
        """How many people are in each state."""
        return Counter(row.aggregate.state for row in self._rows)

    def refresh_ages(self) -> None:
        """Repaint the rows that show a relative age."""
        rows = [number for number, row in enumerate(self._rows) if _time_dependent(row.aggregate)]
        for first, last in _runs(rows):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), TIME_DEPENDENT_ROLES)

    def close(self) -> None:
        """Stop listening to the hub and stop the age timer."""
        self._unsubscribe()
        self._age_timer.stop()

    # -- internals -------------------------------------------------------------------------

    def _on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        changed: list[int] = []
        added: dict[str, _Row] = {}
        for change in changes:
            person_id = change.person.person_id
            new_row = self._make_row(change.person, change.new)
            number = self._row_of.get(person_id)
            if number is None:
                added[person_id] = new_row
            else:
                self._rows[number] = new_row
                changed.append(number)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), [])
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            for person_id, new_row in added.items():
                self._row_of[person_id] = len(self._rows)
                self._rows.append(new_row)
            self.endInsertRows()
        _log.debug("batch of %d: %d rows changed, %d added", len(changes), len(changed), len(added))

    def _make_row(self, person: Person, agg: AggregatedPresence | None) -> _Row:
        if agg is None:
            # Not aggregated yet: the core's own "no data" aggregate says so in its words.
            agg = aggregate(person.person_id, (), policy=self._hub.policy)
        name = person.display_name
        return _Row(
            person=person,
            aggregate=agg,
            sort_key=(section_of(agg.state), name.casefold(), person.person_id),
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
            Qt.ItemDataRole.AccessibleTextRole: (
                lambda row: f"{row.person.display_name}, {summary(row)}"
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


class ContactsProxyModel(QSortFilterProxyModel):
    """Sorts people by section (available first) then name, and filters by a search text.

    The search matches names, handles and platform names, case-insensitively; every word of
    the search must match.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        """Create a proxy that sorts dynamically on :attr:`Role.SORT_KEY`."""
        super().__init__(parent)
        self._terms: tuple[str, ...] = ()
        self._search = ""
        self.setDynamicSortFilter(True)
        self.setSortRole(Role.SORT_KEY)
        self.sort(0, Qt.SortOrder.AscendingOrder)

    @property
    def search(self) -> str:
        """The search text in force."""
        return self._search

    def set_search(self, text: str) -> None:
        """Show only people matching every word of ``text``."""
        terms = tuple(text.casefold().split())
        self._search = text
        if terms == self._terms:
            return
        self.beginFilterChange()
        self._terms = terms
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        """Accept rows whose search text contains every search word."""
        if not self._terms:
            return True
        model = self.sourceModel()
        text = model.data(model.index(source_row, 0, source_parent), Role.SEARCH_TEXT)
        return isinstance(text, str) and all(term in text for term in self._terms)

    def lessThan(self, source_left: ModelIndex, source_right: ModelIndex) -> bool:
        """Order by section, then name, then id (stable for equal names)."""
        left = source_left.data(Role.SORT_KEY)
        right = source_right.data(Role.SORT_KEY)
        return bool(left < right)
