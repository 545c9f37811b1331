"""The Webhooks tab over the real webhook service, a real SQLite file and a real receiver."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.webhooks import Webhook
from presence_tray.storage.local_store import LocalStore
from presence_tray.ui.settings.dialog import SettingsDialog
from presence_tray.ui.settings.webhook_editor import CLEAR_TEXT_WARNING, WebhookEditor
from presence_tray.ui.settings.webhooks_tab import NOT_AVAILABLE, WebhooksTab
from presence_tray.webhook_service import WebhookService
from presence_tray.webhook_settings import WebhookSettings
from tests.servers.webhook_receiver import MemorySecrets, Receiver, running_receiver, until
from tests.ui.settings_helpers import settings_dialog

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncIterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


class Setup:
    def __init__(self, tab: WebhooksTab, service: WebhookService, secrets: MemorySecrets) -> None:
        self.tab = tab
        self.service = service
        self.secrets = secrets


@pytest.fixture
async def setup(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> AsyncIterator[Setup]:
    hub.add_identities(
        [
            Identity(IdentityKey(Platform.SLACK, "w", "U1"), "Alice Chen", person_id="alice"),
            Identity(IdentityKey(Platform.SLACK, "w", "U2"), "Bob Stone", person_id="bob"),
        ]
    )
    store = await LocalStore.open(tmp_path / "presence.db")
    secrets = MemorySecrets()
    service = WebhookService(clock, secrets, store.webhooks, max_attempts=2)
    tab = WebhooksTab(WebhookSettings(service, hub))
    qtbot.addWidget(tab)
    try:
        yield Setup(tab, service, secrets)
    finally:
        tab.close_subscriptions()
        await service.aclose()
        await store.aclose()


def open_editor(tab: WebhooksTab) -> WebhookEditor:
    tab.add_button.click()
    assert tab.editor is not None
    return tab.editor


def check_person(editor: WebhookEditor, name: str) -> None:
    (item,) = editor.people.findItems(name, Qt.MatchFlag.MatchExactly)
    item.setCheckState(Qt.CheckState.Checked)


def save(editor: WebhookEditor) -> None:
    buttons = editor.findChild(QDialogButtonBox)
    assert buttons is not None
    buttons.button(QDialogButtonBox.StandardButton.Save).click()


async def test_adding_a_webhook_saves_it_and_shows_its_secret(
    setup: Setup, receiver: Receiver
) -> None:
    tab = setup.tab
    assert not tab.empty.isHidden()
    assert not tab.edit_button.isEnabled()
    editor = open_editor(tab)
    assert [editor.people.item(row).text() for row in range(editor.people.count())] == [
        "Alice Chen",
        "Bob Stone",
    ]
    editor.url.setText(receiver.url)
    assert editor.clear_warning.isHidden()  # plain http, but to this computer
    editor.own_status.setChecked(False)
    check_person(editor, "Bob Stone")
    editor.status.setCurrentIndex(editor.status.findData("busy"))
    editor.template.setPlainText('{"who": "$person"}')
    assert editor.status.currentText() == "Busy · template set"
    save(editor)

    await until(lambda: tab.list.count() == 1)
    assert tab.message.sentence is None
    (hook,) = setup.service.hooks()
    assert hook.person_ids == frozenset({"bob"})
    assert not hook.on_own_status
    assert hook.templates == {"busy": '{"who": "$person"}'}
    item = tab.list.item(0)
    assert item.text() == f"{receiver.url}\nFires on 1 person · Nothing sent yet."
    assert tab.empty.isHidden()

    tab.list.setCurrentRow(0)
    secret = setup.secrets.entries[hook.hook_id]
    await until(lambda: tab.secret.text() == secret)
    assert tab.secret.echoMode() == tab.secret.EchoMode.Password
    tab.show_secret.click()
    assert tab.secret.echoMode() == tab.secret.EchoMode.Normal
    tab.copy_secret.click()
    assert QGuiApplication.clipboard().text() == secret
    assert tab.message.sentence == "The signing secret is copied to the clipboard."


async def test_the_editor_warns_about_plain_http_and_refuses_a_hook_that_fires_on_nothing(
    setup: Setup,
) -> None:
    editor = open_editor(setup.tab)
    editor.url.setText("http://lights.example.com/hook")
    assert editor.clear_warning.sentence == CLEAR_TEXT_WARNING
    editor.url.setText("https://lights.example.com/hook")
    assert editor.clear_warning.sentence is None
    editor.own_status.setChecked(False)
    save(editor)
    assert editor.isVisible()  # still open
    assert editor.problem.sentence == (
        "Choose what fires this webhook: your own status, some people, or both."
    )
    editor.own_status.setChecked(True)
    editor.status.setCurrentIndex(editor.status.findData("dnd"))
    editor.template.setPlainText("$colour")
    save(editor)
    assert editor.problem.sentence is not None
    assert "$colour is not a field" in editor.problem.sentence
    editor.reject()
    assert setup.service.hooks() == []


async def test_send_a_test_shows_how_it_went_and_failures_show_in_the_list(
    setup: Setup, receiver: Receiver, expected_warnings: list[logging.LogRecord]
) -> None:
    tab = setup.tab
    await setup.service.save(Webhook("", receiver.url, on_own_status=True))
    await until(lambda: tab.list.count() == 1)
    tab.list.setCurrentRow(0)
    tab.test_button.click()
    await until(lambda: (tab.message.sentence or "").startswith("The test was delivered"))
    assert tab.test_button.isEnabled()
    assert "Delivered at" in tab.list.item(0).text()

    receiver.answers = [(500, {})]
    tab.test_button.click()
    await until(lambda: (tab.message.sentence or "").startswith("The test was not delivered"))
    assert "answered 500 (Internal Server Error)" in (tab.message.sentence or "")
    assert "Failed at" in tab.list.item(0).text()
    assert len(expected_warnings) == 1


async def test_edit_and_remove(setup: Setup, receiver: Receiver) -> None:
    tab = setup.tab
    hook = await setup.service.save(Webhook("", receiver.url, on_own_status=True))
    await until(lambda: tab.list.count() == 1)
    tab.list.setCurrentRow(0)
    tab.edit_button.click()
    editor = tab.editor
    assert editor is not None
    assert editor.url.text() == receiver.url
    assert editor.own_status.isChecked()
    check_person(editor, "Alice Chen")
    save(editor)
    await until(lambda: setup.service.hooks()[0].person_ids == frozenset({"alice"}))
    assert setup.service.hooks()[0].hook_id == hook.hook_id

    tab.list.setCurrentRow(0)
    tab.remove_button.click()
    await until(lambda: tab.list.count() == 0)
    assert tab.message.sentence == f"Removed the webhook to {receiver.url.split('/api')[0]}."
    assert setup.service.hooks() == []
    assert setup.secrets.entries == {}


async def test_the_settings_dialog_has_a_webhooks_tab(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> None:
    async with settings_dialog(qtbot, tmp_path, hub, clock) as harness:
        tabs = harness.dialog.tabs
        titles = [tabs.tabText(index) for index in range(tabs.count())]
        assert titles[-1] == "&Webhooks"
        tab = harness.dialog.webhooks
        assert not tab.add_button.isEnabled()  # the harness offers no webhooks
        labels = [label.text() for label in tab.findChildren(type(tab.empty))]
        assert NOT_AVAILABLE in labels


async def test_the_settings_service_offers_the_webhooks_to_the_dialog(
    qtbot: QtBot, tmp_path: Path, hub: PresenceHub, clock: ManualClock
) -> None:
    async with settings_dialog(qtbot, tmp_path, hub, clock) as harness:
        service = WebhookService(clock, MemorySecrets(), None)
        try:
            await service.save(Webhook("", "https://lights.example/hook", on_own_status=True))
            harness.service.use_webhooks(WebhookSettings(service, hub))
            dialog = SettingsDialog(harness.service)
            qtbot.addWidget(dialog)
            tab = dialog.webhooks
            assert tab.add_button.isEnabled()
            assert tab.list.count() == 1
            assert tab.list.item(0).text().startswith("https://lights.example/hook\n")
            dialog.release()
        finally:
            await service.aclose()
