"""Linking people in the UI: the "possible duplicates" bar, the suggestions review, "Link
with…", unlinking, and adding (or removing) a LinkedIn profile or WhatsApp number by hand.

Nothing here links anything by itself: every choice goes to a :class:`LinkingBackend` (the
wiring layer's linking service), which applies it and answers with a sentence to show.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.linking import clip
from presence_tray.ui.add_identity import AddIdentityDialog

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from presence_tray.core.identity import Person
    from presence_tray.core.linking import LinkSide, LinkSuggestion

_log = logging.getLogger(__name__)

REVIEW_TITLE = "Suggested links"
ALL_REVIEWED = "No more suggestions."
PERSON_GONE = "That person is no longer in the list; nothing was changed."
SHOWN_CANDIDATES = 100
"""People listed at once in "Link with…"; typing narrows the rest down."""
RECOUNT_DELAY_MS = 1000
"""New contacts arrive in bursts (each account lists its own): counted once a burst is over."""
RECOUNT_AFTER_SECONDS = 60.0
"""Opening the window counts again only when the last count is older than this: counting
reads every identity (about 0.2 s for 10,000 people)."""

_BAR_STYLE = (
    "#linkSuggestionsBar { background: palette(alternate-base); border: 1px solid palette(mid);"
    " border-radius: 4px; }"
)


class LinkingBackend(Protocol):
    """What the wiring layer does for linking; each choice answers with a sentence."""

    def suggestions(self) -> Sequence[LinkSuggestion]:
        """People who may be one, strongest first."""
        ...

    def people(self) -> Sequence[Person]:
        """Everyone, for choosing whom to link with."""
        ...

    def person(self, person_id: str) -> Person | None:
        """One person, or None when they are gone."""
        ...

    def link(self, first_person_id: str, second_person_id: str) -> str:
        """Make two people one."""
        ...

    def never_link(self, first: IdentityKey, second: IdentityKey) -> str:
        """Keep two identities' people apart in suggestions."""
        ...

    def unlink(self, key: IdentityKey) -> str:
        """Make an identity a person of its own."""
        ...

    def add_by_hand(self, person_id: str, platform: Platform, text: str) -> str:
        """Add a LinkedIn profile or WhatsApp number to a person (ValueError: a sentence)."""
        ...

    def remove_by_hand(self, key: IdentityKey) -> str:
        """Remove an identity added by hand."""
        ...


def duplicates_text(count: int) -> str:
    """ "1 possible duplicate", "3 possible duplicates"."""
    return f"{count} possible duplicate{'s' if count != 1 else ''}"


def side_text(side: LinkSide) -> str:
    """One side of a suggestion: platform, name, handle, and the person it is in now."""
    lines = [side.key.platform.display_name, clip(side.name)]
    if side.handle:
        lines.append(clip(side.handle))
    if side.person_name != side.name:
        lines.append(f"now part of {clip(side.person_name)}")
    return "\n".join(lines)


def candidate_text(person: Person) -> str:
    """A person to link with: "Alice Chen — Slack, Teams"."""
    platforms = dict.fromkeys(key.platform.display_name for key in person.identities)
    return f"{clip(person.display_name)} — {', '.join(platforms)}"


def _label(text: str, accessible_name: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    return label


class LinkSuggestionsBar(QFrame):
    """A slim bar above the list: "3 possible duplicates — Review…", and what the last
    linking choice did. Dismissed, it stays hidden until there are more suggestions or news."""

    review_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty, hidden bar."""
        super().__init__(parent)
        self.setObjectName("linkSuggestionsBar")
        self.setStyleSheet(_BAR_STYLE)
        self.setAccessibleName("Link suggestions")
        self._count = 0
        self._dismissed_at: int | None = None
        """The count when the user dismissed the bar (None: not dismissed)."""
        self.message = _label("", "Linking result")
        self.message.setVisible(False)
        self.count_label = _label("", "Possible duplicates")
        self.review_button = QPushButton("Review…")
        self.review_button.setAccessibleName("Review suggested links")
        self.review_button.clicked.connect(self.review_requested)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setText("✕")
        self.dismiss_button.setAccessibleName("Dismiss")
        self.dismiss_button.setToolTip("Hide this bar")
        self.dismiss_button.clicked.connect(self.dismiss)
        row = QHBoxLayout()
        row.addWidget(self.count_label, stretch=1)
        row.addWidget(self.review_button)
        row.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.setVisible(False)

    @property
    def count(self) -> int:
        """The number of suggestions shown."""
        return self._count

    def set_count(self, count: int) -> None:
        """Show how many suggestions there are (the bar hides with none)."""
        self._count = count
        self.count_label.setText(f"{duplicates_text(count)} — review and link them?")
        self.count_label.setVisible(count > 0)
        self.review_button.setVisible(count > 0)
        if self._dismissed_at is not None and count > self._dismissed_at:
            self._dismissed_at = None
        self._update_visibility()

    def show_message(self, text: str) -> None:
        """Show what a linking choice did, until dismissed or replaced."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self._dismissed_at = None
        self._update_visibility()

    def dismiss(self) -> None:
        """Hide the bar until there are more suggestions than now, or news."""
        self._dismissed_at = self._count
        self.message.clear()
        self.message.setVisible(False)
        self._update_visibility()

    def _update_visibility(self) -> None:
        news = bool(self.message.text())
        self.setVisible(self._dismissed_at is None and (self._count > 0 or news))


class SuggestionsDialog(QDialog):
    """Reviews suggested links one at a time: Link, Never link, or Not now."""

    def __init__(self, backend: LinkingBackend, parent: QWidget | None = None) -> None:
        """Show the backend's suggestions, the first one at once."""
        super().__init__(parent)
        self._backend = backend
        self._skipped: set[frozenset[IdentityKey]] = set()
        self._queue: list[LinkSuggestion] = []
        self.setWindowTitle(REVIEW_TITLE)
        self.setAccessibleName(REVIEW_TITLE)
        self.setMinimumWidth(420)

        self.progress = _label("", "Suggestions left")
        self.first_side = _label("", "First account")
        self.second_side = _label("", "Second account")
        self.reason = _label("", "Why they look like one person")
        self.outcome = _label("", "Result")
        self.outcome.setVisible(False)
        for side in (self.first_side, self.second_side):
            side.setFrameShape(QFrame.Shape.StyledPanel)
            side.setMargin(6)
            side.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sides = QGridLayout()
        sides.addWidget(self.first_side, 0, 0)
        sides.addWidget(self.second_side, 0, 1)
        sides.setColumnStretch(0, 1)
        sides.setColumnStretch(1, 1)

        self.link_button = QPushButton("&Link")
        self.link_button.setAccessibleName("Link: they are one person")
        self.never_button = QPushButton("N&ever link")
        self.never_button.setAccessibleName("Never link: they are different people")
        self.later_button = QPushButton("&Not now")
        self.later_button.setAccessibleName("Not now: decide later")
        self.link_button.clicked.connect(self._link)
        self.never_button.clicked.connect(self._never_link)
        self.later_button.clicked.connect(self._later)
        choices = QHBoxLayout()
        for button in (self.link_button, self.never_button, self.later_button):
            choices.addWidget(button)
        choices.addStretch(1)
        closing = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = closing.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close suggested links")
        self.close_button.setAutoDefault(False)
        closing.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addLayout(sides)
        layout.addWidget(self.reason)
        layout.addLayout(choices)
        layout.addWidget(self.outcome)
        layout.addWidget(closing)
        self._reload()

    @property
    def current(self) -> LinkSuggestion | None:
        """The suggestion shown, or None when all were reviewed."""
        return self._queue[0] if self._queue else None

    def _reload(self) -> None:
        """Ask for suggestions again (a link may have made some of them one person)."""
        self._queue = [
            suggestion
            for suggestion in self._backend.suggestions()
            if _pair(suggestion) not in self._skipped
        ]
        self._show_current()

    def _show_current(self) -> None:
        current = self.current
        for button in (self.link_button, self.never_button, self.later_button):
            button.setEnabled(current is not None)
        if current is None:
            self.progress.setText(ALL_REVIEWED)
            for label in (self.first_side, self.second_side, self.reason):
                label.clear()
                label.setVisible(False)
            self.close_button.setDefault(True)
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        for label in (self.first_side, self.second_side, self.reason):
            label.setVisible(True)
        left = len(self._queue)
        self.progress.setText(f"{duplicates_text(left)} to review. Are these one person?")
        self.first_side.setText(side_text(current.first))
        self.second_side.setText(side_text(current.second))
        self.reason.setText(f"Why: {current.explanation}")
        self.setAccessibleDescription(
            f"{current.first.name} on {current.first.key.platform.display_name} and "
            f"{current.second.name} on {current.second.key.platform.display_name}: "
            f"{current.explanation}"
        )
        self.link_button.setDefault(True)
        self.link_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _tell(self, sentence: str) -> None:
        self.outcome.setText(sentence)
        self.outcome.setVisible(True)

    def _link(self) -> None:
        current = self.current
        if current is None:
            return
        self._tell(self._backend.link(current.first.person_id, current.second.person_id))
        self._reload()

    def _never_link(self) -> None:
        current = self.current
        if current is None:
            return
        self._tell(self._backend.never_link(current.first.key, current.second.key))
        self._queue.pop(0)
        self._show_current()

    def _later(self) -> None:
        current = self.current
        if current is None:
            return
        self._skipped.add(_pair(current))
        self._queue.pop(0)
        self._show_current()


def _pair(suggestion: LinkSuggestion) -> frozenset[IdentityKey]:
    return frozenset((suggestion.first.key, suggestion.second.key))


class LinkWithDialog(QDialog):
    """Links one person with another, found by name or platform."""

    linked = Signal(str)
    """The link was made; the sentence saying so."""

    def __init__(
        self,
        backend: LinkingBackend,
        person: Person,
        parent: QWidget | None = None,
    ) -> None:
        """Offer everyone but ``person`` to link with them."""
        super().__init__(parent)
        self._backend = backend
        self._person = person
        others = sorted(
            (p for p in backend.people() if p.person_id != person.person_id),
            key=lambda p: (p.display_name.casefold(), p.person_id),
        )
        self._candidates = [(candidate_text(p), p.person_id) for p in others]
        """Each other person's line and id, in name order."""
        title = f"Link {clip(person.display_name)} with…"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(360)
        intro = _label(
            f"Choose the contact who is the same person as {clip(person.display_name)}. "
            "Their accounts will show as one person with one status.",
            "What linking does",
        )
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name or platform")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the contact to link with")
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.choices = QListWidget()
        self.choices.setAccessibleName("Contacts to link with")
        # Enter in the list reaches the dialog's default button, Link.
        self.choices.itemDoubleClicked.connect(self._link)
        self.choices.currentItemChanged.connect(self._on_current_changed)
        self.more = _label("", "More contacts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.link_button = buttons.addButton("&Link", QDialogButtonBox.ButtonRole.AcceptRole)
        self.link_button.setAccessibleName("Link with the chosen contact")
        self.link_button.setEnabled(False)
        buttons.accepted.connect(self._link)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.search)
        layout.addWidget(self.choices, stretch=1)
        layout.addWidget(self.more)
        layout.addWidget(buttons)
        self._filter("")
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _filter(self, text: str) -> None:
        terms = text.casefold().split()
        matching = [
            (line, person_id)
            for line, person_id in self._candidates
            if all(term in line.casefold() for term in terms)
        ]
        self.choices.clear()
        for line, person_id in matching[:SHOWN_CANDIDATES]:
            item = QListWidgetItem(line)
            item.setData(Qt.ItemDataRole.UserRole, person_id)
            self.choices.addItem(item)
        hidden = len(matching) - SHOWN_CANDIDATES
        self.more.setText(
            f"{hidden:,} more — type to narrow down."
            if hidden > 0
            else ("" if matching else "No one matches.")
        )
        self.more.setVisible(bool(self.more.text()))
        if matching:
            self.choices.setCurrentRow(0)
        self.link_button.setEnabled(bool(matching))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter or Down in the search field moves to the list (Enter there links)."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Down)
        ):
            if self.choices.count():
                self.choices.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _on_current_changed(self, current: QListWidgetItem | None, *_args: object) -> None:
        self.link_button.setEnabled(current is not None)

    def _link(self, *_args: object) -> None:
        item = self.choices.currentItem()
        if item is None:
            return
        chosen = str(item.data(Qt.ItemDataRole.UserRole))
        self.linked.emit(self._backend.link(self._person.person_id, chosen))
        self.accept()


class LinkingActions(QObject):
    """Links for the contacts window: the bar's count, the review, "Link with…", unlink.

    Connect the person detail's ``link_requested(str)`` to :meth:`link_with` and its
    ``unlink_requested(object)`` to :meth:`unlink_identity`.
    """

    def __init__(self, backend: LinkingBackend, bar: LinkSuggestionsBar, window: QWidget) -> None:
        """Work for ``window`` (the dialogs' parent), showing counts and news in ``bar``."""
        super().__init__(window)
        self._backend = backend
        self._bar = bar
        self._window = window
        self.dialog: QDialog | None = None
        """The linking dialog open now, if any."""
        self._counted_at: float | None = None
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_DELAY_MS)
        self._recount.timeout.connect(self.refresh)
        bar.review_requested.connect(self.review_suggestions)

    def refresh(self) -> None:
        """Count the suggestions again."""
        self._recount.stop()
        self._counted_at = time.monotonic()
        self._bar.set_count(len(self._backend.suggestions()))

    def recount_soon(self, *_args: object) -> None:
        """Count again once the burst of changes that called this is over (new contacts)."""
        self._recount.start()

    def recount_if_old(self) -> None:
        """Count again when the last count is older than :data:`RECOUNT_AFTER_SECONDS`."""
        counted = self._counted_at
        if counted is None or time.monotonic() - counted >= RECOUNT_AFTER_SECONDS:
            self.refresh()

    def review_suggestions(self) -> None:
        """Open the suggestions review."""
        self._open(SuggestionsDialog(self._backend, self._window))

    def link_with(self, person_id: str) -> None:
        """Open "Link with…" for one person."""
        person = self._backend.person(person_id)
        if person is None:
            self._bar.show_message(PERSON_GONE)
            return
        dialog = LinkWithDialog(self._backend, person, self._window)
        dialog.linked.connect(self._bar.show_message)
        self._open(dialog)

    def unlink_identity(self, key: object) -> None:
        """Make one identity a person of its own, and say so."""
        self._change_identity("unlink", key, self._backend.unlink)

    def add_identity(self, person_id: str, platform: object) -> None:
        """Open "Add a LinkedIn profile…" or "Add a WhatsApp number…" for one person."""
        if not isinstance(platform, Platform):
            _log.error("adding by hand asked for %r, which is not a platform", platform)
            return
        person = self._backend.person(person_id)
        if person is None:
            self._bar.show_message(PERSON_GONE)
            return
        dialog = AddIdentityDialog(
            platform,
            person.display_name,
            lambda text: self._backend.add_by_hand(person_id, platform, text),
            self._window,
        )
        dialog.added.connect(self._bar.show_message)
        self._open(dialog)

    def remove_identity(self, key: object) -> None:
        """Remove an identity added by hand, and say so."""
        self._change_identity("remove", key, self._backend.remove_by_hand)

    def _change_identity(
        self, asked: str, key: object, change: Callable[[IdentityKey], str]
    ) -> None:
        """Apply one choice about an identity (from a signal: anything may come), say what it
        did, and count the suggestions again."""
        if not isinstance(key, IdentityKey):
            _log.error("%s asked for %r, which is not an identity key", asked, key)
            return
        self._bar.show_message(change(key))
        self.refresh()

    def _open(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._closed)
        dialog.open()

    def _closed(self, *_args: object) -> None:
        self.dialog = None
        self.refresh()
