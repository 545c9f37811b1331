"""Which saved accounts make a connected run, and a client for each one that has a client.

One rule (:func:`reader_of`) says what reads a saved account in a connected run: a polled
client (Slack, Teams, Zoom), a live client (Discord with a bot token, Matrix, XMPP), or a
receiver on the local API (the WhatsApp webhook, whose ``WhatsAppInbox`` records the messages
Meta sends); an account nothing reads (a Discord sign-in, which only says who you are;
LinkedIn) makes no connected run. Start-up asks :func:`reads_with` whether any saved account
is read (``runtime.shows_simulated_network``); :class:`AccountClients` starts a client only
for the accounts a client reads (:func:`has_client`).

Runs when Presence Tray shows the user's accounts rather than the simulated network: at
start-up it starts a client for each saved account a client reads; a Connect (or Reconnect)
starts or restarts that account's client, a Disconnect stops it. A polled client gets the
account's token holder (refresh, renewal on a refused token, needs reconnect), the polling
interval from the preferences and the attention (favourites and people in view first); a live
one is built by its platform's ``client_for`` from the account and its main secret. Every
client runs on the app's clock. Platforms are imported only when an account of theirs runs:
httpx, websockets, slixmpp and a client cost memory the simulated network never needs.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Protocol

from presence_tray.accounts.methods import OAUTH, WEBHOOK
from presence_tray.accounts.rows import connected_with
from presence_tray.core.client import AccountHealth, PlatformClient
from presence_tray.core.errors import PresenceError
from presence_tray.core.identity import Platform
from presence_tray.core.supervisor import AccountStatus
from presence_tray.platforms.polled import PolledClientBase

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from presence_tray.accounts_service import AccountsService
    from presence_tray.core.identity import AccountRef, IdentityKey
    from presence_tray.core.polling import BudgetUsage
    from presence_tray.core.preferences import Account, Preferences
    from presence_tray.runtime import Runtime

_log = logging.getLogger(__name__)

POLLED_CLIENTS: Final[Mapping[Platform, tuple[str, str]]] = {
    Platform.SLACK: ("presence_tray.platforms.slack.client", "SlackClient"),
    Platform.TEAMS: ("presence_tray.platforms.teams.client", "TeamsClient"),
    Platform.ZOOM: ("presence_tray.platforms.zoom.client", "ZoomClient"),
}
"""The polled platforms: the module and class of their client, built with a token holder."""
LIVE_CLIENTS: Final[Mapping[Platform, str]] = {
    Platform.DISCORD: "presence_tray.platforms.discord.client",
    Platform.MATRIX: "presence_tray.platforms.matrix.client",
    Platform.XMPP: "presence_tray.platforms.xmpp.client",
}
"""The live platforms: the module whose ``client_for(account, secret, clock=)`` builds one."""
READ_PLATFORMS: Final = frozenset(POLLED_CLIENTS) | frozenset(LIVE_CLIENTS)
"""The platforms whose presence a client of this version reads from a connected account."""
LOCAL_API_RECEIVERS: Final = frozenset({(Platform.WHATSAPP, WEBHOOK)})
"""The (platform, method) of accounts a receiver on the local API reads, not a client: the
WhatsApp webhook (its messages reach the app at ``/webhooks/whatsapp``)."""


class Reader(StrEnum):
    """What reads a saved account in a connected run."""

    POLLED_CLIENT = "polled client"
    LIVE_CLIENT = "live client"
    LOCAL_API = "local API"
    """A receiver on the local API (the WhatsApp webhook's inbox): no client runs."""


CLIENT_READERS: Final = frozenset({Reader.POLLED_CLIENT, Reader.LIVE_CLIENT})
"""The readers that are a platform client :class:`AccountClients` starts."""

API_BASES_VARIABLE: Final = "PRESENCE_TRAY_API_BASES"
"""Test seam: ``slack=URL teams=URL discord=URL`` sends those platforms' API calls elsewhere
(the end-to-end tests' fakes; any platform read over HTTP). Set, it is logged at start-up."""


def api_bases_from(environ: Mapping[str, str]) -> dict[Platform, str]:
    """The API base URLs the test seam names (empty when unset; bad entries are skipped)."""
    bases: dict[Platform, str] = {}
    for entry in environ.get(API_BASES_VARIABLE, "").split():
        name, _, url = entry.partition("=")
        try:
            platform = Platform(name.strip().lower())
        except ValueError:
            _log.warning("%s: no platform called %r; ignored", API_BASES_VARIABLE, name)
            continue
        # XMPP is no HTTP API: its server comes from the account's own settings.
        if platform in READ_PLATFORMS - {Platform.XMPP} and url.startswith(("http://", "https://")):
            bases[platform] = url
    for platform, url in bases.items():
        _log.warning(
            "%s is set: %s is read from %s", API_BASES_VARIABLE, platform.display_name, url
        )
    return bases


def reader_of(platform: Platform, method: str) -> Reader | None:
    """What reads a ``platform`` account connected the ``method`` way; None when nothing does
    (a Discord sign-in only says who you are: reading takes a bot token)."""
    if (platform, method) in LOCAL_API_RECEIVERS:
        return Reader.LOCAL_API
    if platform is Platform.DISCORD and method == OAUTH:
        return None
    if platform in POLLED_CLIENTS:
        return Reader.POLLED_CLIENT
    if platform in LIVE_CLIENTS:
        return Reader.LIVE_CLIENT
    return None


def reads_with(platform: Platform, method: str) -> bool:
    """Whether a saved ``platform`` account connected the ``method`` way is read, so that
    saving it makes the next start a connected run."""
    return reader_of(platform, method) is not None


def reads_account(account: Account) -> bool:
    """Whether Presence Tray reads ``account`` (by a client or a receiver on the local API)."""
    return reads_with(account.ref.platform, connected_with(account))


def has_client(account: Account) -> bool:
    """Whether :class:`AccountClients` runs a platform client for ``account``."""
    return reader_of(account.ref.platform, connected_with(account)) in CLIENT_READERS


class RunningClient(PlatformClient, Protocol):
    """A connected account's client: a platform client whose connections are closed when it
    stops."""

    async def aclose(self) -> None:
        """Close the client's connections."""


class AccountClients:
    """Starts, restarts and stops the clients of the connected accounts."""

    def __init__(
        self,
        runtime: Runtime,
        accounts: AccountsService,
        *,
        is_priority: Callable[[IdentityKey], bool],
        api_bases: Mapping[Platform, str] | None = None,
    ) -> None:
        """Run ``accounts``' clients in ``runtime``; ``api_bases`` points platforms at other
        servers (tests)."""
        self._runtime = runtime
        self._accounts = accounts
        self._is_priority = is_priority
        self._api_bases = dict(api_bases or {})
        self._running: dict[AccountRef, RunningClient] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._unsubscribe = accounts.subscribe(self._on_account_change)

    def running(self) -> list[RunningClient]:
        """The clients started and not stopped."""
        return list(self._running.values())

    async def start_saved(self) -> None:
        """Start a client for every saved account a client reads."""
        for account in self._accounts.accounts():
            await self._start(account)

    def call_budgets(self) -> dict[AccountRef, tuple[BudgetUsage, ...]]:
        """Each running polled account's API calls spent and left, per limit (live clients
        spend no budget and are left out)."""
        return {
            account: client.budget_usage()
            for account, client in self._running.items()
            if isinstance(client, PolledClientBase)
        }

    def apply_preferences(self, preferences: Preferences) -> None:
        """Use the polling intervals of ``preferences`` from now on."""
        for account, client in self._running.items():
            seconds = preferences.poll_interval_seconds.get(account.platform)
            if seconds is not None and isinstance(client, PolledClientBase):
                client.set_poll_interval(seconds)

    async def aclose(self) -> None:
        """Stop following the accounts and stop every client."""
        self._unsubscribe()
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        for account in list(self._running):
            await self._stop(account)

    # -- internals ---------------------------------------------------------------------------

    def _on_account_change(self, status: AccountStatus) -> None:
        """An account was saved (connect, reconnect), removed, or needs reconnecting."""
        if status.health is AccountHealth.NEEDS_RECONNECT:
            return  # its client has parked itself: the token holder stopped the calls
        saved = {account.ref: account for account in self._accounts.accounts()}
        account = saved.get(status.account)
        coroutine = self._stop(status.account) if account is None else self._start(account)
        task = asyncio.get_running_loop().create_task(coroutine, name=f"follow {status.account}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _start(self, account: Account) -> None:
        ref = account.ref
        if not has_client(account) or account.sign_in_problem:
            return  # nothing to start (a receiver on the local API reads it), or parked
        await self._stop(ref)
        supervisor = self._runtime.supervisor
        try:
            client = await self._build(account)
        except PresenceError as err:
            _log.warning("%s: cannot start reading presence: %s", ref, err)
            supervisor.set_status(
                AccountStatus(ref, AccountHealth.FAILED, message=f"Cannot read presence: {err}")
            )
            return
        self._running[ref] = client
        supervisor.start(client)
        _log.info("%s: reading presence", ref)

    async def _build(self, account: Account) -> RunningClient:
        """The account's client; a PresenceError when its secret cannot be had."""
        ref = account.ref
        base_url = self._api_bases.get(ref.platform)
        if ref.platform in LIVE_CLIENTS:
            secret = await self._accounts.main_secret(ref)
            if secret is None:
                msg = f"the keyring has no sign-in for {ref}; connect it again"
                raise PresenceError(msg)
            module = importlib.import_module(LIVE_CLIENTS[ref.platform])
            options: dict[str, object] = {"clock": self._runtime.clock}
            if base_url is not None:
                options["api_base"] = base_url
            live: RunningClient = module.client_for(account, secret, **options)
            return live
        module_name, class_name = POLLED_CLIENTS[ref.platform]
        client_class = getattr(importlib.import_module(module_name), class_name)
        options = {
            "tokens": await self._accounts.token_holder(ref),
            "clock": self._runtime.clock,
            "is_priority": self._is_priority,
        }
        interval = self._runtime.preferences.poll_interval_seconds.get(ref.platform)
        if interval is not None:
            options["poll_interval"] = interval
        if base_url is not None:
            options["base_url"] = base_url
        polled: RunningClient = client_class(ref, **options)
        return polled

    async def _stop(self, account: AccountRef) -> None:
        client = self._running.pop(account, None)
        if client is None:
            return
        await self._runtime.supervisor.stop(account)
        await client.aclose()
        _log.info("%s: stopped reading presence", account)
