"""What the polled clients (Slack, Teams, Zoom) share: their account, who to ask about next,
and what they have spent of their platform's limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.polling import PollRota

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from presence_tray.core.client import Capabilities
    from presence_tray.core.identity import AccountRef, IdentityKey
    from presence_tray.core.polling import BudgetUsage, CallBudget


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
