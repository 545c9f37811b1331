"""The Microsoft Teams client: presence polled from Microsoft Graph, within its rate limit.

``run`` reads who is signed in (``GET /me``), lists the directory's users as contacts (read
again every ten minutes, a page per poll, on the directory's own budget: people who joined
are added, people who left removed; :class:`~presence_tray.platforms.polled.ContactList`),
then polls ``POST /communications/getPresencesByUserId`` (up to 650 ids a request) over a
:class:`~presence_tray.core.polling.PollRota`: favourites and people in view first, everyone
else in turn, nobody more often than the polling interval. Each answer goes through
:func:`~presence_tray.platforms.teams.normalise.normalise_graph_presence`; an id Graph leaves
out of its answer is published as unknown, never as offline.

Failures reach the supervisor as core error kinds (see :mod:`presence_tray.platforms.http`):
a 403 on presence is a PermanentError naming the missing permission (``Presence.Read.All``),
a token refused after renewal is the token holder's AuthError.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from presence_tray.core.polling import poll_until_cancelled
from presence_tray.core.presence import PresenceSource
from presence_tray.platforms.http import REQUEST_TIMEOUT_SECONDS, PlatformHttp
from presence_tray.platforms.polled import ContactList, PolledClientBase
from presence_tray.platforms.teams import CAPABILITIES, POLL_INTERVAL_SECONDS
from presence_tray.platforms.teams.directory import contact_pages, read_my_id
from presence_tray.platforms.teams.graph import (
    GRAPH_BASE_URL,
    PLATFORM_NAME,
    PRESENCE_BATCH_SIZE,
    PRESENCE_RATE_LIMIT,
    READ_PRESENCE_PERMISSION,
    GraphEndpoints,
    require_success,
)
from presence_tray.platforms.teams.normalise import normalise_graph_presence
from presence_tray.platforms.teams.own_status import OwnStatusWriter
from presence_tray.platforms.vocabulary import unknown_presence
from presence_tray.platforms.wire import get_list, get_str

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Sequence

    import httpx

    from presence_tray.core.client import OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef, IdentityKey
    from presence_tray.core.polling import RateLimit
    from presence_tray.platforms.http import AuthorizedCaller


class TeamsClient(PolledClientBase):
    """One Microsoft 365 account's Teams presence: contacts, polling and my own status."""

    def __init__(  # noqa: PLR0913 - the contract's seams, each with a sensible default
        self,
        account: AccountRef,
        *,
        tokens: AuthorizedCaller,
        clock: Clock,
        is_priority: Callable[[IdentityKey], bool] = lambda _key: False,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        base_url: str = GRAPH_BASE_URL,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        presence_limit: RateLimit = PRESENCE_RATE_LIMIT,
        batch_size: int = PRESENCE_BATCH_SIZE,
    ) -> None:
        """A client for ``account`` calling Graph at ``base_url`` with ``tokens``.

        ``transport``, ``timeout``, ``presence_limit`` and ``batch_size`` other than their
        defaults are for tests and the benchmark.
        """
        self._clock = clock
        self._rng = rng
        self._base_url = base_url
        self._batch_size = max(1, min(batch_size, PRESENCE_BATCH_SIZE))
        self._endpoints = GraphEndpoints(clock, presence_limit=presence_limit)
        self._http = PlatformHttp(
            platform_name=PLATFORM_NAME,
            base_url=base_url,
            tokens=tokens,
            clock=clock,
            transport=transport,
            timeout=timeout,
        )
        super().__init__(
            account,
            capabilities=CAPABILITIES,
            poll_interval=poll_interval,
            is_priority=is_priority,
            budgets=self._endpoints.budgets,
        )
        self._my_id: str | None = None
        self._own_status = OwnStatusWriter(self._http, self._endpoints, clock, self._read_my_id)

    async def run(self, sink: PresenceSink) -> None:
        """List the contacts, then poll their presence into ``sink`` until cancelled."""
        my_id = await self._read_my_id()
        contacts = ContactList(
            functools.partial(
                contact_pages,
                self._http,
                self._endpoints,
                self._account,
                my_id=my_id,
                base_url=self._base_url,
            ),
            self._rota,
            self._clock,
        )
        await contacts.read(sink)
        sink.report_live()
        await poll_until_cancelled(
            self._rota,
            functools.partial(self._poll, sink),
            batch_size=self._batch_size,
            clock=self._clock,
            sink=sink,
            platform_name=PLATFORM_NAME,
            budget=self._endpoints.presences.budget,
            rng=self._rng,
            each_turn=functools.partial(contacts.read_page_if_due, sink),
        )

    async def set_own_status(self, status: OwnStatus) -> None:
        """Set my Teams status (see :mod:`presence_tray.platforms.teams.own_status`)."""
        await self._own_status.set(status)

    async def aclose(self) -> None:
        """Close the connections to Graph."""
        await self._http.aclose()

    async def _read_my_id(self) -> str:
        if self._my_id is None:
            self._my_id = await read_my_id(self._http, self._endpoints)
        return self._my_id

    async def _poll(self, sink: PresenceSink, keys: Sequence[IdentityKey]) -> None:
        """Read the presence of ``keys`` in one request and publish each."""
        http, endpoint = self._http, self._endpoints.presences
        ids = [key.remote_id for key in keys]
        response = await http.request(
            endpoint, "POST", "/communications/getPresencesByUserId", json_body={"ids": ids}
        )
        require_success(http, endpoint, response, permission=READ_PRESENCE_PERMISSION)
        answers = {
            presence_id: presence
            for presence in get_list(http.read_json(endpoint, response), "value") or ()
            if (presence_id := get_str(presence, "id")) is not None
        }
        now = self._clock.now()
        for key in keys:
            presence = answers.get(key.remote_id)
            sink.publish(
                unknown_presence(key, now, PresenceSource.POLL)
                if presence is None
                else normalise_graph_presence(key, presence, observed_at=now)
            )
