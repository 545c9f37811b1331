"""The Accounts tab's rows for saved accounts: who signed in, and what works (honestly).

The state says whether Presence Tray reads the account's presence (this version reads Slack,
Teams and Zoom), reads it from the next start (while the simulated network shows), or not
yet; an account whose sign-in the platform refused says it needs reconnecting, with the
sentence why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.accounts.methods import OAUTH
from presence_tray.core.identity import Platform

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.preferences import Account

METHOD_SETTING: Final = "method"
"""The account setting naming how it was connected (``oauth``, ``bot_token``...)."""


@dataclass(frozen=True)
class AccountRow:
    """One saved account as the Accounts tab lists it."""

    ref: AccountRef
    label: str
    state: str
    needs_reconnect: bool
    simulated: bool = False


def connected_with(account: Account) -> str:
    """The method key ``account`` was connected with."""
    return account.settings.get(METHOD_SETTING, OAUTH)


@dataclass(frozen=True)
class Reading:
    """Whether presence is read from an account's platform, and from when."""

    readable: bool
    """This version has a client for the platform."""
    now: bool
    """The app shows connected accounts now (False: the simulated network, until restarted)."""


def reading_sentence(account: Account, reading: Reading) -> str:
    """What connecting ``account`` brings, honestly: read now, from the next start, or not."""
    platform = account.ref.platform
    if platform is Platform.LINKEDIN:
        return "LinkedIn shares no presence, so there is nothing more to read"
    if platform is Platform.DISCORD and connected_with(account) == OAUTH:
        return "reading presence on Discord needs a bot token (the Bot token method)"
    if not reading.readable:
        return f"reading presence from {platform.display_name} arrives in a later version"
    if reading.now:
        return f"Presence Tray reads presence from {platform.display_name}"
    return (
        "Presence Tray shows your accounts instead of the simulated network from its next "
        "start (quit and start it again)"
    )


def account_state(account: Account, reading: Reading) -> str:
    """The sentence the State column shows for ``account``."""
    if account.sign_in_problem:
        return f"needs reconnecting: {account.sign_in_problem}"
    return f"signed in as {account.label}; {reading_sentence(account, reading)}"


def account_row(account: Account, reading: Reading) -> AccountRow:
    """``account`` as a row of the Accounts tab."""
    return AccountRow(
        account.ref,
        account.label,
        account_state(account, reading),
        needs_reconnect=bool(account.sign_in_problem),
    )
