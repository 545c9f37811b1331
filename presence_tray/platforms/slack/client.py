"""One Slack account's client: contacts, presence polled within Slack's limits, my status.

Slack pushes presence to no app that can still be made, so the client polls (reference
§2.2): it asks ``auth.test`` who the account is, lists the workspace with ``users.list``
(every page), then asks ``users.getPresence`` about one person at a time, favourites first,
everyone at most once per polling interval, and spends no more than Slack's documented limits
(:mod:`.web_api`). DND comes fifty people per call (:mod:`.presence`); the custom status and
huddles come from the profiles of a fresh ``users.list`` every ten minutes, a page per poll
(:class:`~presence_tray.platforms.polled.ContactList`), which also adds people who joined and
removes people who left or were deactivated.
"""

from __future__ import annotations

import random
from functools import partial
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import TransientError
from presence_tray.core.polling import poll_until_cancelled
from presence_tray.platforms.http import REQUEST_TIMEOUT_SECONDS
from presence_tray.platforms.polled import (
    CONTACTS_REFRESH_SECONDS,
    ContactList,
    ContactPage,
    PolledClientBase,
)
from presence_tray.platforms.slack import CAPABILITIES, POLL_INTERVAL_SECONDS
from presence_tray.platforms.slack.contacts import contact_pages
from presence_tray.platforms.slack.own_status import set_slack_status
from presence_tray.platforms.slack.presence import SlackPresenceReader
from presence_tray.platforms.slack.web_api import PLATFORM_NAME, SLACK_API_BASE, SlackWebApi
from presence_tray.platforms.wire import get_str

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Mapping

    import httpx

    from presence_tray.core.client import OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef, IdentityKey
    from presence_tray.platforms.http import AuthorizedCaller

PROFILE_REFRESH_SECONDS: Final = CONTACTS_REFRESH_SECONDS
"""How often ``users.list`` is read again for custom statuses, joiners and leavers: a few
pages every ten minutes is far inside its Tier 2 limit."""
PRESENCE_BATCH_SIZE: Final = 1
"""``users.getPresence`` takes one person, so the rota is asked for one at a time: a
favourite who becomes due waits behind nobody."""


class SlackClient(PolledClientBase):
    """Presence of one Slack account's workspace, polled; and my own status there."""

    def __init__(  # noqa: PLR0913 - keyword-only seams, each with a default
        self,
        account: AccountRef,
        *,
        tokens: AuthorizedCaller,
        clock: Clock,
        is_priority: Callable[[IdentityKey], bool] = lambda _key: False,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        base_url: str = SLACK_API_BASE,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        """A client for ``account`` calling ``base_url`` with ``tokens`` (a TokenHolder).

        ``is_priority`` tells who to keep freshest (favourites, people in view);
        ``transport`` and ``timeout`` (seconds per request) are for tests.
        """
        self._clock = clock
        self._rng = rng or random.Random()
        self._api = SlackWebApi(
            tokens=tokens, clock=clock, base_url=base_url, transport=transport, timeout=timeout
        )
        super().__init__(
            account,
            capabilities=CAPABILITIES,
            poll_interval=poll_interval,
            is_priority=is_priority,
            budgets=self._api.budgets,
        )
        self._reader = SlackPresenceReader(self._api, clock, dnd_max_age=poll_interval)

    def set_poll_interval(self, seconds: float) -> None:
        """Ask about each person at most every ``seconds`` (the Slack polling setting); DND
        is read as often."""
        super().set_poll_interval(seconds)
        self._reader.dnd_max_age = seconds

    async def run(self, sink: PresenceSink) -> None:
        """List the workspace, then poll presence into ``sink`` until cancelled."""
        me = await self._who_am_i()
        contacts = ContactList(partial(self._contact_pages, me), self._rota, self._clock)
        await contacts.read(sink)
        sink.report_live()
        await poll_until_cancelled(
            self._rota,
            partial(self._reader.fetch, sink=sink),
            batch_size=PRESENCE_BATCH_SIZE,
            clock=self._clock,
            sink=sink,
            platform_name=PLATFORM_NAME,
            budget=self._api.endpoints["users.getPresence"].budget,
            rng=self._rng,
            each_turn=partial(contacts.read_page_if_due, sink),
        )

    async def set_own_status(self, status: OwnStatus) -> None:
        """Set my presence, DND and custom status on Slack (see :mod:`.own_status`)."""
        await set_slack_status(self._api, status, now=self._clock.now())

    async def aclose(self) -> None:
        """Close the connections."""
        await self._api.aclose()

    async def _who_am_i(self) -> str:
        answer = await self._api.read("auth.test")
        user_id = get_str(answer, "user_id")
        if not user_id:
            msg = "Slack did not say who the signed-in account is (auth.test)."
            raise TransientError(msg)
        return user_id

    async def _contact_pages(self, me: str) -> AsyncGenerator[ContactPage, None]:
        """The workspace's people, a page at a time; once the last page is read, their
        profiles are the ones custom statuses and huddles come from."""
        profiles: dict[IdentityKey, Mapping[str, object]] = {}
        async for contacts, last in contact_pages(self._api, self._account, me):
            profiles.update((contact.identity.key, contact.profile) for contact in contacts)
            if last:
                self._reader.set_people(profiles)
            yield ContactPage([contact.identity for contact in contacts], last=last)
        self._reader.set_people(profiles)  # a listing cut off after its most pages
