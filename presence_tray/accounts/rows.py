"""The Accounts tab's rows for saved accounts: who signed in, and what works (honestly).

The state says whether Presence Tray reads the account (see ``account_clients.reader_of``),
reads it from the next start (while the simulated network shows), or not yet; an account
whose sign-in the platform refused says it needs reconnecting, with the sentence why. The
WhatsApp webhook, set up in its own panel, says it is set up and what it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.accounts.methods import OAUTH, WEBHOOK
from presence_tray.core.identity import Platform

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.preferences import Account

METHOD_SETTING: Final = "method"
"""The account setting naming how it was connected (``oauth``, ``bot_token``...)."""
NEXT_START: Final = (
    "Presence Tray shows your accounts instead of the simulated network from its next start "
    "(quit and start it again)"
)
"""What saving an account read from the next start brings, while the simulated network shows."""


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
    """This version reads the account (a client, or a receiver on the local API)."""
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
    if connected_with(account) == WEBHOOK:
        return _webhook_sentence(reading)
    if reading.now:
        return f"Presence Tray reads presence from {platform.display_name}"
    return NEXT_START


def _webhook_sentence(reading: Reading) -> str:
    """What a saved webhook brings: messages noted now, or from the next start (until then
    the simulated network's run refuses them, and Meta delivers them again)."""
    if reading.now:
        return "each message Meta sends to the local API is noted as its sender's last interaction"
    return f"{NEXT_START}; until then Meta keeps trying to deliver the messages"


def account_state(account: Account, reading: Reading) -> str:
    """The sentence the State column shows for ``account``."""
    if account.sign_in_problem:
        return f"needs reconnecting: {account.sign_in_problem}"
    if connected_with(account) == WEBHOOK:  # nobody signed in: the secrets are the set-up
        return f"set up; {reading_sentence(account, reading)}"
    return f"signed in as {account.label}; {reading_sentence(account, reading)}"


def account_row(account: Account, reading: Reading) -> AccountRow:
    """``account`` as a row of the Accounts tab."""
    return AccountRow(
        account.ref,
        account.label,
        account_state(account, reading),
        needs_reconnect=bool(account.sign_in_problem),
    )
