"""The Accounts tab's rows for saved accounts: who signed in, and what works (honestly).

No platform client reads presence with a connected account yet (they arrive with later
issues), so the state says that rather than "connected"; an account whose sign-in the platform
refused says it needs reconnecting, with the sentence why.
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


def not_reading(account: Account) -> str:
    """What connecting ``account`` does not do yet, honestly."""
    platform = account.ref.platform
    if platform is Platform.LINKEDIN:
        return "LinkedIn shares no presence, so there is nothing more to read"
    if platform is Platform.DISCORD and connected_with(account) == OAUTH:
        return "reading presence on Discord needs a bot token (the Bot token method)"
    return f"reading presence from {platform.display_name} arrives in a later version"


def account_state(account: Account) -> str:
    """The sentence the State column shows for ``account``."""
    if account.sign_in_problem:
        return f"needs reconnecting: {account.sign_in_problem}"
    return f"signed in as {account.label}; {not_reading(account)}"


def account_row(account: Account) -> AccountRow:
    """``account`` as a row of the Accounts tab."""
    return AccountRow(
        account.ref,
        account.label,
        account_state(account),
        needs_reconnect=bool(account.sign_in_problem),
    )
