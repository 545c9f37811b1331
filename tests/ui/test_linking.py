"""Linking in the UI: the bar, the suggestions review, "Link with…", unlinking, and the whole
way through a real database and a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget

from presence_tray.core.hub import PresenceHub, unlinked_person_id
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.linking_service import NOT_REMEMBERED, LinkingService
from presence_tray.runtime import show_last_known
from presence_tray.storage.database import open_database
from presence_tray.storage.local_store import LastKnown
from presence_tray.storage.repositories import PeopleRepository
from presence_tray.ui import linking as linking_ui
from presence_tray.ui.contacts_model import ContactsModel, Role
from presence_tray.ui.linking import (
    ALL_REVIEWED,
    SHOWN_CANDIDATES,
    LinkingActions,
    LinkSuggestionsBar,
    LinkWithDialog,
    SuggestionsDialog,
    candidate_text,
)
from tests.ui.helpers import close_shell, trayless_shell, use_linking

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.storage.database import Database

SLACK = IdentityKey(Platform.SLACK, "acct", "U1")
TEAMS = IdentityKey(Platform.TEAMS, "acct", "T1")
DISCORD = IdentityKey(Platform.DISCORD, "acct", "D1")
ZOOM = IdentityKey(Platform.ZOOM, "acct", "Z1")
LISTING = [
    Identity(SLACK, "Alice Chen", ("alice@example.org",), person_id="alice"),
    Identity(TEAMS, "Alice Chen", person_id="alice"),
    Identity(DISCORD, "alice chen", ("Alice@example.org",)),
    Identity(ZOOM, "Chen, Alice"),
]
STRAY_DISCORD = unlinked_person_id(DISCORD)
STRAY_ZOOM = unlinked_person_id(ZOOM)


@pytest.fixture
def listed(hub: PresenceHub, clock: ManualClock) -> PresenceHub:
    hub.add_identities(LISTING)
    for key, state in ((SLACK, PresenceState.AWAY), (DISCORD, PresenceState.ONLINE)):
        hub.ingest(PlatformPresence(key, state, clock.now(), source=PresenceSource.POLL))
    hub.flush()
    return hub


@pytest.fixture
def service(listed: PresenceHub) -> LinkingService:
    return LinkingService(listed, None)


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def platforms_of(model: ContactsModel, person_id: str) -> set[Platform]:
    marks = model.index_of(person_id).data(Role.PLATFORM_MARKS)
    return {Platform(mark.platform) for mark in marks}


def buttons_have_names(widget: QWidget) -> None:
    for button in widget.findChildren(QAbstractButton):
        # Not the search field's own clear button: Qt names it ("Clear text").
        if button.isVisibleTo(widget) and not isinstance(button.parent(), QLineEdit):
            assert button.accessibleName() or button.text(), button


# -- the bar ---------------------------------------------------------------------------------


def test_the_bar_counts_hides_when_dismissed_and_comes_back_for_more(qtbot: QtBot) -> None:
    bar = LinkSuggestionsBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_count(0)
    assert not bar.isVisible()
    bar.set_count(3)
    assert bar.isVisible()
    assert bar.count_label.text() == "3 possible duplicates — review and link them?"
    assert bar.review_button.isVisible()
    buttons_have_names(bar)
    with qtbot.waitSignal(bar.review_requested):
        qtbot.mouseClick(bar.review_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.dismiss_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    bar.set_count(2)  # fewer: stays dismissed
    assert not bar.isVisible()
    bar.set_count(4)  # more than when dismissed: back
    assert bar.isVisible()
    bar.set_count(1)
    assert bar.count_label.text().startswith("1 possible duplicate ")


def test_the_bar_tells_what_a_choice_did_even_without_suggestions(qtbot: QtBot) -> None:
    bar = LinkSuggestionsBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_count(0)
    bar.show_message("The Teams account Alice Chen is a person of its own now.")
    assert bar.isVisible()
    assert bar.message.isVisible()
    assert not bar.review_button.isVisible()
    bar.dismiss()
    assert not bar.isVisible()
    assert bar.message.text() == ""
    bar.set_count(1)
    assert bar.isVisible()


# -- the review ------------------------------------------------------------------------------


def test_review_shows_both_sides_and_why(service: LinkingService, parent: QWidget) -> None:
    dialog = SuggestionsDialog(service, parent)
    dialog.show()
    assert dialog.progress.text() == "3 possible duplicates to review. Are these one person?"
    assert dialog.first_side.text() == "Slack\nAlice Chen\nalice@example.org"
    assert dialog.second_side.text() == "Discord\nalice chen\nAlice@example.org"
    assert dialog.reason.text() == "Why: same email alice@example.org"
    assert "same email" in dialog.accessibleDescription()
    assert dialog.link_button.isDefault()
    buttons_have_names(dialog)


def test_review_link_never_link_and_not_now(
    service: LinkingService, listed: PresenceHub, parent: QWidget, qtbot: QtBot
) -> None:
    dialog = SuggestionsDialog(service, parent)
    dialog.show()
    qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)
    person = listed.person("alice")
    assert person is not None
    assert DISCORD in person.identities
    assert dialog.outcome.text().startswith("Linked Alice Chen and alice chen")
    # Asked again after a link: the Discord stray is gone, Zoom is left with Alice.
    current = dialog.current
    assert current is not None
    assert current.people == {"alice", STRAY_ZOOM}
    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    assert dialog.current is None
    assert dialog.progress.text() == ALL_REVIEWED
    assert not dialog.link_button.isEnabled()
    assert dialog.close_button.isDefault()
    qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)  # disabled: nothing
    assert listed.person(STRAY_ZOOM) is not None
    # "Not now" only lasts for this review.
    again = SuggestionsDialog(service, parent)
    again_current = again.current
    assert again_current is not None
    assert again_current.people == {"alice", STRAY_ZOOM}
    qtbot.mouseClick(again.never_button, Qt.MouseButton.LeftButton)
    assert again.current is None
    assert "will not be suggested" in again.outcome.text()
    assert service.suggestions() == []


def test_review_is_usable_with_the_keyboard(
    service: LinkingService, listed: PresenceHub, parent: QWidget, qtbot: QtBot
) -> None:
    dialog = SuggestionsDialog(service, parent)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button: Link
    alice = listed.person("alice")
    assert alice is not None
    assert DISCORD in alice.identities
    # Tab from Link past Never link to Not now, and Space presses it.
    assert dialog.focusWidget() is dialog.link_button
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.later_button
    qtbot.keyClick(dialog.later_button, Qt.Key.Key_Space)
    assert dialog.current is None
    assert dialog.focusWidget() is dialog.close_button
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_review_with_nothing_to_suggest(hub: PresenceHub, parent: QWidget) -> None:
    dialog = SuggestionsDialog(LinkingService(hub, None), parent)
    assert dialog.progress.text() == ALL_REVIEWED
    assert not dialog.never_button.isEnabled()


# -- "Link with…" ----------------------------------------------------------------------------


def test_link_with_searches_picks_and_links(
    service: LinkingService, listed: PresenceHub, parent: QWidget, qtbot: QtBot
) -> None:
    alice = listed.person("alice")
    assert alice is not None
    dialog = LinkWithDialog(service, alice, parent)
    dialog.show()
    assert dialog.windowTitle() == "Link Alice Chen with…"
    shown = [dialog.choices.item(n).text() for n in range(dialog.choices.count())]
    assert shown == ["alice chen — Discord", "Chen, Alice — Zoom"]  # not Alice herself
    qtbot.keyClicks(dialog.search, "zoom")
    assert dialog.choices.count() == 1
    qtbot.keyClicks(dialog.search, "zz")
    assert dialog.choices.count() == 0
    assert dialog.more.text() == "No one matches."
    assert not dialog.link_button.isEnabled()
    dialog.search.setText("zoom")
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)  # to the list, not linking yet
    assert dialog.focusWidget() is dialog.choices
    assert dialog.isVisible()
    assert dialog.choices.currentRow() == 0
    with qtbot.waitSignal(dialog.linked) as linked:
        qtbot.keyClick(dialog.choices, Qt.Key.Key_Return)  # Enter in the list links
    assert not dialog.isVisible()
    assert linked.args == [f"Linked Alice Chen and Chen, Alice: one person now. {NOT_REMEMBERED}"]
    alice = listed.person("alice")
    assert alice is not None
    assert ZOOM in alice.identities
    buttons_have_names(dialog)


def test_link_with_lists_a_hundred_and_says_how_many_more(
    hub: PresenceHub, parent: QWidget
) -> None:
    hub.add_identities(
        Identity(IdentityKey(Platform.SLACK, "acct", f"U{n}"), f"Person {n:03d}")
        for n in range(250)
    )
    first = hub.people()[0]
    dialog = LinkWithDialog(LinkingService(hub, None), first, parent)
    assert dialog.choices.count() == SHOWN_CANDIDATES
    assert dialog.more.text() == "149 more — type to narrow down."
    assert candidate_text(first) == "Person 000 — Slack"


# -- actions and the model -------------------------------------------------------------------


def test_the_model_drops_a_person_linked_into_someone_else(
    listed: PresenceHub, clock: ManualClock, qtbot: QtBot
) -> None:
    model = ContactsModel(listed, clock)
    try:
        assert model.rowCount() == 3
        with qtbot.waitSignal(model.modelReset):
            listed.link(DISCORD, "alice")
        assert model.rowCount() == 2
        assert not model.index_of(STRAY_DISCORD).isValid()
        assert platforms_of(model, "alice") == {Platform.SLACK, Platform.TEAMS, Platform.DISCORD}
        assert sum(model.state_counts().values()) == 2
        listed.unlink(DISCORD)
        assert model.rowCount() == 3
        assert platforms_of(model, STRAY_DISCORD) == {Platform.DISCORD}
    finally:
        model.close()


def test_actions_unlink_and_refuse_bad_requests(
    service: LinkingService,
    listed: PresenceHub,
    parent: QWidget,
    expected_warnings: list[logging.LogRecord],
) -> None:
    bar = LinkSuggestionsBar(parent)
    actions = LinkingActions(service, bar, parent)
    actions.refresh()
    assert bar.count == 3
    actions.unlink_identity(TEAMS)
    assert listed.person(unlinked_person_id(TEAMS)) is not None
    assert bar.message.text().startswith("The Teams account Alice Chen is a person of its own")
    # Four people now share the name, too many for it to mean anything: only the email is left.
    assert bar.count == 1
    actions.link_with("nobody")
    assert bar.message.text() == "That person is no longer in the list; nothing was changed."
    assert actions.dialog is None
    actions.unlink_identity("not a key")
    assert [r.getMessage() for r in expected_warnings] == [
        "unlink asked for 'not a key', which is not an identity key"
    ]


def test_actions_open_one_dialog_at_a_time_and_recount_when_it_closes(
    service: LinkingService, parent: QWidget
) -> None:
    bar = LinkSuggestionsBar(parent)
    actions = LinkingActions(service, bar, parent)
    actions.review_suggestions()
    review = actions.dialog
    assert isinstance(review, SuggestionsDialog)
    actions.link_with("alice")
    assert isinstance(actions.dialog, LinkWithDialog)
    link_with = actions.dialog
    link_with.choices.setCurrentRow(0)
    link_with.link_button.click()
    assert actions.dialog is None
    assert (
        bar.message.text() == f"Linked Alice Chen and alice chen: one person now. {NOT_REMEMBERED}"
    )
    assert bar.count == 1  # counted again: Zoom is left


# -- the whole way ---------------------------------------------------------------------------


class App:
    """The pieces of the running app that linking touches, over one database file."""

    def __init__(self, path: Path, clock: ManualClock) -> None:
        self.db: Database = open_database(path)
        self.people = PeopleRepository(self.db)
        self.hub = PresenceHub(clock)
        # As the app starts: saved identities (with the user's links) first, then what the
        # platforms list, which the write-behind saves.
        show_last_known(self.hub, LastKnown(self.people.load_identities(), []))
        self.hub.add_identities(LISTING)
        self.hub.flush()
        self.people.save_identities(LISTING)
        self.service = LinkingService(self.hub, self.people)
        self.shell = trayless_shell(self.hub, clock)
        self.shell.start()
        self.shut_down = False

    async def start_linking(self) -> LinkingActions:
        await self.service.load()
        return use_linking(self.shell, self.service)

    @property
    def model(self) -> ContactsModel:
        model = self.shell.model
        assert model is not None
        return model

    async def close(self) -> None:
        """Quit: wait for the saves, then close the window and the database."""
        await self.service.aclose()
        self.shut()

    def shut(self) -> None:
        """Close the window and the database (twice is harmless)."""
        if self.shut_down:
            return
        self.shut_down = True
        close_shell(self.shell)
        self.db.close()


@pytest.fixture
def start_app(tmp_path: Path, clock: ManualClock) -> Iterator[Callable[[], App]]:
    """Starts the app over one database file; every app started is shut at the end."""
    started: list[App] = []

    def start() -> App:
        app = App(tmp_path / "presence.sqlite3", clock)
        started.append(app)
        return app

    yield start
    for app in started:
        app.shut()


async def test_link_never_link_and_unlink_survive_a_restart(
    start_app: Callable[[], App], qtbot: QtBot
) -> None:
    app = start_app()
    actions = await app.start_linking()
    window = app.shell.contacts_window
    assert window is not None
    bar = window.linking_bar
    assert bar.isVisible()
    assert bar.count_label.text().startswith("3 possible duplicates")
    assert app.model.rowCount() == 3

    qtbot.mouseClick(bar.review_button, Qt.MouseButton.LeftButton)
    review = actions.dialog
    assert isinstance(review, SuggestionsDialog)
    qtbot.mouseClick(review.link_button, Qt.MouseButton.LeftButton)  # Slack and Discord
    assert app.model.rowCount() == 2
    assert platforms_of(app.model, "alice") == {Platform.SLACK, Platform.TEAMS, Platform.DISCORD}
    qtbot.mouseClick(review.never_button, Qt.MouseButton.LeftButton)  # not Zoom
    assert review.current is None
    review.close()
    assert bar.count == 0
    await app.close()

    app = start_app()  # a restart over the same file
    await app.start_linking()
    assert app.model.rowCount() == 2
    assert platforms_of(app.model, "alice") == {Platform.SLACK, Platform.TEAMS, Platform.DISCORD}
    assert app.service.suggestions() == []  # "never link" is remembered
    window = app.shell.contacts_window
    assert window is not None
    assert not window.linking_bar.isVisible()

    window.unlink_requested.emit(DISCORD)  # as the person detail's Unlink button does
    assert app.model.rowCount() == 3
    assert platforms_of(app.model, "alice") == {Platform.SLACK, Platform.TEAMS}
    assert platforms_of(app.model, STRAY_DISCORD) == {Platform.DISCORD}
    await app.close()

    app = start_app()
    await app.start_linking()
    assert app.model.rowCount() == 3  # still two people after a restart
    # Not suggested with Alice again; the two strays may still be one person.
    assert [s.people for s in app.service.suggestions()] == [{STRAY_DISCORD, STRAY_ZOOM}]
    await app.close()


async def test_link_with_from_the_person_detail_signal(
    start_app: Callable[[], App], qtbot: QtBot
) -> None:
    app = start_app()
    actions = await app.start_linking()
    window = app.shell.contacts_window
    assert window is not None
    window.link_requested.emit("alice")  # as the person detail's "Link with…" does
    dialog = actions.dialog
    assert isinstance(dialog, LinkWithDialog)
    qtbot.keyClicks(dialog.search, "zoom")
    qtbot.mouseClick(dialog.link_button, Qt.MouseButton.LeftButton)
    assert platforms_of(app.model, "alice") == {Platform.SLACK, Platform.TEAMS, Platform.ZOOM}
    assert window.linking_bar.message.text() == "Linked Alice Chen and Chen, Alice: one person now."
    await app.close()


BOB_XMPP = Identity(IdentityKey(Platform.XMPP, "acct", "bob@example.org"), "Bob Diaz")
BOB_MATRIX = Identity(IdentityKey(Platform.MATRIX, "acct", "@bob:example.org"), "Diaz, Bob")


async def test_new_contacts_are_counted_once_their_burst_is_over(
    start_app: Callable[[], App], qtbot: QtBot
) -> None:
    app = start_app()
    await app.start_linking()
    window = app.shell.contacts_window
    assert window is not None
    bar = window.linking_bar
    assert bar.count == 3
    app.hub.add_identities([BOB_XMPP])
    app.hub.flush()
    app.hub.add_identities([BOB_MATRIX])  # another account lists its contacts
    app.hub.flush()
    assert bar.count == 3  # not counted on every new row
    qtbot.waitUntil(lambda: bar.count == 4, timeout=5000)


def test_opening_the_window_counts_again_only_when_the_count_is_old(
    service: LinkingService,
    listed: PresenceHub,
    parent: QWidget,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bar = LinkSuggestionsBar(parent)
    actions = LinkingActions(service, bar, parent)
    actions.recount_if_old()  # never counted: counts
    assert bar.count == 3
    listed.add_identities([BOB_XMPP, BOB_MATRIX])
    actions.recount_if_old()
    assert bar.count == 3  # counted a moment ago
    monkeypatch.setattr(linking_ui, "RECOUNT_AFTER_SECONDS", 0.0)
    actions.recount_if_old()
    assert bar.count == 4
