"""The Accounts tab's accounts: none, the simulated one, one and two on a platform, one that
needs reconnecting, a platform that cannot be connected; Connect, Reconnect and Disconnect
(confirmed or not) through the agreed backend protocol (a fake here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import shiboken6

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.ui.settings.accounts_tab import NETWORK_NOT_SHOWN, AccountsTab
from presence_tray.ui.settings.platform_section import NO_ACCOUNT, SIGNING_OUT
from tests.ui.connect_fakes import FakeAccountsBackend, Field, Method, Outcome, Row

if TYPE_CHECKING:
    from PySide6.QtWidgets import QAbstractButton, QMessageBox
    from pytestqt.qtbot import QtBot

    from presence_tray.ui.settings.platform_section import AccountLine

SLACK_OAUTH = Method(
    "oauth",
    "Sign in with Slack in your browser",
    fields=(Field("client_id", "Client ID", default="1234.5678"),),
    opens_browser=True,
)
ACME = AccountRef(Platform.SLACK, "T1:U1")
GLOBEX = AccountRef(Platform.SLACK, "T2:U1")
SIMULATED = AccountRef(Platform.SLACK, "simulated")


@pytest.fixture
def backend() -> FakeAccountsBackend:
    return FakeAccountsBackend(methods={Platform.SLACK: [SLACK_OAUTH]})


def make_tab(qtbot: QtBot, backend: FakeAccountsBackend) -> AccountsTab:
    tab = AccountsTab(backend)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def line(tab: AccountsTab, account: AccountRef) -> AccountLine:
    return tab.sections[account.platform].lines[account]


def test_with_no_accounts_every_platform_offers_connect_or_says_why_not(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    tab = make_tab(qtbot, backend)
    assert set(tab.sections) == set(Platform)
    slack, teams = tab.sections[Platform.SLACK], tab.sections[Platform.TEAMS]
    assert slack.title() == "Slack"
    assert slack.capabilities.text() == "polled every 60 s · can set my status"
    assert slack.no_account.isVisible()
    assert slack.no_account.text() == NO_ACCOUNT
    assert slack.connect_button.text() == "Connect…"
    assert slack.connect_button.isEnabled()
    assert slack.connect_button.accessibleName() == "Connect a Slack account"
    assert not teams.connect_button.isEnabled()
    reason = "Connecting Teams arrives in a later version."
    assert teams.connect_button.toolTip() == reason
    assert teams.connect_button.accessibleDescription() == reason
    assert not tab.sign_in_note.isVisible()
    assert not tab.message.isVisible()


def test_the_test_sign_in_server_is_said_in_a_visible_line(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.note = "Sign-in goes to the test server at http://127.0.0.1:4000."
    tab = make_tab(qtbot, backend)
    assert tab.sign_in_note.isVisible()
    assert tab.sign_in_note.sentence == backend.note


def test_the_simulated_account_has_no_disconnect_or_reconnect(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.rows[Platform.SLACK] = [Row(SIMULATED, "Slack (simulated)", simulated=True)]
    tab = make_tab(qtbot, backend)
    simulated = line(tab, SIMULATED)
    assert simulated.label.text() == "Slack (simulated)"
    assert simulated.state.text() == "connected"
    assert not simulated.disconnect_button.isVisible()
    assert not simulated.reconnect_button.isVisible()
    assert not tab.sections[Platform.SLACK].no_account.isVisible()
    assert tab.sections[Platform.SLACK].connect_button.text() == "Connect…"


def test_two_accounts_on_one_platform_side_by_side_and_follow_changes(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.rows[Platform.SLACK] = [Row(ACME, "alice@example.com · Acme")]
    tab = make_tab(qtbot, backend)
    section = tab.sections[Platform.SLACK]
    acme = line(tab, ACME)
    assert acme.disconnect_button.isVisible()
    assert acme.disconnect_button.accessibleName() == (
        "Disconnect Slack account alice@example.com · Acme"
    )
    assert not acme.reconnect_button.isVisible()
    assert section.connect_button.text() == "Add account…"
    assert section.connect_button.accessibleName() == "Add another Slack account"

    backend.rows[Platform.SLACK].append(
        Row(GLOBEX, "alice@example.com · Globex", state="signed in as alice; reading presence")
    )
    backend.changed(GLOBEX)
    qtbot.waitUntil(lambda: GLOBEX in section.lines, timeout=1000)
    assert [ln.label.text() for ln in section.lines.values()] == [
        "alice@example.com · Acme",
        "alice@example.com · Globex",
    ]
    assert line(tab, GLOBEX).state.text() == "signed in as alice; reading presence"
    assert line(tab, ACME) is acme  # updated in place (keeps the keyboard focus)

    backend.rows[Platform.SLACK] = [
        Row(GLOBEX, "alice@example.com · Globex", needs_reconnect=True, state="needs reconnecting")
    ]
    backend.changed(ACME)
    qtbot.waitUntil(lambda: ACME not in section.lines, timeout=1000)
    globex = line(tab, GLOBEX)
    assert globex.reconnect_button.isVisible()
    assert globex.state.text() == "needs reconnecting"
    assert section.connect_button.text() == "Add account…"


def test_connect_opens_the_dialog_and_success_shows_the_account(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    tab = make_tab(qtbot, backend)
    tab.sections[Platform.SLACK].connect_button.click()
    dialog = tab.connect_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.form.fields["client_id"].text() == "1234.5678"
    dialog.connect_button.click()
    (attempt,) = backend.attempts
    assert attempt.replacing is None
    backend.rows[Platform.SLACK] = [Row(ACME, "alice@example.com · Acme")]
    attempt.finish(
        Outcome(ok=True, message="Connected to Slack as alice@example.com.", account=ACME)
    )
    assert tab.connect_dialog is None
    assert tab.message.sentence == "Connected to Slack as alice@example.com."
    assert line(tab, ACME).label.text() == "alice@example.com · Acme"


def test_reconnect_opens_the_dialog_for_that_account(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.rows[Platform.SLACK] = [
        Row(ACME, "alice@example.com · Acme"),
        Row(GLOBEX, "bob@example.com · Globex", needs_reconnect=True, state="needs reconnecting"),
    ]
    tab = make_tab(qtbot, backend)
    assert not line(tab, ACME).reconnect_button.isVisible()
    line(tab, GLOBEX).reconnect_button.click()
    dialog = tab.connect_dialog
    assert dialog is not None
    assert backend.methods_asked[-1] == (Platform.SLACK, GLOBEX)  # its saved values as defaults
    assert dialog.windowTitle() == "Reconnect Slack (bob@example.com · Globex)"
    dialog.connect_button.click()
    assert backend.attempts[0].replacing == GLOBEX
    backend.attempts[0].finish(Outcome(ok=False, message="Slack refused the sign-in."))
    assert tab.connect_dialog is dialog  # still open, saying why
    assert dialog.problem.sentence == "Slack refused the sign-in."


def confirmation(tab: AccountsTab) -> QMessageBox:
    box = tab.confirmation
    assert box is not None
    return box


def button(box: QMessageBox, text: str) -> QAbstractButton:
    (found,) = [b for b in box.buttons() if b.text() == text]
    return found


def test_disconnect_asks_first_then_says_what_happened(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.rows[Platform.SLACK] = [
        Row(ACME, "alice@example.com · Acme"),
        Row(GLOBEX, "alice@example.com · Globex"),
    ]
    tab = make_tab(qtbot, backend)
    acme = line(tab, ACME)
    acme.disconnect_button.click()
    box = confirmation(tab)
    assert box.text() == (
        "Sign out of alice@example.com · Acme on Slack? Presence Tray will forget its tokens."
    )
    assert box.defaultButton() is box.escapeButton()  # Enter and Escape both keep it
    button(box, "&Disconnect").click()
    assert tab.confirmation is None
    ((account, on_done),) = backend.disconnects
    assert account == ACME
    assert acme.state.text() == SIGNING_OUT
    assert not acme.disconnect_button.isEnabled()
    assert line(tab, GLOBEX).disconnect_button.isEnabled()  # the other one untouched
    backend.rows[Platform.SLACK] = [Row(GLOBEX, "alice@example.com · Globex")]
    on_done("Signed out of Slack; Slack was told to forget the tokens.")
    assert tab.message.sentence == "Signed out of Slack; Slack was told to forget the tokens."
    assert list(tab.sections[Platform.SLACK].lines) == [GLOBEX]


def test_an_account_that_could_not_be_forgotten_gets_its_buttons_back(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.rows[Platform.SLACK] = [Row(ACME, "alice@example.com · Acme")]
    tab = make_tab(qtbot, backend)
    acme = line(tab, ACME)
    acme.disconnect_button.click()
    button(confirmation(tab), "&Disconnect").click()
    assert acme.state.accessibleName() == f"State of alice@example.com · Acme: {SIGNING_OUT}"
    ((_, on_done),) = backend.disconnects
    on_done("The keyring is locked, so the tokens could not be deleted; unlock it and try again.")
    assert tab.message.sentence is not None
    assert tab.message.sentence.startswith("The keyring is locked")
    assert acme.state.text() == "connected"
    assert acme.disconnect_button.isEnabled()


def test_disconnect_cancelled_changes_nothing(qtbot: QtBot, backend: FakeAccountsBackend) -> None:
    backend.rows[Platform.SLACK] = [Row(ACME, "alice@example.com · Acme")]
    tab = make_tab(qtbot, backend)
    line(tab, ACME).disconnect_button.click()
    button(confirmation(tab), "Cancel").click()
    assert tab.confirmation is None
    assert not backend.disconnects
    assert line(tab, ACME).disconnect_button.isEnabled()
    assert line(tab, ACME).state.text() == "connected"


def test_closing_the_settings_stops_a_running_connect(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    tab = make_tab(qtbot, backend)
    tab.sections[Platform.SLACK].connect_button.click()
    dialog = tab.connect_dialog
    assert dialog is not None
    dialog.connect_button.click()
    tab.close_subscriptions()
    assert backend.attempts[0].cancelled
    assert tab.connect_dialog is None
    backend.changed(ACME)  # no longer heard


def test_a_sign_out_ending_after_the_settings_closed_touches_nothing(
    backend: FakeAccountsBackend,
) -> None:
    backend.rows[Platform.SLACK] = [Row(ACME, "alice@example.com · Acme")]
    tab = AccountsTab(backend)  # deleted here, not by qtbot
    line(tab, ACME).disconnect_button.click()
    button(confirmation(tab), "&Disconnect").click()
    ((_, on_done),) = backend.disconnects
    tab.close_subscriptions()
    shiboken6.delete(tab)
    on_done("Signed out of Slack.")


def test_with_connected_accounts_the_simulated_network_switch_says_how_to_try_it(
    qtbot: QtBot, backend: FakeAccountsBackend
) -> None:
    backend.simulated_network_applies_live = False  # this run shows the connected accounts
    tab = make_tab(qtbot, backend)
    assert not tab.simulated_network.isEnabled()
    assert tab.network_note.text() == NETWORK_NOT_SHOWN
    assert "--simulated" in NETWORK_NOT_SHOWN
