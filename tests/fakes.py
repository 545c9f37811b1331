"""Test doubles shared by several test packages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from presence_tray.core.client import Capabilities, PresenceMode
from presence_tray.core.identity import AccountRef
from presence_tray.core.reports import Keyring
from presence_tray.core.secrets import SecretStoreUnavailableError

if TYPE_CHECKING:
    from presence_tray.core.client import OwnStatus, PresenceSink
    from presence_tray.core.identity import Platform

CAN_SET_STATUS = Capabilities(PresenceMode.POLLED, can_set_own_status=True, can_list_contacts=True)
CANNOT_SET_STATUS = Capabilities(
    PresenceMode.LIVE, can_set_own_status=False, can_list_contacts=True
)


class StatusSettingClient:
    """A client that runs until cancelled; ``set_own_status`` does what ``behaviour`` says:
    None records the status, a number sleeps that long first, an exception is raised."""

    def __init__(
        self,
        platform: Platform,
        behaviour: BaseException | float | None = None,
        capabilities: Capabilities = CAN_SET_STATUS,
    ) -> None:
        self._account = AccountRef(platform, "acct")
        self._capabilities = capabilities
        self.behaviour = behaviour
        self.received: list[OwnStatus] = []

    @property
    def account(self) -> AccountRef:
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def run(self, sink: PresenceSink) -> None:
        sink.report_live()
        await asyncio.Event().wait()

    async def set_own_status(self, status: OwnStatus) -> None:
        if isinstance(self.behaviour, float):
            await asyncio.sleep(self.behaviour)
        elif isinstance(self.behaviour, BaseException):
            raise self.behaviour
        self.received.append(status)


class MemoryKeeper:
    """One keyring entry in memory (the local API's token); ``broken`` acts as a keyring
    that cannot be used."""

    def __init__(self, token: str | None = None, *, broken: bool = False) -> None:
        self.token = token
        self.broken = broken
        self.puts = 0

    async def get(self) -> str | None:
        if self.broken:
            raise SecretStoreUnavailableError("No system keyring was found.")
        return self.token

    async def put(self, secret: str) -> None:
        self.puts += 1
        self.token = secret


async def keyring_for_tests() -> Keyring:
    """The keyring as the statistics show it, for an API under test."""
    return Keyring("test")
