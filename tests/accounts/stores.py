"""A SecretStore wrapper that records what was stored, in order, for the token tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.secrets import MAIN_SECRET

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.secrets import SecretStore


class MemorySecretStore:
    """Secrets in a dict: the SecretStore protocol without a keyring."""

    def __init__(self) -> None:
        self.named: dict[tuple[AccountRef, str], str] = {}

    @property
    def secrets(self) -> dict[AccountRef, str]:
        """The accounts' main secrets."""
        return {account: s for (account, name), s in self.named.items() if name == MAIN_SECRET}

    async def get(self, account: AccountRef, *, name: str = MAIN_SECRET) -> str | None:
        """The account's secret called ``name``, or None."""
        return self.named.get((account, name))

    async def put(self, account: AccountRef, secret: str, *, name: str = MAIN_SECRET) -> None:
        """Store the account's secret called ``name``."""
        self.named[account, name] = secret

    async def delete(self, account: AccountRef, *, name: str = MAIN_SECRET) -> None:
        """Forget the account's secret called ``name``."""
        self.named.pop((account, name), None)


class RecordingStore:
    """Passes every call to ``inner`` and keeps the main secrets put, in order."""

    def __init__(self, inner: SecretStore) -> None:
        self.inner = inner
        self.puts: list[str] = []

    async def get(self, account: AccountRef, *, name: str = MAIN_SECRET) -> str | None:
        """The inner store's secret."""
        return await self.inner.get(account, name=name)

    async def put(self, account: AccountRef, secret: str, *, name: str = MAIN_SECRET) -> None:
        """Record, then store in the inner store."""
        if name == MAIN_SECRET:
            self.puts.append(secret)
        await self.inner.put(account, secret, name=name)

    async def delete(self, account: AccountRef, *, name: str = MAIN_SECRET) -> None:
        """Delete from the inner store."""
        await self.inner.delete(account, name=name)
