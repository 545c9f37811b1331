"""Adding a LinkedIn profile or a WhatsApp number to a person by hand, in the contacts window:
the dialog's sentences for what is not one, the rows that say the platform shares no presence
with "Open profile" / "Open chat", Remove, and all of it after a restart (a real SQLite file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt, QUrl

from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.linking_service import LinkingService
from presence_tray.people_service import PeopleService
from presence_tray.runtime import show_last_known
from presence_tray.storage.local_store import LocalStore
from presence_tray.ui.add_identity import AddIdentityDialog
from presence_tray.ui.person_detail import PersonDetail
from tests.ui.helpers import close_shell, trayless_shell, use_linking

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.ui.contacts_window import ContactsWindow
    from presence_tray.ui.identity_row import IdentityRow
    from presence_tray.ui.linking import LinkingActions

SLACK = IdentityKey(Platform.SLACK, "acct", "U1")
PROFILE = IdentityKey(Platform.LINKEDIN, "manual", "alice-chen")
NUMBER = IdentityKey(Platform.WHATSAPP, "manual", "442079460958")
LISTING = [Identity(SLACK, "Alice Chen", person_id="alice")]


class App:
    """The contacts window over a hub, a real database file and the linking service."""

    def __init__(self, store: LocalStore, clock: ManualClock) -> None:
        self.store = store
        self.hub = PresenceHub(clock)
        self.linking = LinkingService(self.hub, store.people, clock=clock)
        self.people = PeopleService(store)
        self.shell = trayless_shell(self.hub, clock)

    async def start(self) -> LinkingActions:
        show_last_known(self.hub, await self.store.load_last_known())
        self.hub.add_identities(LISTING)
        self.hub.flush()
        await self.linking.load()
        self.shell.start()  # no tray here: the window opens
        self.shell.use_people(self.people)
        actions = use_linking(self.shell, self.linking)
        window = self.shell.contacts_window
        assert window is not None
        self.window: ContactsWindow = window
        return actions

    def rows(self) -> dict[IdentityKey, IdentityRow]:
        return {row.key: row for row in self.window.detail.identity_rows}

    async def stop(self) -> None:
        await self.people.aclose()  # the history a person's detail asked for
        await self.linking.aclose()
        close_shell(self.shell)
        await self.store.aclose()


@pytest.fixture
def start_app(tmp_path: Path, clock: ManualClock) -> Callable[[], Awaitable[App]]:
    """Opens the database file for a new run of the app (each test stops its runs)."""

    async def start() -> App:
        return App(await LocalStore.open(tmp_path / "presence-tray.sqlite3"), clock)

    return start


def add_dialog(actions: LinkingActions) -> AddIdentityDialog:
    dialog = actions.dialog
    assert isinstance(dialog, AddIdentityDialog)
    return dialog


def type_into(qtbot: QtBot, dialog: AddIdentityDialog, text: str) -> None:
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, text)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)


async def test_add_a_profile_and_a_number_then_remove_one_across_restarts(
    start_app: Callable[[], Awaitable[App]], qtbot: QtBot
) -> None:
    app = await start_app()
    actions = await app.start()
    window = app.window
    assert window.open_person("alice")
    detail = window.detail
    linkedin_button = detail.add_buttons[Platform.LINKEDIN]
    assert linkedin_button.text() == "Add a LinkedIn profile…"
    assert detail.add_buttons[Platform.WHATSAPP].text() == "Add a WhatsApp number…"

    qtbot.mouseClick(linkedin_button, Qt.MouseButton.LeftButton)
    dialog = add_dialog(actions)
    assert dialog.windowTitle() == "Add a LinkedIn profile to Alice Chen"
    assert not dialog.add_button.isEnabled()  # nothing typed yet
    type_into(qtbot, dialog, "https://www.linkedin.com/company/acme/")
    assert actions.dialog is dialog  # still open, saying why
    assert dialog.problem.isVisibleTo(dialog)
    assert dialog.problem.text().startswith("Only a person's profile can be added")
    type_into(qtbot, dialog, "https://de.linkedin.com/in/Alice-Chen/?trk=x")
    assert actions.dialog is None
    assert window.linking_bar.message.text() == (
        "Added the LinkedIn profile linkedin.com/in/alice-chen to Alice Chen."
    )

    qtbot.mouseClick(detail.add_buttons[Platform.WHATSAPP], Qt.MouseButton.LeftButton)
    dialog = add_dialog(actions)
    qtbot.keyClicks(dialog.field, "+44 20 7946 0958")
    assert dialog.preview.text() == "Adds +442079460958 (https://wa.me/442079460958)"
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, "020 7946 0958")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)  # Enter adds, or says why not
    assert actions.dialog is dialog
    assert dialog.problem.text().startswith("Write the number with its country code")
    assert dialog.preview.text() == ""
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, "+44 20 7946 0958")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)  # the keyboard alone will do
    assert actions.dialog is None

    qtbot.waitUntil(lambda: set(app.rows()) == {SLACK, PROFILE, NUMBER}, timeout=2000)
    rows = app.rows()
    for key, limit in (
        (PROFILE, "LinkedIn does not share presence"),
        (NUMBER, "WhatsApp does not share presence"),
    ):
        assert rows[key].value_label.text() == limit
        assert rows[key].unlink_button is None  # removed, not unlinked
        assert rows[key].remove_button is not None
    assert rows[SLACK].remove_button is None
    assert "ffline" not in detail.summary_label.text()
    await app.stop()

    app = await start_app()
    await app.start()
    assert app.window.open_person("alice")
    rows = app.rows()
    assert set(rows) == {SLACK, PROFILE, NUMBER}
    assert rows[PROFILE].value_label.text() == "LinkedIn does not share presence"
    await app.stop()


async def test_remove_an_identity_added_by_hand_across_restarts(
    start_app: Callable[[], Awaitable[App]], qtbot: QtBot
) -> None:
    app = await start_app()
    await app.start()
    app.linking.add_by_hand("alice", Platform.LINKEDIN, "linkedin.com/in/alice-chen")
    app.linking.add_by_hand("alice", Platform.WHATSAPP, "+44 20 7946 0958")
    assert app.window.open_person("alice")
    remove = app.rows()[PROFILE].remove_button
    assert remove is not None
    assert remove.accessibleName() == "Remove LinkedIn · linkedin.com/in/alice-chen"
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: set(app.rows()) == {SLACK, NUMBER}, timeout=2000)
    assert app.window.linking_bar.message.text() == (
        "Removed the LinkedIn profile linkedin.com/in/alice-chen from Alice Chen."
    )
    await app.stop()

    app = await start_app()
    await app.start()
    assert app.window.open_person("alice")
    assert set(app.rows()) == {SLACK, NUMBER}
    await app.stop()


async def test_a_profile_someone_else_has_is_refused_in_the_dialog(
    start_app: Callable[[], Awaitable[App]], qtbot: QtBot
) -> None:
    app = await start_app()
    actions = await app.start()
    app.linking.add_by_hand("alice", Platform.LINKEDIN, "linkedin.com/in/alice-chen")
    bob = Identity(IdentityKey(Platform.ZOOM, "acct", "Z1"), "Bob Stone", person_id="bob")
    app.hub.add_identities([bob])
    app.hub.flush()
    actions.add_identity("bob", Platform.LINKEDIN)
    dialog = add_dialog(actions)
    type_into(qtbot, dialog, "https://www.linkedin.com/in/alice-chen/")
    assert dialog.problem.text() == (
        "The LinkedIn profile linkedin.com/in/alice-chen belongs to Alice Chen. "
        "Remove it there first."
    )
    dialog.reject()
    await app.stop()


def test_each_platform_opens_its_own_link(hub: PresenceHub, clock: ManualClock, qtbot: QtBot):
    hub.add_identities(
        [
            *LISTING,
            Identity(
                PROFILE, "linkedin.com/in/alice-chen", chat_url="https://www.linkedin.com/in/a/"
            ),
            Identity(NUMBER, "+442079460958", chat_url="https://wa.me/442079460958"),
            Identity(
                IdentityKey(Platform.TEAMS, "acct", "T1"),
                "Alice Chen",
                chat_url="https://teams.microsoft.com/l/chat/0/0?users=a@corp.example",
                person_id="alice",
            ),
        ]
    )
    hub.link(PROFILE, "alice")
    hub.link(NUMBER, "alice")
    opened: list[QUrl] = []
    detail = PersonDetail(hub, clock, PeopleService(None), open_url=opened.append)
    qtbot.addWidget(detail)
    assert detail.show_person("alice")
    buttons = {row.key.platform: row.chat_button for row in detail.identity_rows}
    assert buttons[Platform.SLACK] is None
    expected = {
        Platform.LINKEDIN: ("Open profile on LinkedIn", "https://www.linkedin.com/in/a/"),
        Platform.WHATSAPP: ("Open chat on WhatsApp", "https://wa.me/442079460958"),
        Platform.TEAMS: (
            "Open chat on Teams",
            "https://teams.microsoft.com/l/chat/0/0?users=a@corp.example",
        ),
    }
    for platform, (label, url) in expected.items():
        button = buttons[platform]
        assert button is not None
        assert button.text() == button.accessibleName() == label
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert opened[-1] == QUrl(url)
    assert len(opened) == len(expected)
