"""The Connect dialog: a method's guide and fields, inline validation, progress, cancel,
success, failure (values kept, secrets cleared), reconnect, and the keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.ui.settings.connect_dialog import (
    CONNECTING,
    WAITING_FOR_BROWSER,
    ConnectDialog,
    field_words,
    guide_html,
)
from tests.ui.connect_fakes import CANCELLED, FakeAccountsBackend, Field, Method, Outcome

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from presence_tray.ui.settings.backend import SettingsBackend

ALICE = AccountRef(Platform.MATRIX, "@alice:example.org")
BROWSER = Method(
    "oauth",
    "Sign in with Slack in your browser",
    guide="1. Create an app at https://api.slack.com/apps.\n2. Add <redirect> http://127.0.0.1",
    fields=(
        Field("client_id", "Client ID", placeholder="1234.5678"),
        Field("app_token", "App-level token", secret=True, required=False),
    ),
    opens_browser=True,
)
PASSWORD = Method(
    "password",
    "User and password",
    fields=(
        Field("homeserver", "Homeserver", default="https://matrix.org"),
        Field("user", "User"),
        Field("password", "Password", secret=True),
    ),
)
TOKEN = Method(
    "access_token",
    "Access token",
    fields=(Field("homeserver", "Homeserver"), Field("access_token", "Token", secret=True)),
)


@pytest.fixture
def backend() -> FakeAccountsBackend:
    checked: SettingsBackend = FakeAccountsBackend()  # the fake keeps to the protocol (mypy)
    assert isinstance(checked, FakeAccountsBackend)
    return checked


def open_dialog(
    qtbot: QtBot,
    backend: FakeAccountsBackend,
    platform: Platform,
    *methods: Method,
    replacing: AccountRef | None = None,
) -> ConnectDialog:
    dialog = ConnectDialog(backend, platform, methods, replacing=replacing, replacing_label="alice")
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_guide_text_is_escaped_and_its_web_addresses_are_links() -> None:
    assert guide_html("Go to https://api.slack.com/apps.\nUse <b>this</b>") == (
        'Go to <a href="https://api.slack.com/apps">https://api.slack.com/apps</a>.'
        "<br>Use &lt;b&gt;this&lt;/b&gt;"
    )


@pytest.mark.parametrize(
    ("field", "words"),
    [
        (Field("client_id", "Client ID"), "Client ID"),
        (Field("tenant", "Tenant", required=False), "Tenant (optional)"),
    ],
)
def test_fields_that_may_stay_empty_say_so(field: Field, words: str) -> None:
    assert field_words(field) == words


def test_one_method_shows_its_guide_and_fields_with_names(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    assert dialog.windowTitle() == "Connect Slack"
    assert not dialog.choices.buttons()  # nothing to choose
    form = dialog.form
    assert 'href="https://api.slack.com/apps"' in form.guide.text()
    assert form.guide.openExternalLinks()
    assert form.guide.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    client_id, app_token = form.fields["client_id"], form.fields["app_token"]
    assert client_id.accessibleName() == "Client ID"
    assert client_id.placeholderText() == "1234.5678"
    assert client_id.echoMode() is QLineEdit.EchoMode.Normal
    assert app_token.accessibleName() == "App-level token"
    assert app_token.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.focusWidget() is client_id
    assert dialog.connect_button.isDefault()


def test_several_methods_are_a_choice_and_connect_uses_the_chosen_one(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.MATRIX, PASSWORD, TOKEN)
    titles = [button.text() for button in dialog.choices.buttons()]
    assert titles == ["User and password", "Access token"]
    assert dialog.form.method is PASSWORD
    assert dialog.form.fields["homeserver"].text() == "https://matrix.org"  # its default
    dialog.choices.buttons()[1].click()
    assert dialog.form.method is TOKEN
    dialog.form.fields["homeserver"].setText("  https://example.org ")
    dialog.form.fields["access_token"].setText("syt_secret\n")
    dialog.connect_button.click()
    (attempt,) = backend.attempts
    assert (attempt.platform, attempt.method, attempt.replacing) == (
        Platform.MATRIX,
        "access_token",
        None,
    )
    assert attempt.values == {"homeserver": "https://example.org", "access_token": "syt_secret"}
    assert dialog.progress.sentence == CONNECTING


def test_a_bad_value_is_a_sentence_in_the_dialog_and_nothing_starts(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.refuse_with = "Enter the Client ID of the app you registered at Slack."
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    dialog.connect_button.click()
    assert dialog.problem.sentence == "Enter the Client ID of the app you registered at Slack."
    assert dialog.problem.isVisible()
    assert not dialog.running
    assert dialog.progress.sentence is None
    assert dialog.connect_button.isEnabled()
    assert dialog.isVisible()
    assert not backend.attempts


def test_enter_connects_and_progress_is_shown_while_it_runs(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    qtbot.keyClicks(dialog.form.fields["client_id"], "1234.5678")
    qtbot.keyClick(dialog.form.fields["client_id"], Qt.Key.Key_Return)
    (attempt,) = backend.attempts
    assert attempt.values == {"client_id": "1234.5678", "app_token": ""}
    assert dialog.running
    assert dialog.progress.sentence == WAITING_FOR_BROWSER
    assert not dialog.connect_button.isEnabled()
    assert not dialog.pages.isEnabled()
    assert dialog.cancel_button.isEnabled()
    attempt.on_progress("Checking who you are with Slack…")
    assert dialog.progress.sentence == "Checking who you are with Slack…"
    qtbot.keyClick(dialog.form.fields["client_id"], Qt.Key.Key_Return)  # not twice
    assert len(backend.attempts) == 1


def test_success_closes_the_dialog_with_the_sentence(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    dialog.form.fields["client_id"].setText("1234.5678")
    dialog.connect_button.click()
    with qtbot.waitSignal(dialog.connected) as said:
        backend.attempts[0].finish(
            Outcome(ok=True, message="Connected to Slack as alice@example.com.")
        )
    assert said.args == ["Connected to Slack as alice@example.com."]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()


def test_failure_keeps_the_dialog_and_values_but_clears_secrets(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.MATRIX, PASSWORD)
    form = dialog.form
    form.fields["user"].setText("alice")
    form.fields["password"].setText("wrong")
    dialog.connect_button.click()
    backend.attempts[0].finish(Outcome(ok=False, message="matrix.org refused that password."))
    assert dialog.isVisible()
    assert dialog.problem.sentence == "matrix.org refused that password."
    assert dialog.progress.sentence is None
    assert form.fields["homeserver"].text() == "https://matrix.org"
    assert form.fields["user"].text() == "alice"
    assert form.fields["password"].text() == ""
    assert dialog.focusWidget() is form.fields["password"]
    assert dialog.connect_button.isEnabled()
    assert form.isEnabled()
    dialog.connect_button.click()  # and it can be tried again
    assert len(backend.attempts) == 2
    assert dialog.problem.sentence is None


def test_escape_while_running_cancels_the_attempt_and_a_second_closes(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    dialog.form.fields["client_id"].setText("1234.5678")
    dialog.connect_button.click()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    (attempt,) = backend.attempts
    assert attempt.cancelled
    assert dialog.isVisible()
    assert dialog.problem.sentence == CANCELLED
    assert dialog.form.fields["client_id"].text() == "1234.5678"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_cancel_when_idle_closes_without_starting(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    dialog.cancel_button.click()
    assert not dialog.isVisible()
    assert not backend.attempts


def test_closing_while_running_never_leaves_the_attempt_behind(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.SLACK, BROWSER)
    dialog.form.fields["client_id"].setText("1234.5678")
    dialog.connect_button.click()
    dialog.done(QDialog.DialogCode.Rejected)  # the settings window is going away
    assert backend.attempts[0].cancelled
    assert not dialog.isVisible()


def test_an_outcome_after_the_dialog_is_gone_touches_nothing(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = ConnectDialog(backend, Platform.SLACK, [BROWSER])  # deleted here, not by qtbot
    dialog.form.fields["client_id"].setText("1234.5678")
    dialog.connect_button.click()
    (attempt,) = backend.attempts
    attempt.committing = True  # the account is being saved: too late to cancel
    dialog.done(QDialog.DialogCode.Rejected)
    assert attempt.outcome is None
    shiboken6.delete(dialog)
    attempt.on_progress("Saving…")
    attempt.finish(Outcome(ok=True, message="Connected to Slack as alice@example.com."))


def test_reconnect_renews_the_account_it_was_opened_for(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    dialog = open_dialog(qtbot, backend, Platform.MATRIX, PASSWORD, replacing=ALICE)
    assert dialog.windowTitle() == "Reconnect Matrix (alice)"
    dialog.form.fields["user"].setText("alice")
    dialog.form.fields["password"].setText("new")
    dialog.connect_button.click()
    assert backend.attempts[0].replacing == ALICE
