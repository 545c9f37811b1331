"""Connecting an account in the real app process on the test desktop: Settings, Accounts,
Connect… on Slack, the test client id typed in, Connect; a scripted browser logs in and
consents at the test OAuth server (the sign-in seam sends every OAuth platform there); the
account then shows as signed in, and its tokens are in the real keyring, not in SQLite or the
log. Disconnect, confirmed, then forgets the account and deletes its tokens."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.descriptions import SIGN_IN_SERVER_VARIABLE
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.storage.paths import DATA_DIR_ENV
from presence_tray.storage.secrets import KeyringSecretStore
from tests.accounts.browser_cli import LOG_ENV, write_browser_command
from tests.app_process import AppProcess
from tests.desktop import (
    Geometry,
    click,
    find_text,
    geometry_of,
    press,
    read_text,
    screenshot,
    type_text,
    visible_window,
    wait_until,
)
from tests.test_settings_e2e import open_settings_from_the_tray_menu

if TYPE_CHECKING:
    from pathlib import Path

    from tests.servers.oidc_server import OidcServer

CONNECT_TITLE = "^Connect Slack"
SIGN_IN_SECONDS = 40  # log in and consent at the server, the loopback, tokens, who signed in


def button_in(image: Path, label: str) -> Geometry | None:
    """Where the button ``label…`` is in ``image`` (OCR reads the ellipsis either way)."""
    return find_text(image, f"{label}…") or find_text(image, f"{label}...")


def click_connect_under(dialog: str, platform: str, name: str) -> None:
    """Click the Connect… button of ``platform``'s section (the first one below its title)."""
    shot = screenshot(name, dialog)
    title = find_text(shot, platform)
    assert title is not None, f"no {platform} section in the Accounts tab: {read_text(shot)}"
    window = geometry_of(dialog)
    below = Geometry(window.x, window.y + title.y, window.width, 3 * title.height + 40)
    button = button_in(screenshot(f"{name}-{platform.lower()}", crop=below), "Connect")
    assert button is not None, f"no Connect… under {platform}: {read_text(shot)}"
    click(below.x + button.centre[0], below.y + button.centre[1])


def click_disconnect(dialog: str, name: str) -> None:
    """Click the (only) Disconnect… button in the Accounts tab."""
    shot = screenshot(name, dialog)
    button = button_in(shot, "Disconnect")
    assert button is not None, f"no Disconnect… shown: {read_text(shot)}"
    window = geometry_of(dialog)
    click(window.x + button.centre[0], window.y + button.centre[1])


def slack_accounts(data_dir: Path) -> list[AccountRef]:
    """The Slack accounts saved in any database in ``data_dir``."""
    return [
        AccountRef(Platform(platform), account_id)
        for platform, account_id in saved_accounts(data_dir)
        if platform == Platform.SLACK
    ]


def saved_accounts(data_dir: Path) -> list[tuple[str, str]]:
    """(platform, account id) of every account saved in any database in ``data_dir``."""
    found: list[tuple[str, str]] = []
    for database in data_dir.glob("*.sqlite3"):
        with sqlite3.connect(database) as connection:
            found += connection.execute("SELECT platform, account_id FROM accounts").fetchall()
    return found


def everything_in_sqlite(data_dir: Path) -> str:
    """Every value in every table of every database in ``data_dir``, as one string."""
    dump: list[str] = []
    for database in data_dir.glob("*.sqlite3"):
        with sqlite3.connect(database) as connection:
            dump += connection.iterdump()
    return "\n".join(dump)


@pytest.mark.desktop
@pytest.mark.keyring
@pytest.mark.oidc
def test_connect_slack_from_the_settings_dialog(
    tmp_path: Path,
    data_dir: Path,
    oidc_server: OidcServer,
) -> None:
    browser_log = tmp_path / "browser.log"
    environment = {
        DATA_DIR_ENV: str(data_dir),
        SIGN_IN_SERVER_VARIABLE: oidc_server.issuer,
        "BROWSER": str(write_browser_command(tmp_path)),
        LOG_ENV: str(browser_log),
    }
    app = AppProcess(["--people", "20"], tmp_path / "stderr.log", environment)
    keyring = KeyringSecretStore()
    accounts: list[AccountRef] = []
    try:
        dialog = open_settings_from_the_tray_menu()
        time.sleep(0.5)
        text = read_text(screenshot("connect-accounts-before", dialog))
        assert "Sign-in goes to the test server" in text, text
        click_connect_under(dialog, "Slack", "connect-accounts-find")
        connect = wait_until("the Connect Slack dialog", lambda: visible_window(CONNECT_TITLE))
        time.sleep(0.3)
        press("ctrl+a")  # the Client ID field has the focus
        type_text(oidc_server.client_id)
        screenshot("connect-dialog", connect)
        press("Return")
        wait_until(
            "the sign-in to finish and the dialog to close",
            lambda: visible_window(CONNECT_TITLE) is None,
            timeout=SIGN_IN_SECONDS,
        )
        assert "done 200" in browser_log.read_text(), browser_log.read_text()
        accounts = slack_accounts(data_dir)
        assert len(accounts) == 1, saved_accounts(data_dir)
        secret = asyncio.run(keyring.get(accounts[0]))
        assert secret is not None, "no tokens in the keyring"
        access_token = TokenSet.from_secret(secret).access_token
        assert access_token not in everything_in_sqlite(data_dir)
        time.sleep(0.5)
        text = read_text(screenshot("connect-accounts-signed-in", dialog))
        assert "Connected to Slack" in text, text
        assert "alice" in text, text

        # Disconnect, confirmed: the tokens leave the keyring and the account the tab.
        click_disconnect(dialog, "connect-accounts-find-disconnect")
        question = wait_until("the sign-out question", lambda: visible_window("^Disconnect$"))
        screenshot("connect-disconnect-question", question)
        press("alt+d")
        wait_until("the account to be forgotten", lambda: not slack_accounts(data_dir))
        assert asyncio.run(keyring.get(accounts[0])) is None
        time.sleep(0.5)
        text = read_text(screenshot("connect-accounts-signed-out", dialog))
        assert "Disconnect" not in text, text
    finally:
        stderr = app.stop_cleanly()
        for account in accounts:
            asyncio.run(keyring.delete(account))
    assert access_token not in stderr
