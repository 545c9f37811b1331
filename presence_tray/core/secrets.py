"""The seam to the OS keyring: the only place secrets are kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from presence_tray.core.errors import PresenceError

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef

MAIN_SECRET: Final = ""
"""The name of an account's main secret (its tokens, a password, a bot token)."""
SLACK_APP_TOKEN: Final = "app_token"  # noqa: S105 - the entry's name, not a token
"""The name of a Slack account's optional app-level token (Socket Mode), beside its tokens."""
SECRET_NAMES: Final = (MAIN_SECRET, SLACK_APP_TOKEN)
"""Every name a secret of an account can have: signing out deletes them all."""


class SecretStoreUnavailableError(PresenceError):
    """The keyring cannot be used; the message says what to install or unlock."""


class SecretStore(Protocol):
    """Secrets per account, in the OS keyring: the main one, and named extras (``SECRET_NAMES``)."""

    async def get(self, account: AccountRef, *, name: str = MAIN_SECRET) -> str | None:
        """The account's secret called ``name``, or None if there is none."""
        ...

    async def put(self, account: AccountRef, secret: str, *, name: str = MAIN_SECRET) -> None:
        """Store (or replace) the account's secret called ``name``."""
        ...

    async def delete(self, account: AccountRef, *, name: str = MAIN_SECRET) -> None:
        """Forget the account's secret called ``name``; nothing happens if there is none."""
        ...


async def delete_every_secret(store: SecretStore, account: AccountRef) -> None:
    """Forget every secret ``account`` has in ``store`` (each name in ``SECRET_NAMES``)."""
    for name in SECRET_NAMES:
        await store.delete(account, name=name)
