"""The contacts window: a search field over the list of people in sections, a line of counts,
and a person's detail shown in place of the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from presence_tray.ui import APP_NAME
from presence_tray.ui.contacts_delegate import ContactsDelegate
from presence_tray.ui.contacts_model import ContactsModel, Role, counts_line
from presence_tray.ui.contacts_proxy import ContactsProxyModel
from presence_tray.ui.linking import LinkSuggestionsBar
from presence_tray.ui.person_detail import PersonDetail
from presence_tray.ui.placement import place_near
from presence_tray.ui.visible_people import VisiblePeople, people_in_view

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.ui.person_detail import PeopleActions

WINDOW_TITLE = f"{APP_NAME} — Contacts"
SIMULATED_NETWORK_NOTICE = (
    "No accounts yet — you are looking at the simulated network. Connect yours in "
    "Settings; they show instead from the next start."
)
NO_TRAY_NOTICE = "No system tray found — Presence Tray runs as a normal window."
NO_CONTACTS = "No contacts yet."
DEFAULT_SIZE = (360, 540)
RESIZE_REST_MS = 500
"""A resize counts as chosen once the user has stopped dragging for this long."""
FIRST_PERSON_ROW = 1
"""Row 0 of a non-empty list is its first section's header."""

_NOTICE_STYLE = (
    "QLabel { background: palette(alternate-base); border: 1px solid palette(mid);"
    " border-radius: 4px; padding: 6px 8px; }"
)


def no_match_text(search: str) -> str:
    """The empty state of a search: "No one matches 'zz'."."""
    return f"No one matches '{search.strip()}'."


def _notice(text: str, accessible_name: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(_NOTICE_STYLE)
    label.setAccessibleName(accessible_name)
    return label


def _search_field() -> QLineEdit:
    field = QLineEdit()
    field.setPlaceholderText("Search people, handles or platforms")
    field.setClearButtonEnabled(True)
    field.setAccessibleName("Search contacts")
    return field


class ContactListView(QListView):
    """The list of people; keyboard moves that would land on a section header land on the
    header's first person instead (Qt's Home and Page Up would otherwise go nowhere)."""

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Qt's move, stepping off a header onto the person below it."""
        index = super().moveCursor(action, modifiers)
        if index.isValid() and index.data(Role.IS_HEADER):
            return index.siblingAtRow(index.row() + 1)
        return index


def _contact_list(model: ContactsProxyModel) -> QListView:
    view = ContactListView()
    view.setModel(model)
    view.setItemDelegate(ContactsDelegate(view))
    view.setUniformItemSizes(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setMouseTracking(True)  # hover highlight
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setAccessibleName("Contacts")
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    return view


def _empty_label() -> QLabel:
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setAccessibleName("No contacts shown")
    return label


def _status_label() -> QLabel:
    label = QLabel()
    label.setAccessibleName("Status summary")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)  # six states do not fit one line of a narrow window
    return label


class ContactsWindow(QWidget):
    """Search field, contact list (or its empty state), notices and a status line; a person's
    detail opens in place of the list (Enter or double-click; Esc or Alt+Left goes back)."""

    closed = Signal()
    """The user closed the window (the shell decides whether that means quit)."""
    quit_requested = Signal()
    """The user asked to quit from the window (Ctrl+Q)."""
    settings_requested = Signal()
    """The user asked for the settings (Ctrl+,)."""
    link_requested = Signal(str)
    """The user asked to link another identity to a person (the person id)."""
    unlink_requested = Signal(object)
    """The user asked to unlink an identity (its ``IdentityKey``) from its person."""
    add_identity_requested = Signal(str, object)
    """The user asked to add a LinkedIn profile or WhatsApp number to a person (the person id,
    the ``Platform``)."""
    remove_identity_requested = Signal(object)
    """The user asked to remove an identity added by hand (its ``IdentityKey``)."""
    size_chosen = Signal(int, int)
    """The user resized the window to this width and height (once the resizing has rested)."""
    visible_people_changed = Signal(object)
    """The people in sight changed: a ``frozenset`` of person ids (the rows in view, or the
    person whose detail is open; empty while the window is hidden or minimised)."""

    def __init__(
        self,
        model: ContactsModel,
        *,
        simulated_network: bool,
        tray_available: bool,
        people: PeopleActions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Build the window over ``model``; notices show what is simulated or missing.

        ``people`` (favourites, notification requests, history) may come later, through
        :meth:`set_people`; until then the detail view shows values only.
        """
        super().__init__(parent)
        self._model = model
        self._people: PeopleActions | None = None
        self._unsubscribe_people: Callable[[], None] | None = None
        self._hide_on_escape = tray_available
        self.setWindowTitle(WINDOW_TITLE)
        self.setAccessibleName("Contacts")
        self._resized_by_user = False
        self._resize_rest = self._size_up()

        self._proxy = ContactsProxyModel(self)
        self._proxy.setSourceModel(model)

        self._search = _search_field()
        self._search.textChanged.connect(self._on_search_changed)
        self._search.installEventFilter(self)
        self._list = _contact_list(self._proxy)
        self._list.installEventFilter(self)
        self._list.activated.connect(self._on_activated)
        self._list.customContextMenuRequested.connect(self._show_row_menu)
        self._empty = _empty_label()
        self._stack = QStackedWidget()
        self._stack.addWidget(self._list)
        self._stack.addWidget(self._empty)
        self._list_notice = _notice("", "List notice")
        self._list_notice.setVisible(False)

        self._detail = self._detail_view(model)
        self._pages = QStackedWidget()
        self._pages.addWidget(self._browse_page())
        self._pages.addWidget(self._detail)

        self._banner = _notice(SIMULATED_NETWORK_NOTICE, "Simulated network notice")
        self._banner.setVisible(simulated_network)
        self._no_tray = _notice(NO_TRAY_NOTICE, "No system tray notice")
        self._no_tray.setVisible(not tray_available)
        self._app_notice = _notice("", "App notice")
        self._app_notice.setVisible(False)

        self._status = _status_label()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(self._no_tray)
        layout.addWidget(self._app_notice)
        layout.addWidget(self._banner)
        layout.addWidget(self._pages, stretch=1)
        layout.addWidget(self._status)

        self._add_shortcuts()

        self._refresh_timer = QTimer(self)
        self._in_sight = self._count_people_in_sight()
        self._follow(model)
        self.set_people(people)
        self._refresh()

    def _follow(self, model: ContactsModel) -> None:
        """Refresh the counts, the empty state and the detail as the model changes."""
        # Bursts of hub batches become one status refresh per event-loop turn.
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh)
        for signal in (
            model.dataChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            self._proxy.rowsInserted,
            self._proxy.rowsRemoved,
            self._proxy.layoutChanged,
            self._proxy.modelReset,
        ):
            signal.connect(self._schedule_refresh)
        model.rowsRemoved.connect(self._check_person_shown)
        model.modelReset.connect(self._check_person_shown)

    def _count_people_in_sight(self) -> VisiblePeople:
        """Report who is in sight as the list scrolls, resizes, filters or changes."""
        in_sight = VisiblePeople(self._people_in_sight, is_shown=self._on_screen, parent=self)
        in_sight.watch(self._list)
        in_sight.changed.connect(self.visible_people_changed)
        return in_sight

    def _detail_view(self, model: ContactsModel) -> PersonDetail:
        detail = PersonDetail(model.hub, model.clock)
        detail.back_requested.connect(self.show_list)
        detail.person_gone.connect(self.back_to_list_saying)
        detail.link_requested.connect(self.link_requested)
        detail.unlink_requested.connect(self.unlink_requested)
        detail.add_identity_requested.connect(self.add_identity_requested)
        detail.remove_identity_requested.connect(self.remove_identity_requested)
        return detail

    def _browse_page(self) -> QWidget:
        """The search field over the list (or its empty state)."""
        browse = QWidget()
        layout = QVBoxLayout(browse)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._list_notice)
        self._linking_bar = LinkSuggestionsBar(browse)  # shown once the shell counts them
        layout.addWidget(self._linking_bar)
        layout.addWidget(self._search)
        layout.addWidget(self._stack, stretch=1)
        return browse

    def _add_shortcuts(self) -> None:
        quit_action = QAction("Quit", self)
        # Spelled out: some platforms bind no key to QKeySequence.StandardKey.Quit.
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.quit_requested)
        find_action = QAction("Find", self)
        find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find_action.triggered.connect(self.focus_search)
        settings_action = QAction("Settings", self)
        settings_action.setShortcut(QKeySequence("Ctrl+,"))
        settings_action.triggered.connect(self.settings_requested)
        self.addActions([quit_action, find_action, settings_action])

    # -- for the shell and tests -----------------------------------------------------------

    @property
    def proxy(self) -> ContactsProxyModel:
        """The sorted, filtered view of the model."""
        return self._proxy

    @property
    def search_field(self) -> QLineEdit:
        """The search field."""
        return self._search

    @property
    def list_view(self) -> QListView:
        """The contact list."""
        return self._list

    @property
    def empty_label(self) -> QLabel:
        """The empty-state text shown instead of the list."""
        return self._empty

    @property
    def status_label(self) -> QLabel:
        """The counts line at the bottom."""
        return self._status

    @property
    def banner(self) -> QLabel:
        """The simulated-network notice."""
        return self._banner

    @property
    def no_tray_notice(self) -> QLabel:
        """The "no system tray" notice."""
        return self._no_tray

    @property
    def app_notice(self) -> QLabel:
        """Sentences the app has for the user (a damaged database set aside, no storage)."""
        return self._app_notice

    @property
    def linking_bar(self) -> LinkSuggestionsBar:
        """The "possible duplicates" bar."""
        return self._linking_bar

    @property
    def detail(self) -> PersonDetail:
        """The person detail view (shown in place of the list)."""
        return self._detail

    @property
    def list_notice(self) -> QLabel:
        """A sentence above the list (a person whose detail was open is gone)."""
        return self._list_notice

    @property
    def visible_people(self) -> VisiblePeople:
        """The people in sight, counted once scrolling and changes rest."""
        return self._in_sight

    @property
    def showing_detail(self) -> bool:
        """Whether a person's detail is shown instead of the list."""
        return self._pages.currentWidget() is self._detail

    def set_people(self, people: PeopleActions | None) -> None:
        """Use ``people`` for favourites, notification requests and history."""
        if self._unsubscribe_people is not None:
            self._unsubscribe_people()
            self._unsubscribe_people = None
        self._people = people
        self._detail.set_actions(people)
        if people is not None:
            self._unsubscribe_people = people.subscribe(self._on_people_changed)
            self._on_people_changed()

    def open_person(self, person_id: str) -> bool:
        """Show a person's detail in place of the list; False when the hub does not know them."""
        if not self._detail.show_person(person_id):
            return False
        self._list_notice.setVisible(False)
        self._select(person_id)
        self._pages.setCurrentWidget(self._detail)
        self._in_sight.schedule()
        self._detail.back_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def show_list(self) -> None:
        """Back to the list, the person shown selected and the search as it was."""
        person_id = self._detail.person_id
        self._detail.clear()
        self._pages.setCurrentIndex(0)
        self._in_sight.schedule()
        if person_id is not None and self._select(person_id):
            self._list.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.focus_search()

    def back_to_list_saying(self, sentence: str) -> None:
        """Show the list with ``sentence`` above it (a person asked for is not there)."""
        self.show_list()
        self._list_notice.setText(sentence)
        self._list_notice.setVisible(True)

    def add_notice(self, text: str) -> None:
        """Show one more notice above the list (kept until the window closes)."""
        current = self._app_notice.text()
        self._app_notice.setText(f"{current}\n{text}" if current else text)
        self._app_notice.setVisible(True)

    def show_near(self, anchor: QRect | None) -> None:
        """Show, raise and focus the window, beside ``anchor`` (the tray icon) when known."""
        if anchor is not None and anchor.isValid() and not anchor.topLeft().isNull():
            screen = QGuiApplication.screenAt(anchor.center()) or QGuiApplication.primaryScreen()
            frame = self.frameGeometry().size().expandedTo(self.size())
            self.move(place_near(frame, anchor, screen.availableGeometry()))
        was_visible = self.isVisible()
        self.show()
        if was_visible:  # a newly shown window is on top already
            self.raise_()
        self.activateWindow()
        self.focus_search()

    def focus_search(self) -> None:
        """Put the keyboard focus in the search field, its text selected."""
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    # -- events ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape goes back from a person's detail, clears the search, or hides the window
        when the search is empty."""
        if event.key() == Qt.Key.Key_Escape and self.showing_detail:
            self.show_list()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            if self._search.text():
                self._search.clear()
                self.focus_search()
            elif self._hide_on_escape:
                self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def restore_size(self, width: int, height: int) -> None:
        """Take the size the user chose in an earlier run (fitted to the screen), unless they
        have resized the window in this one already."""
        if self._resized_by_user:
            return
        # The primary screen, not self.screen(): see settings/dialog.py's opening size.
        available = QGuiApplication.primaryScreen().availableGeometry().size()
        self.resize(
            max(self.minimumWidth(), min(width, available.width())),
            max(self.minimumHeight(), min(height, available.height())),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A resize from the window system while shown is the user's: remember it soon."""
        super().resizeEvent(event)
        if event.spontaneous() and self.isVisible():
            self._resize_rest.start()

    def _size_up(self) -> QTimer:
        """The default and smallest sizes; the timer that tells a chosen size from a drag."""
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(260, 280)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(RESIZE_REST_MS)
        timer.timeout.connect(self._on_resize_rested)
        return timer

    def _on_resize_rested(self) -> None:
        self._resized_by_user = True
        self.size_chosen.emit(self.width(), self.height())

    def showEvent(self, event: QShowEvent) -> None:
        """Keep the rows' ages current while the window is shown; count who is in sight."""
        super().showEvent(event)
        self._model.set_ages_shown(shown=True)
        self._in_sight.schedule()

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop refreshing ages nobody sees; nobody is in sight."""
        super().hideEvent(event)
        self._model.set_ages_shown(shown=False)
        self._in_sight.clear()

    def changeEvent(self, event: QEvent) -> None:
        """Minimised, nobody is in sight; restored, count again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            if self.isMinimized():
                self._in_sight.clear()
            else:
                self._in_sight.schedule()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Tell the shell; closing only hides the window."""
        super().closeEvent(event)
        self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys move between the search field and the list; typing in the list searches."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if watched is self._search:
            return self._search_key(event)
        if watched is self._list:
            return self._list_key(event)
        return False

    def _search_key(self, event: QKeyEvent) -> bool:
        # Down steps into the list (onto the selected person, else the first one); Enter
        # does that and opens the person, so "type a name, press Enter" opens the top match.
        key = event.key()
        if key not in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if self._proxy.rowCount() == 0:
            return False
        self._list.setFocus(Qt.FocusReason.TabFocusReason)
        current = self._list.currentIndex()
        if not current.isValid() or not self._list.selectionModel().isSelected(current):
            self._list.setCurrentIndex(self._proxy.index(FIRST_PERSON_ROW, 0))
        if key != Qt.Key.Key_Down:
            self._on_activated(self._list.currentIndex())
        return True

    def _list_key(self, event: QKeyEvent) -> bool:
        # Row 0 is the first section's header: Up from the first person leaves the list.
        if event.key() == Qt.Key.Key_Up and self._list.currentIndex().row() <= FIRST_PERSON_ROW:
            self.focus_search()
            return True
        text = event.text()
        no_modifier = not (event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier)
        if text and text.isprintable() and not text.isspace() and no_modifier:
            self._search.setFocus(Qt.FocusReason.OtherFocusReason)
            self._search.insert(text)
            return True
        return False

    # -- internals -------------------------------------------------------------------------

    def _schedule_refresh(self, *_args: object) -> None:
        # A method, not the timer's own start(): signals with arguments would pick start(int).
        self._refresh_timer.start()

    def _on_screen(self) -> bool:
        return self.isVisible() and not self.isMinimized()

    def _people_in_sight(self) -> frozenset[str]:
        if self.showing_detail:
            person_id = self._detail.person_id
            return frozenset() if person_id is None else frozenset((person_id,))
        return people_in_view(self._list)

    def _select(self, person_id: str) -> bool:
        """Make the person's row current and selected, scrolled into view, when listed."""
        index = self._proxy.mapFromSource(self._model.index_of(person_id))
        if not index.isValid():
            return False
        self._list.setCurrentIndex(index)
        self._list.scrollTo(index)
        return True

    def _on_activated(self, index: QModelIndex) -> None:
        person_id = index.data(Role.PERSON_ID)
        if person_id:
            self.open_person(str(person_id))

    def _check_person_shown(self, *_args: object) -> None:
        if self.showing_detail:
            self._detail.refresh()  # says "gone" when the hub no longer has them

    def _on_people_changed(self) -> None:
        if self._people is not None:
            self._model.set_favourites(self._people.favourites())

    def _show_row_menu(self, position: QPoint) -> None:
        index = self._list.indexAt(position)
        person_id = index.data(Role.PERSON_ID)
        if not person_id:
            return
        menu = self.row_menu(str(person_id))
        menu.exec(self._list.viewport().mapToGlobal(position))
        menu.deleteLater()

    def row_menu(self, person_id: str) -> QMenu:
        """Open, Favourite and Notify me when available, for one person's row."""
        menu = QMenu(self)
        menu.setAccessibleName("Contact actions")
        menu.addAction("Open", lambda: self.open_person(person_id))
        people = self._people
        if people is None:
            return menu
        favourite = person_id in people.favourites()
        menu.addAction(
            "Remove from favourites" if favourite else "Add to favourites",
            lambda: people.set_favourite(person_id, favourite=not favourite),
        )
        pending = people.notifies_when_available(person_id)
        menu.addAction(
            "Cancel the notification request" if pending else "Notify me when available",
            lambda: people.set_notify_when_available(person_id, on=not pending),
        )
        return menu

    def _on_search_changed(self, text: str) -> None:
        self._proxy.set_search(text)
        self._refresh()

    def _refresh(self) -> None:
        self._status.setText(counts_line(self._model.state_counts(), keep_parts_whole=True))
        if self._proxy.rowCount() > 0:
            self._stack.setCurrentWidget(self._list)
            return
        search = self._search.text()
        self._empty.setText(no_match_text(search) if search.strip() else NO_CONTACTS)
        self._stack.setCurrentWidget(self._empty)
