"""The Zoom client: company and external contacts, their presence polled within Zoom's limits,
my status.

Zoom pushes presence only to a public HTTPS webhook, which a desktop app does not have, so
the client asks (platform-apis.md §4):

1. ``GET /users/me`` says who the user is;
2. ``GET /chat/users/me/contacts?type=company`` lists their company contacts, 50 a page, the
   user left out, and again every ten minutes, a page per poll (people who joined are added,
   people who left removed; :class:`~presence_tray.platforms.polled.ContactList`), then
   ``type=external`` the same way: the people outside the organisation the user added
   (:mod:`.external`: keyed by member id, unknown when Zoom does not share their status, a
   refused listing a sentence on the account that leaves the company contacts working);
3. ``GET /chat/users/me/contacts/{id}?query_presence_status=true`` reads one contact's
   ``presence_status`` (an external contact's by member id), person by person, favourites
   first (:class:`PollRota`), within the account's Medium budget; a contact Zoom will not show
   (404, 403) is published as unknown;
4. ``PUT /users/me/presence_status`` sets the user's own status (:mod:`.own_status`), at most
   once a minute: a second change within the minute is refused with the seconds left.
"""

from __future__ import annotations

import json
import logging
from contextlib import aclosing
from functools import partial
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from presence_tray.core.errors import RateLimitedError, TransientError
from presence_tray.core.polling import poll_until_cancelled
from presence_tray.core.presence import PresenceSource
from presence_tray.platforms.http import REQUEST_TIMEOUT_SECONDS, PlatformHttp
from presence_tray.platforms.polled import ContactList, ContactPage, PolledClientBase
from presence_tray.platforms.vocabulary import unknown_presence
from presence_tray.platforms.wire import get_list, get_str, get_value
from presence_tray.platforms.zoom import CAPABILITIES, POLL_INTERVAL_SECONDS
from presence_tray.platforms.zoom.contacts import (
    CONTACT_TYPE,
    PAGE_SIZE,
    Me,
    contact_identity,
    zoom_reason,
)
from presence_tray.platforms.zoom.endpoints import PRO_LIMITS, ZoomEndpoints
from presence_tray.platforms.zoom.external import (
    EXTERNAL_TYPE,
    NOT_SHARED,
    NoticeSink,
    contact_identifier,
    external_identity,
    is_external,
    listing_refused,
)
from presence_tray.platforms.zoom.normalise import normalise_zoom_presence
from presence_tray.platforms.zoom.own_status import (
    UPDATE_INTERVAL_SECONDS,
    refusal,
    update_body,
)

if TYPE_CHECKING:
    import random
    from collections.abc import AsyncGenerator, Callable, Sequence

    import httpx

    from presence_tray.core.client import OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef, Identity, IdentityKey
    from presence_tray.platforms.http import AuthorizedCaller
    from presence_tray.platforms.zoom.endpoints import ZoomLimits

_log = logging.getLogger(__name__)

API_BASE_URL: Final = "https://api.zoom.us/v2/"
PLATFORM_NAME: Final = "Zoom"
BATCH_SIZE: Final = 10
"""Contacts read per turn of the poll loop (one request each), at most: never more than the
budget allows in one window, so a batch takes a second at most and a favourite's turn is not
held up behind a long batch."""
MAX_CONTACT_PAGES: Final = 1000
"""A contact list longer than this many pages (50,000 people) is cut off there."""
_HTTP_OK_BELOW: Final = 300
_NOT_SHOWN: Final = frozenset({400, 403, 404})
"""Answers about one contact that mean Zoom will not tell us about that person."""


class _ListingRefused(Exception):  # noqa: N818 - a refusal, not a failure of ours
    """Zoom answered a contact listing with a 4xx (other than 401 and 429)."""

    def __init__(self, status: int, body: object) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class ZoomClient(PolledClientBase):
    """One Zoom account: polled presence of its company and external contacts, and my own
    status."""

    def __init__(  # noqa: PLR0913 - the polled-client contract's parameters
        self,
        account: AccountRef,
        *,
        tokens: AuthorizedCaller,
        clock: Clock,
        is_priority: Callable[[IdentityKey], bool] = lambda _key: False,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        base_url: str = API_BASE_URL,
        limits: ZoomLimits = PRO_LIMITS,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        """A client for ``account`` calling ``base_url`` (``.../v2/``) within ``limits``;
        ``transport`` is for tests only."""
        self._clock = clock
        self._rng = rng
        self._endpoints = ZoomEndpoints.within(limits, clock)
        super().__init__(
            account,
            capabilities=CAPABILITIES,
            poll_interval=poll_interval,
            is_priority=is_priority,
            budgets=self._endpoints.budgets,
        )
        self._http = PlatformHttp(
            platform_name=PLATFORM_NAME,
            base_url=base_url,
            tokens=tokens,
            clock=clock,
            transport=transport,
            timeout=timeout,
        )
        self._last_status_update: float | None = None
        self._externals: list[Identity] = []
        """The external contacts of the last complete external listing."""

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def run(self, sink: PresenceSink) -> None:
        """Import the contacts, then poll their presence until cancelled."""
        me = Me.read(await self._http.get_json(self._endpoints.me, "users/me"))
        sink = NoticeSink(sink)
        contacts = ContactList(partial(self._contact_pages, me, sink), self._rota, self._clock)
        listed = await contacts.read(sink)
        _log.info("%s: %d Zoom contacts", self._account, len(listed))
        sink.report_live()
        await poll_until_cancelled(
            self._rota,
            partial(self._read_presences, sink),
            batch_size=min(BATCH_SIZE, self._endpoints.contact.budget.calls_per_window),
            clock=self._clock,
            sink=sink,
            platform_name=PLATFORM_NAME,
            budget=self._endpoints.contact.budget,
            rng=self._rng,
            each_turn=partial(contacts.read_page_if_due, sink),
        )

    async def set_own_status(self, status: OwnStatus) -> None:
        """Set my Zoom status (see :mod:`.own_status`); raise a core error kind on failure."""
        now = self._clock.now()
        body = update_body(status, now)
        if self._last_status_update is not None:
            wait = self._last_status_update + UPDATE_INTERVAL_SECONDS - now
            if wait > 0:
                msg = "Zoom takes one status change a minute"
                raise RateLimitedError(msg, retry_after=wait)
        endpoint = self._endpoints.status_update
        response = await self._http.request(
            endpoint, "PUT", "users/me/presence_status", json_body=body
        )
        if response.status_code >= _HTTP_OK_BELOW:
            answer = self._http.read_json(endpoint, response) if response.content else {}
            raise refusal(response, answer, body["status"])
        self._last_status_update = self._clock.now()

    async def _contact_pages(
        self, me: Me, notices: NoticeSink
    ) -> AsyncGenerator[ContactPage, None]:
        """The company contacts, then the external ones, but me: one page (one call) at a
        time. A refused company listing is transient; a refused external one keeps the
        external contacts last listed and puts its sentence on the account."""
        try:
            async with aclosing(self._pages_of(CONTACT_TYPE, contact_identity, me)) as company:
                async for page in company:
                    yield page._replace(last=False)
        except _ListingRefused as refusal:
            msg = f"Zoom did not list your contacts ({zoom_reason(refusal.status, refusal.body)})."
            raise TransientError(msg) from None
        listed: list[Identity] = []
        try:
            async with aclosing(self._pages_of(EXTERNAL_TYPE, external_identity, me)) as external:
                async for page in external:
                    listed.extend(page.identities)
                    if page.last:  # the listing is applied, and this generator closed, at once
                        self._externals, notices.notice = listed, None
                    yield page
        except _ListingRefused as refusal:
            notices.notice = listing_refused(refusal.status, refusal.body)
            _log.info(
                "%s: Zoom refused the external contacts (HTTP %d)", self._account, refusal.status
            )
            seen = {identity.key for identity in listed}
            kept = [identity for identity in self._externals if identity.key not in seen]
            yield ContactPage(kept, last=True)

    async def _pages_of(
        self, contact_type: str, identity: Callable[[AccountRef, object], Identity | None], me: Me
    ) -> AsyncGenerator[ContactPage, None]:
        """The contacts of ``contact_type`` but me, as ``identity`` reads them, a page at a
        time; _ListingRefused when Zoom answers with a 4xx."""
        endpoint = self._endpoints.contacts
        seen_tokens: set[str] = set()
        params = {"type": contact_type, "page_size": str(PAGE_SIZE)}
        for _ in range(MAX_CONTACT_PAGES):
            response = await self._http.request(
                endpoint, "GET", "chat/users/me/contacts", params=params
            )
            if response.status_code >= _HTTP_OK_BELOW:
                raise _ListingRefused(response.status_code, _error_body(response))
            answer = self._http.read_json(endpoint, response)
            next_token = get_str(answer, "next_page_token")
            if next_token in seen_tokens:
                next_token = None  # a loop, not people
            identities = [
                person
                for contact in get_list(answer, "contacts") or []
                if (person := identity(self._account, contact)) is not None and not me.is_me(person)
            ]
            yield ContactPage(identities, last=not next_token)
            if not next_token:
                return
            seen_tokens.add(next_token)
            params = {**params, "next_page_token": next_token}

    async def _read_presences(self, sink: PresenceSink, keys: Sequence[IdentityKey]) -> None:
        endpoint = self._endpoints.contact
        for key in keys:
            response = await self._http.request(
                endpoint,
                "GET",
                f"chat/users/me/contacts/{quote(contact_identifier(key), safe='')}",
                params={"query_presence_status": "true"},
            )
            observed_at = self._clock.now()
            note = NOT_SHARED if is_external(key) else None
            if response.status_code in _NOT_SHOWN:
                _log.info(
                    "%s: Zoom shows no presence for a contact (HTTP %d)",
                    self._account,
                    response.status_code,
                )
                sink.publish(unknown_presence(key, observed_at, PresenceSource.POLL, note=note))
                continue
            body = self._http.read_json(endpoint, response)
            if note is not None and get_value(body, "presence_status") is None:
                sink.publish(unknown_presence(key, observed_at, PresenceSource.POLL, note=note))
                continue
            sink.publish(normalise_zoom_presence(key, body, observed_at=observed_at))


def _error_body(response: httpx.Response) -> object:
    """Zoom's ``{code, message}`` from a refusal; None when it sent something else (a proxy's
    page): the refusal stands either way."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


__all__ = ["API_BASE_URL", "ZoomClient"]
