"""The sorted, filtered list of people, in sections under header rows.

Favourites come first, then Available, Busy, Away, Offline and Unknown; each section with
someone in it is listed under a header row that is neither enabled nor selectable.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from presence_tray.ui.contacts_model import (
    ContactRow,
    ContactsModel,
    ModelIndex,
    Role,
    Section,
    SortKey,
    runs,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from PySide6.QtCore import SignalInstance

_ROOT = QModelIndex()


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
        self._rows: Sequence[ContactRow] = ()
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
        kept: list[tuple[int, ContactRow]] | None = None
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

    def _accepts(self, row: ContactRow) -> bool:
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

    def _matching(self, rows: Iterable[tuple[int, ContactRow]]) -> list[tuple[int, ContactRow]]:
        """The (number, row) pairs that match the search (one comprehension: 10,000 rows
        take about 2 ms)."""
        terms = self._terms
        if not terms:
            return list(rows)
        if len(terms) == 1:
            term = terms[0]
            return [pair for pair in rows if term in pair[1].search_text]
        return [pair for pair in rows if all(term in pair[1].search_text for term in terms)]

    def _narrow_to(self, kept: list[tuple[int, ContactRow]]) -> None:
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
        for first, last in runs(row for row in repaint if row is not None):
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
