"""The seam to the OS keyring: the only place secrets are kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from presence_tray.core.errors import PresenceError

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef


class SecretStoreUnavailableError(PresenceError):
    """The keyring cannot be used; the message says what to install or unlock."""


class SecretStore(Protocol):
    """One secret (a JSON string of tokens, a password) per account, in the OS keyring."""

    async def get(self, account: AccountRef) -> str | None:
        """The account's secret, or None if there is none."""
        ...

    async def put(self, account: AccountRef, secret: str) -> None:
        """Store (or replace) the account's secret."""
        ...

    async def delete(self, account: AccountRef) -> None:
        """Forget the account's secret; nothing happens if there is none."""
        ...
