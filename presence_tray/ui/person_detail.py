"""One person in detail, shown in place of the contacts list.

Badge and name; one row per identity with its platform's own value, its age when stale,
which one decided the badge (and the explanation why), the platform's plain limitation;
the last 24 hours as a thin timeline; actions: open chat (or profile), notify me when
available, favourite, link and unlink, add a LinkedIn profile or a WhatsApp number by hand and
remove it again (the last four only asked for, through signals). The view follows the hub
while it is open.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QKeySequence, QPalette, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core import describe
from presence_tray.core.added_identities import ADDABLE_PLATFORMS, is_added_by_hand, what_is_added
from presence_tray.core.history import PresenceTransition, transitions
from presence_tray.ui.badges import Badge, badge_image
from presence_tray.ui.history_timeline import (
    TIMELINE_SECONDS,
    HistoryTimeline,
    describe_lane,
    lanes,
)
from presence_tray.ui.identity_row import ElidedLabel, IdentityRow, wrapped_label

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from collections.abc import Set as AbstractSet

    from PySide6.QtGui import QKeyEvent

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceChanged, PresenceHub
    from presence_tray.core.identity import IdentityKey, Person, Platform

_log = logging.getLogger(__name__)

HISTORY_LOOKBACK_SECONDS = 24 * 3600.0
"""History is read this far before the timeline starts, for the state it starts in."""
AGE_REFRESH_MS = 30_000
NO_HISTORY_YET = "No history yet"
LOADING_HISTORY = "Loading history…"
NO_HISTORY_HERE = "History is not available in this window."
NOT_REMEMBERED = (
    "Favourites and notification requests last until you quit: nothing can be saved right now."
)
STAR_OFF = "☆"
STAR_ON = "★"


def gone_text(name: str) -> str:
    """The sentence shown in the list when an open person is no longer there."""
    return f"{name or 'This person'} is no longer in your contacts (linked or removed)."


def notify_text(name: str) -> str:
    """The "notify me" state: "You'll be notified when Alice Chen is available."."""
    return f"You'll be notified when {name or 'they are'} is available."


class PeopleActions(Protocol):
    """What the wiring layer does for the contacts window: favourites, rules, history."""

    @property
    def remembers(self) -> bool:
        """Favourites and rules are saved (False when running without storage)."""
        ...

    @property
    def history_note(self) -> str | None:
        """Why there is no history to load ("History is off"), or None when there is."""
        ...

    @property
    def limitations(self) -> Mapping[Platform, str]:
        """Each platform's limitation, as a plain sentence."""
        ...

    def favourites(self) -> AbstractSet[str]:
        """The favourite person ids."""
        ...

    def set_favourite(self, person_id: str, *, favourite: bool) -> None:
        """Mark or unmark a favourite (saved in the background)."""
        ...

    def notifies_when_available(self, person_id: str) -> bool:
        """Whether a one-shot "notify me when available" is pending for the person."""
        ...

    def set_notify_when_available(self, person_id: str, *, on: bool) -> None:
        """Ask for (or cancel) one notification when the person becomes available."""
        ...

    def load_history(
        self,
        keys: Sequence[IdentityKey],
        since: float,
        done: Callable[[Sequence[PresenceTransition]], None],
        failed: Callable[[str], None],
    ) -> None:
        """Read the transitions of ``keys`` since ``since`` off the GUI thread, then call
        ``done`` with them (or ``failed`` with a sentence) on the GUI thread."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after favourites or rules change; returns the unsubscribe."""
        ...


class PersonDetail(QWidget):
    """A person's detail, in place of the list: values, why, 24 h of history, actions."""

    back_requested = Signal()
    """The user asked to go back to the list."""
    person_gone = Signal(str)
    """The person shown is no longer in the hub; the argument is a sentence saying so."""
    link_requested = Signal(str)
    """The user asked to link another identity to this person (the person id)."""
    unlink_requested = Signal(object)
    """The user asked to unlink one identity (its ``IdentityKey``) from this person."""
    add_identity_requested = Signal(str, object)
    """The user asked to add a LinkedIn profile or WhatsApp number (the person id, the
    ``Platform``)."""
    remove_identity_requested = Signal(object)
    """The user asked to remove an identity added by hand (its ``IdentityKey``)."""

    def __init__(
        self,
        hub: PresenceHub,
        clock: Clock,
        actions: PeopleActions | None = None,
        *,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        """An empty detail view; :meth:`show_person` fills it."""
        super().__init__(parent)
        self._hub = hub
        self._clock = clock
        self._actions = actions
        self._open_url = open_url
        self._person: Person | None = None
        self._rows: list[IdentityRow] = []
        self._history: list[PresenceTransition] = []
        self._history_token = 0
        self._history_state = NO_HISTORY_HERE
        self._unsubscribe_hub: Callable[[], None] | None = None
        self._unsubscribe_actions: Callable[[], None] | None = None
        self.setAccessibleName("Person detail")

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self.refresh)

        self._make_widgets()
        self._lay_out()
        back = QAction("Back", self)
        # The platform's Back is Alt+Left on most desktops: one sequence twice is ambiguous.
        keys = {QKeySequence("Alt+Left"), *QKeySequence.keyBindings(QKeySequence.StandardKey.Back)}
        back.setShortcuts(list(keys))
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(self.back_requested)
        self.addAction(back)
        self.set_actions(actions)

    # -- public ----------------------------------------------------------------------------

    @property
    def person_id(self) -> str | None:
        """The person shown, if any."""
        return None if self._person is None else self._person.person_id

    def set_actions(self, actions: PeopleActions | None) -> None:
        """Use ``actions`` for favourites, notification requests and history."""
        self._actions = actions
        has_actions = actions is not None
        self.favourite_button.setVisible(has_actions)
        self.notify_button.setVisible(has_actions)
        self.not_remembered_label.setVisible(actions is not None and not actions.remembers)

    @property
    def identity_rows(self) -> list[IdentityRow]:
        """One row per identity, in the person's order."""
        return list(self._rows)

    def show_person(self, person_id: str) -> bool:
        """Show ``person_id``; False (nothing shown) when the hub does not know them."""
        person = self._hub.person(person_id)
        if person is None:
            return False
        self.clear()
        self._person = person
        self._unsubscribe_hub = self._hub.subscribe(self._on_changes)
        if self._actions is not None:
            self._unsubscribe_actions = self._actions.subscribe(self._on_actions_changed)
        self._build_rows(person)
        self._load_history(person)
        self.refresh()
        self._age_timer.start()
        return True

    def clear(self) -> None:
        """Stop following the person shown (the view is hidden or shows someone else)."""
        for unsubscribe in (self._unsubscribe_hub, self._unsubscribe_actions):
            if unsubscribe is not None:
                unsubscribe()
        self._unsubscribe_hub = self._unsubscribe_actions = None
        self._age_timer.stop()
        self._refresh_timer.stop()
        self._person = None
        self._history = []
        self._history_token += 1
        self._history_state = NO_HISTORY_HERE

    def refresh(self) -> None:
        """Show the person's current values (or say they are gone)."""
        if self._person is None:
            return
        person = self._hub.person(self._person.person_id)
        if person is None:
            name = self._person.display_name
            self.clear()
            self.person_gone.emit(gone_text(name))
            return
        if person.identities != self._person.identities:
            self._build_rows(person)
        self._person = person
        aggregate = self._hub.aggregate(person.person_id)
        now = self._clock.now()
        self.name_label.set_full_text(person.display_name)
        self.badge_label.setPixmap(self._badge_pixmap(Badge.of(aggregate)))
        self.badge_label.setToolTip(describe.state_words(Badge.of(aggregate).state))
        if aggregate is None:
            self.summary_label.setText("Nothing is known about this person yet.")
            self.explanation_label.setText("")
        else:
            self.summary_label.setText(describe.summary(aggregate, now=now))
            self.explanation_label.setText(describe.explanation(aggregate, self._hub.policy))
        self._show_values(aggregate, now)
        self._show_actions()
        self._show_history()

    # -- events ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape goes back to the list (Alt+Left too: a shortcut, as buttons take arrows)."""
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.back_requested.emit()
            return
        super().keyPressEvent(event)

    # -- internals -------------------------------------------------------------------------

    def _make_widgets(self) -> None:
        self.back_button = QToolButton()
        self.back_button.setText("← Back")
        self.back_button.setToolTip("Back to the list (Esc)")
        self.back_button.setAccessibleName("Back to the list")
        self.back_button.clicked.connect(self.back_requested)
        self.badge_label = QLabel()
        self.badge_label.setAccessibleName("Status badge")
        self.name_label = ElidedLabel()
        self.name_label.setAccessibleName("Name")
        name_font = QFont(self.name_label.font())
        name_font.setBold(True)
        if name_font.pointSizeF() > 0:
            name_font.setPointSizeF(name_font.pointSizeF() * 1.2)
        self.name_label.setFont(name_font)
        self.favourite_button = QToolButton()
        self.favourite_button.setCheckable(True)
        self.favourite_button.setAccessibleName("Favourite")
        self.favourite_button.toggled.connect(self._on_favourite_toggled)
        self.summary_label = wrapped_label()
        self.summary_label.setAccessibleName("Status")
        self.explanation_label = wrapped_label(quiet=True)
        self.explanation_label.setAccessibleName("Why this status")
        self.not_remembered_label = wrapped_label(NOT_REMEMBERED, quiet=True)
        self.not_remembered_label.setAccessibleName("Not saved notice")

        self._identities_box = QVBoxLayout()
        self._identities_box.setSpacing(4)

        self.timeline = HistoryTimeline()
        self.history_label = wrapped_label(quiet=True)
        self.history_label.setAccessibleName("History")
        self._timeline_box = _with_scale(self.timeline)

        self.notify_button = QPushButton()
        self.notify_button.setAccessibleName("Notify me when available")
        self.notify_button.clicked.connect(self._on_notify_clicked)
        self.notify_label = wrapped_label(quiet=True)
        self.notify_label.setAccessibleName("Notification request")
        self.link_button = QPushButton("Link with…")
        self.link_button.setAccessibleName("Link with another contact")
        self.link_button.setToolTip("Add another account of this person to them")
        self.link_button.clicked.connect(self._on_link_clicked)
        self.add_buttons: dict[Platform, QPushButton] = {}
        """ "Add a LinkedIn profile…", "Add a WhatsApp number…", by platform."""
        for platform in ADDABLE_PLATFORMS:
            button = QPushButton(f"Add a {what_is_added(platform)}…")
            button.setAccessibleName(f"Add a {what_is_added(platform)} to this person")
            button.clicked.connect(partial(self._on_add_clicked, platform))
            self.add_buttons[platform] = button

    def _lay_out(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.back_button)
        header.addWidget(self.badge_label)
        header.addWidget(self.name_label, stretch=1)
        header.addWidget(self.favourite_button)

        body = QWidget()
        content = QVBoxLayout(body)
        content.setContentsMargins(0, 0, 4, 0)
        content.addWidget(self.summary_label)
        content.addWidget(self.explanation_label)
        content.addWidget(_heading("Accounts"))
        content.addLayout(self._identities_box)
        content.addWidget(_heading("Last 24 hours"))
        content.addWidget(self._timeline_box)
        content.addWidget(self.history_label)
        content.addWidget(_heading("Actions"))
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.notify_button)
        actions_row.addWidget(self.link_button)
        actions_row.addStretch(1)
        content.addLayout(actions_row)
        add_row = QHBoxLayout()
        for button in self.add_buttons.values():
            add_row.addWidget(button)
        add_row.addStretch(1)
        content.addLayout(add_row)
        content.addWidget(self.notify_label)
        content.addWidget(self.not_remembered_label)
        content.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(scroll, stretch=1)

    def _badge_pixmap(self, badge: Badge) -> QPixmap:
        side = max(16, round(self.name_label.fontMetrics().height()))
        ratio = self.devicePixelRatioF()
        return QPixmap.fromImage(badge_image(badge, side, ratio))

    def _build_rows(self, person: Person) -> None:
        for row in self._rows:
            self._identities_box.removeWidget(row)
            row.deleteLater()
        self._rows = []
        limitations = {} if self._actions is None else self._actions.limitations
        for key in person.identities:
            identity = self._hub.identity(key)
            row = IdentityRow(
                key,
                account_name=key.remote_id if identity is None else identity.display_name,
                limitation=limitations.get(key.platform),
                chat_url=None if identity is None else identity.chat_url,
                # One added by hand is removed, not made a person of its own.
                can_unlink=len(person.identities) > 1 and not is_added_by_hand(key),
                can_remove=is_added_by_hand(key),
            )
            if row.chat_button is not None:
                row.chat_button.clicked.connect(partial(self._open_chat, row))
            if row.unlink_button is not None:
                row.unlink_button.clicked.connect(partial(self.unlink_requested.emit, key))
            if row.remove_button is not None:
                row.remove_button.clicked.connect(partial(self.remove_identity_requested.emit, key))
            self._identities_box.addWidget(row)
            self._rows.append(row)

    def _show_values(self, aggregate: AggregatedPresence | None, now: float) -> None:
        values = {} if aggregate is None else {value.identity: value for value in aggregate.values}
        decider = None if aggregate is None else aggregate.decided_by
        for row in self._rows:
            value = values.get(row.key)
            if value is None or aggregate is None:
                words = f"{row.key.platform.display_name}: nothing heard yet"
                row.show_value(words, deciding=False)
                continue
            words = describe.value_words(value, stale=aggregate.is_value_stale(value), now=now)
            row.show_value(words, deciding=value is decider)

    def _show_actions(self) -> None:
        person = self._person
        actions = self._actions
        if person is None or actions is None:
            self.notify_label.setVisible(False)
            return
        favourite = person.person_id in actions.favourites()
        self.favourite_button.blockSignals(True)  # noqa: FBT003 - Qt's own signature
        self.favourite_button.setChecked(favourite)
        self.favourite_button.blockSignals(False)  # noqa: FBT003 - Qt's own signature
        self.favourite_button.setText(f"{STAR_ON if favourite else STAR_OFF} Favourite")
        self.favourite_button.setToolTip(
            "Remove from favourites" if favourite else "Add to favourites (listed first)"
        )
        pending = actions.notifies_when_available(person.person_id)
        self.notify_button.setText("Cancel notification" if pending else "Notify me when available")
        self.notify_button.setAccessibleName(
            "Cancel the notification request" if pending else "Notify me when available"
        )
        self.notify_label.setText(notify_text(person.display_name) if pending else "")
        self.notify_label.setVisible(pending)

    def _load_history(self, person: Person) -> None:
        actions = self._actions
        if actions is None:
            self._history_state = NO_HISTORY_HERE
            return
        note = actions.history_note
        if note is not None:
            self._history_state = note
            return
        self._history_state = LOADING_HISTORY
        token = self._history_token
        since = self._clock.now() - TIMELINE_SECONDS - HISTORY_LOOKBACK_SECONDS
        actions.load_history(
            person.identities,
            since,
            partial(self._on_history, token),
            partial(self._on_history_failed, token),
        )

    def _on_history(self, token: int, loaded: Sequence[PresenceTransition]) -> None:
        if token != self._history_token:
            return  # for someone shown before
        seen = {(item.identity, item.at) for item in self._history}
        self._history = sorted(
            [*loaded, *(item for item in self._history if (item.identity, item.at) not in seen)],
            key=lambda item: item.at,
        )
        self._history_state = ""
        self._show_history()

    def _on_history_failed(self, token: int, sentence: str) -> None:
        if token == self._history_token:
            self._history_state = sentence
            self._show_history()

    def _show_history(self) -> None:
        person = self._person
        if person is None:
            return
        spans = lanes(person.identities, self._history, now=self._clock.now())
        known = any(spans_of_key for spans_of_key in spans)
        message = self._history_state or ("" if known else NO_HISTORY_YET)
        self._timeline_box.setVisible(self._history_state in ("", LOADING_HISTORY))
        words = "; ".join(
            f"{key.platform.display_name}: {describe_lane(key_spans)}"
            for key, key_spans in zip(person.identities, spans, strict=True)
        )
        self.timeline.set_lanes(spans, f"Last 24 hours — {words}")
        self.history_label.setText(message)
        self.history_label.setVisible(bool(message))

    def _on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        person = self._person
        if person is None:
            return
        mine = [change for change in changes if change.person.person_id == person.person_id]
        if mine and self._history_state in ("", LOADING_HISTORY):
            self._history.extend(transitions(mine))
        if mine or self._hub.person(person.person_id) is None:
            self._refresh_timer.start()

    def _on_actions_changed(self) -> None:
        self._show_actions()

    def _on_favourite_toggled(self, checked: bool) -> None:
        if self._person is not None and self._actions is not None:
            self._actions.set_favourite(self._person.person_id, favourite=checked)
            self._show_actions()

    def _on_notify_clicked(self) -> None:
        person, actions = self._person, self._actions
        if person is None or actions is None:
            return
        pending = actions.notifies_when_available(person.person_id)
        actions.set_notify_when_available(person.person_id, on=not pending)
        self._show_actions()

    def _on_link_clicked(self) -> None:
        if self._person is not None:
            self.link_requested.emit(self._person.person_id)

    def _on_add_clicked(self, platform: Platform) -> None:
        if self._person is not None:
            self.add_identity_requested.emit(self._person.person_id, platform)

    def _open_chat(self, row: IdentityRow) -> None:
        url = row.chat_button.property("chat_url") if row.chat_button is not None else None
        if url:
            _log.debug("opening the %s link", row.key.platform.display_name)
            self._open_url(QUrl(str(url)))


def _with_scale(timeline: HistoryTimeline) -> QWidget:
    """The timeline over its two ends, "24 h ago" and "now"."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(timeline)
    scale = QHBoxLayout()
    for text, align in (
        ("24 h ago", Qt.AlignmentFlag.AlignLeft),
        ("now", Qt.AlignmentFlag.AlignRight),
    ):
        end = QLabel(text)
        end.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        end.setAlignment(align)
        scale.addWidget(end)
    layout.addLayout(scale)
    return box


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label
