"""A SecretStore wrapper that records what was stored, in order, for the token tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.secrets import SecretStore


class MemorySecretStore:
    """Secrets in a dict: the SecretStore protocol without a keyring."""

    def __init__(self) -> None:
        self.secrets: dict[AccountRef, str] = {}

    async def get(self, account: AccountRef) -> str | None:
        """The account's secret, or None."""
        return self.secrets.get(account)

    async def put(self, account: AccountRef, secret: str) -> None:
        """Store the account's secret."""
        self.secrets[account] = secret

    async def delete(self, account: AccountRef) -> None:
        """Forget the account's secret."""
        self.secrets.pop(account, None)


class RecordingStore:
    """Passes every call to ``inner`` and keeps the secrets put, in order."""

    def __init__(self, inner: SecretStore) -> None:
        self.inner = inner
        self.puts: list[str] = []

    async def get(self, account: AccountRef) -> str | None:
        """The inner store's secret."""
        return await self.inner.get(account)

    async def put(self, account: AccountRef, secret: str) -> None:
        """Record, then store in the inner store."""
        self.puts.append(secret)
        await self.inner.put(account, secret)

    async def delete(self, account: AccountRef) -> None:
        """Delete from the inner store."""
        await self.inner.delete(account)
