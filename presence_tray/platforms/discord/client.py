"""One Discord bot account's client: the guilds' members as contacts, presence pushed live.

``run`` asks REST who the bot is (``GET /users/@me``), where the gateway is and how many new
sessions it may start (``GET /gateway/bot``), and lists the members of every guild
(``GET /users/@me/guilds``, ``GET /guilds/{id}/members``; without the Server Members intent
Discord refuses that, and the members come from the gateway's GUILD_CREATE instead). Then it
holds the gateway (:mod:`.gateway`) and delivers presences (:mod:`.directory`), resuming the
session after every drop so no change is lost. The identify budget is respected: one new
session per 5 s (``max_concurrency`` 1) and none once ``session_start_limit.remaining`` is
spent (Discord resets the token of a bot that exceeds it). An app cannot set a person's own
status on Discord, so :meth:`DiscordClient.set_own_status` says so.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Final

from presence_tray.core.errors import AuthError, PermanentError, RateLimitedError, TransientError
from presence_tray.platforms.discord import CAPABILITIES
from presence_tray.platforms.discord.directory import DiscordDirectory
from presence_tray.platforms.discord.gateway import GatewayConnection, GatewaySession
from presence_tray.platforms.discord.rest import DISCORD_API, DiscordRest, ForbiddenError

if TYPE_CHECKING:
    import httpx

    from presence_tray.core.client import Capabilities, OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.preferences import Account

OWN_STATUS_UNSUPPORTED: Final = "Discord: a user's status cannot be set by an app."
IDENTIFY_SPACING_SECONDS: Final = 5.0
"""``max_concurrency`` 1: at most one IDENTIFY per 5 s."""
MAX_CONNECTIONS_WITHOUT_SESSION: Final = 3
"""After this many connections in a row end before READY or RESUMED, the supervisor backs off."""
MEMBERS_PAGE_SIZE: Final = 1000
OTHER_BOT: Final = (
    "This bot token belongs to another Discord bot than the connected account. Reconnect the "
    "account with its own token."
)


class OtherBotError(AuthError):
    """The token works but is another bot's; the message says what to do."""

    says_what_to_do = True


class IdentifyBudget:
    """How many new gateway sessions the bot may start, and how soon the next."""

    def __init__(self, clock: Clock) -> None:
        """A budget waiting on ``clock``; unlimited until ``update`` says otherwise."""
        self._clock = clock
        self._last_identify: float | None = None
        self._remaining: int | None = None
        self._reset_at: float | None = None

    def update(self, session_start_limit: object) -> None:
        """Read ``session_start_limit`` from ``GET /gateway/bot``."""
        if not isinstance(session_start_limit, dict):
            return
        remaining, reset_after = (
            session_start_limit.get("remaining"),
            session_start_limit.get("reset_after"),
        )
        if isinstance(remaining, int) and isinstance(reset_after, int | float):
            self._remaining = remaining
            self._reset_at = self._clock.now() + reset_after / 1000.0

    async def spend(self) -> None:
        """Wait for the next IDENTIFY to be allowed; RateLimitedError when none is left."""
        now = self._clock.now()
        if self._remaining is not None and self._remaining <= 0:
            reset_at = self._reset_at if self._reset_at is not None else now
            if reset_at > now:
                msg = "Discord allows the bot no more new connections for now."
                raise RateLimitedError(msg, reset_at - now)
            self._remaining = None
        if self._last_identify is not None:
            wait = self._last_identify + IDENTIFY_SPACING_SECONDS - now
            if wait > 0:
                await self._clock.sleep(wait)
        self._last_identify = self._clock.now()
        if self._remaining is not None:
            self._remaining -= 1


class DiscordClient:
    """Presence of the people in a Discord bot's guilds, live over the gateway."""

    def __init__(
        self,
        account: AccountRef,
        *,
        token: str,
        clock: Clock,
        rng: random.Random | None = None,
        api_base: str = DISCORD_API,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
    ) -> None:
        """A client for the bot ``account`` with its bot ``token``, calling ``api_base``
        (whose ``/gateway/bot`` names the gateway); ``transport`` and ``timeout`` (seconds per
        request) are for tests."""
        self._account = account
        self._token = token
        self._clock = clock
        self._rng = rng or random.Random()
        self._rest = DiscordRest(
            token, clock=clock, base_url=api_base, transport=transport, timeout=timeout
        )
        self._session = GatewaySession()
        self._identify_budget = IdentifyBudget(clock)

    @property
    def account(self) -> AccountRef:
        """The bot account this client serves."""
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        """What a Discord client can do."""
        return CAPABILITIES

    async def run(self, sink: PresenceSink) -> None:
        """List the guilds' members, then deliver presence into ``sink`` until cancelled."""
        await self._check_bot()
        gateway = await self._rest.get("gateway/bot", "/gateway/bot")
        if not isinstance(gateway, dict):
            gateway = {}
        url = gateway.get("url")
        if not isinstance(url, str) or not url.startswith(("ws://", "wss://")):
            msg = "Discord did not say where its gateway is (GET /gateway/bot)."
            raise TransientError(msg)
        self._identify_budget.update(gateway.get("session_start_limit"))
        directory = DiscordDirectory(
            self._account, bot_id=self._account.account_id, sink=sink, clock=self._clock
        )
        await self._read_members(directory)
        await self._hold_gateway(url, directory, sink)

    async def set_own_status(self, status: OwnStatus) -> None:  # noqa: ARG002 - protocol
        """Refuse: Discord lets no app set a person's online, idle or do-not-disturb."""
        raise PermanentError(OWN_STATUS_UNSUPPORTED)

    async def aclose(self) -> None:
        """Close the REST connections (the gateway closes with ``run``)."""
        await self._rest.aclose()

    async def _check_bot(self) -> None:
        me = await self._rest.get("users/@me", "/users/@me")
        if not isinstance(me, dict) or me.get("id") != self._account.account_id:
            raise OtherBotError(OTHER_BOT)

    async def _read_members(self, directory: DiscordDirectory) -> None:
        guilds = await self._rest.get("users/@me/guilds", "/users/@me/guilds")
        for guild in guilds if isinstance(guilds, list) else []:
            guild_id = guild.get("id") if isinstance(guild, dict) else None
            if isinstance(guild_id, str):
                try:
                    await self._read_guild_members(directory, guild_id)
                except ForbiddenError:
                    return  # no Server Members intent: GUILD_CREATE lists the members

    async def _read_guild_members(self, directory: DiscordDirectory, guild_id: str) -> None:
        after = "0"
        everyone: list[str] = []
        while True:
            params = {"limit": str(MEMBERS_PAGE_SIZE), "after": after}
            page = await self._rest.get("guild members", f"/guilds/{guild_id}/members", params)
            members: list[Any] = page if isinstance(page, list) else []
            user_ids = directory.add_members(members)
            everyone += user_ids
            if len(members) < MEMBERS_PAGE_SIZE or not user_ids:
                directory.guild_listed(guild_id, everyone)
                return
            after = max(user_ids, key=int)

    async def _hold_gateway(
        self, url: str, directory: DiscordDirectory, sink: PresenceSink
    ) -> None:
        def on_dispatch(name: str, data: object) -> None:
            if name in {"READY", "RESUMED"}:
                sink.report_live()
            directory.on_dispatch(name, data)

        failures = 0
        while True:
            connection = GatewayConnection(
                url=url,
                token=self._token,
                session=self._session,
                clock=self._clock,
                rng=self._rng,
                on_dispatch=on_dispatch,
                before_identify=self._identify_budget.spend,
            )
            await connection.run()
            failures = 0 if connection.reached_session else failures + 1
            if failures >= MAX_CONNECTIONS_WITHOUT_SESSION:
                msg = "Discord's gateway keeps closing the connection before it is ready."
                raise TransientError(msg)


def client_for(
    account: Account,
    secret: str,
    *,
    clock: Clock,
    api_base: str = DISCORD_API,
) -> DiscordClient:
    """The client of a saved Discord account; ``secret`` is its bot token."""
    return DiscordClient(account.ref, token=secret, clock=clock, api_base=api_base)
