"""What the polled clients (Slack, Teams, Zoom) share: their account, who to ask about next,
what they have spent of their platform's limits, and their contact list kept up to date."""

from __future__ import annotations

import logging
from contextlib import aclosing
from typing import TYPE_CHECKING, Final, NamedTuple

from presence_tray.core.polling import PollRota

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Sequence

    from presence_tray.core.client import Capabilities, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef, Identity, IdentityKey
    from presence_tray.core.polling import BudgetUsage, CallBudget

    ContactPages = Callable[[], AsyncGenerator["ContactPage", None]]
    """Reads an account's whole contact list, one page (one call) at a time."""

_log = logging.getLogger(__name__)

CONTACTS_REFRESH_SECONDS: Final = 600.0
"""How often a polled account's contact list is read again, for people who joined or left
(and, on Slack, everyone's custom status): a few pages every ten minutes."""


class ContactPage(NamedTuple):
    """One call's worth of an account's contact list."""

    identities: Sequence[Identity]
    last: bool
    """No page follows (the list may also end without one saying so)."""


class PolledClientBase:
    """The account, capabilities, poll rota and call budgets of one polled client."""

    def __init__(
        self,
        account: AccountRef,
        *,
        capabilities: Capabilities,
        poll_interval: float,
        is_priority: Callable[[IdentityKey], bool],
        budgets: Sequence[CallBudget],
    ) -> None:
        """A client of ``account`` asking each person at most every ``poll_interval`` s,
        ``is_priority`` ones first, within ``budgets`` (every limit it spends)."""
        self._account = account
        self._capabilities = capabilities
        self._rota = PollRota(poll_interval, is_priority)
        self._budgets = tuple(budgets)

    @property
    def account(self) -> AccountRef:
        """The account this client serves."""
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        """What this client can do."""
        return self._capabilities

    @property
    def calls_made(self) -> int:
        """Calls spent on the platform's API so far, over every budget."""
        return sum(budget.calls_made for budget in self._budgets)

    @property
    def times_rate_limited(self) -> int:
        """How often the platform asked to slow down (a 429 with ``Retry-After``)."""
        return sum(budget.times_held for budget in self._budgets)

    def budget_usage(self) -> tuple[BudgetUsage, ...]:
        """Each of the platform's limits this client spends: calls spent and left now."""
        return tuple(budget.usage() for budget in self._budgets)

    def set_poll_interval(self, seconds: float) -> None:
        """Ask about each person at most every ``seconds`` (the platform's polling setting)."""
        self._rota.set_interval(seconds)


class ContactList:
    """One polled account's contact list: read whole when the client starts, then again
    every :data:`CONTACTS_REFRESH_SECONDS`, one page per turn of the poll loop.

    Page by page, a re-read never holds presence polling up for more than one call, however
    long the list: favourites stay as fresh as ever. Each complete listing becomes the
    account's contacts (:meth:`~presence_tray.core.client.PresenceSink.replace_contacts`:
    joiners added, leavers removed) and the poll rota's members; a listing cut short by a
    failure changes nothing and starts again from its first page at the next turn.
    """

    def __init__(
        self,
        pages: ContactPages,
        rota: PollRota,
        clock: Clock,
        *,
        every: float = CONTACTS_REFRESH_SECONDS,
    ) -> None:
        """A contact list read through ``pages``, kept as ``rota``'s members, read again
        ``every`` seconds of ``clock`` after the last complete listing."""
        self._pages = pages
        self._rota = rota
        self._clock = clock
        self._every = every
        self._read_at = -float("inf")
        self._reading: AsyncGenerator[ContactPage, None] | None = None
        self._listed: list[Identity] = []

    async def read(self, sink: PresenceSink) -> list[Identity]:
        """Read every page now and apply the listing; returns it."""
        listed: list[Identity] = []
        async with aclosing(self._pages()) as pages:
            async for page in pages:
                listed.extend(page.identities)
                if page.last:
                    break
        self._apply(sink, listed)
        return listed

    async def read_page_if_due(self, sink: PresenceSink) -> None:
        """Read the next page of a re-read that is due or under way (nothing otherwise);
        after the last page, apply the listing. Errors are the pages' own, raised."""
        if self._reading is None:
            if self._clock.now() - self._read_at < self._every:
                return
            self._reading, self._listed = self._pages(), []
        reading = self._reading
        try:
            page = await anext(reading)
        except StopAsyncIteration:
            page = ContactPage((), last=True)
        except Exception:
            self._reading = None
            await reading.aclose()
            raise
        self._listed.extend(page.identities)
        if page.last:
            self._reading = None
            await reading.aclose()
            self._apply(sink, self._listed)

    def _apply(self, sink: PresenceSink, listed: list[Identity]) -> None:
        self._read_at = self._clock.now()
        sink.replace_contacts(listed)
        before = len(self._rota)
        self._rota.replace_members(identity.key for identity in listed)
        _log.debug("contact list read: %d contacts (%d before)", len(self._rota), before)
