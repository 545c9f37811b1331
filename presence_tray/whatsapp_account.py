"""The WhatsApp webhook as an account: its secrets in the keyring and its row in the accounts'
database, saved and removed together.

WhatsApp has nothing to sign in to; what the user sets up is Meta's webhook to the local API
(``whatsapp_webhook``). Saving its verify token and app secret also saves
:data:`WEBHOOK_ACCOUNT` (method ``webhook``) where Connect saves accounts, so the next start
shows the user's accounts instead of the simulated network, the only run whose webhook
records messages (``account_clients.reader_of``: a receiver on the local API reads it, no
client runs). The secrets are saved before the row and removed after it, so a row never
stays without its secrets; each failure is a sentence saying what is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

from presence_tray.accounts.methods import WEBHOOK
from presence_tray.accounts.rows import METHOD_SETTING
from presence_tray.accounts_service import NO_DATABASE
from presence_tray.core.errors import PresenceError
from presence_tray.core.preferences import Account
from presence_tray.core.secrets import SecretStoreUnavailableError
from presence_tray.whatsapp_webhook import WEBHOOK_SECRETS_ACCOUNT

if TYPE_CHECKING:
    from presence_tray.accounts_service import AccountsService
    from presence_tray.whatsapp_webhook import WebhookSecretsKeeper

WEBHOOK_LABEL: Final = "Receives messages through the local API"
WEBHOOK_ACCOUNT: Final = Account(
    WEBHOOK_SECRETS_ACCOUNT, WEBHOOK_LABEL, settings={METHOD_SETTING: WEBHOOK}
)
"""The account row of a saved webhook (its secrets are the keyring's
``whatsapp:webhook#verify_token`` and ``#app_secret``)."""
JUST_SAVED: Final = (
    "Saved in the keyring. In your Meta app, verify the callback URL with the same verify token "
    "and subscribe to the messages field."
)
REMOVED: Final = "Removed from the keyring: WhatsApp messages are no longer received."


class SetupOutcome(NamedTuple):
    """Whether the webhook's secrets are saved now, and a sentence for the settings."""

    saved: bool
    sentence: str


def saved_as_account(accounts: AccountsService) -> bool:
    """Whether the webhook's account is saved (then its secrets are too)."""
    return any(account.ref == WEBHOOK_SECRETS_ACCOUNT for account in accounts.accounts())


async def save_webhook(
    keeper: WebhookSecretsKeeper, accounts: AccountsService, verify_token: str, app_secret: str
) -> SetupOutcome:
    """Save the secrets (checked first: ``check_webhook_secrets`` raises ValueError), then the
    account unless it is saved already; said for the settings."""
    if not accounts.saves_accounts:
        return SetupOutcome(saved=False, sentence=f"Nothing was saved. {NO_DATABASE}")
    try:
        await keeper.save(verify_token, app_secret)
    except SecretStoreUnavailableError as err:
        return SetupOutcome(saved=False, sentence=f"Nothing was saved. {err}")
    if not saved_as_account(accounts):
        try:
            await accounts.save_account(WEBHOOK_ACCOUNT)
        except PresenceError as err:
            return await _forget_unsaved(keeper, err)
    return SetupOutcome(
        saved=True, sentence=f"{JUST_SAVED} {_sentence(accounts.reading_words(WEBHOOK_ACCOUNT))}."
    )


async def _forget_unsaved(keeper: WebhookSecretsKeeper, why: PresenceError) -> SetupOutcome:
    """The account could not be saved: forget the secrets just saved (the routes refuse)."""
    try:
        await keeper.remove()
    except SecretStoreUnavailableError as err:
        return SetupOutcome(
            saved=False,
            sentence=(
                f"The webhook could not be saved as an account ({why}), so WhatsApp messages "
                f"are not received; its secrets stay in the keyring ({err}): press Remove once "
                "the keyring works."
            ),
        )
    return SetupOutcome(
        saved=False,
        sentence=(
            f"Nothing was kept: the webhook could not be saved as an account ({why}), so "
            "Presence Tray forgot the verify token and App Secret. Try again later."
        ),
    )


async def remove_webhook(keeper: WebhookSecretsKeeper, accounts: AccountsService) -> SetupOutcome:
    """Delete the account, then forget the secrets; said for the settings."""
    try:
        await accounts.remove_account(WEBHOOK_SECRETS_ACCOUNT)
    except PresenceError as err:
        return SetupOutcome(
            saved=True,
            sentence=(
                f"Nothing was removed: the account could not be deleted ({err}), so the verify "
                "token and App Secret stay too and WhatsApp messages are still received. Try "
                "again later."
            ),
        )
    try:
        await keeper.remove()
    except SecretStoreUnavailableError as err:
        # The routes already refuse everything: the keeper forgot them before the keyring.
        return SetupOutcome(
            saved=False,
            sentence=f"WhatsApp messages stop now, but the secrets stay in the keyring: {err}",
        )
    return SetupOutcome(saved=False, sentence=REMOVED)


def _sentence(phrase: str) -> str:
    """``phrase`` as the start of a sentence."""
    return phrase[:1].upper() + phrase[1:]
