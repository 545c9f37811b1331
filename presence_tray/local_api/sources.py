"""What the local API reads and changes, as the wiring layer hands it over (no aiohttp here:
the app imports this before it knows whether the API is switched on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.polling import BudgetUsage
    from presence_tray.core.reports import Keyring
    from presence_tray.core.supervisor import ClientSupervisor


def _no_budgets() -> Mapping[AccountRef, Sequence[BudgetUsage]]:
    return {}


def _no_sections() -> Mapping[str, object]:
    return {}


@dataclass(frozen=True, slots=True)
class ApiSources:
    """What the API reads and changes; the wiring layer passes each in."""

    hub: PresenceHub
    supervisor: ClientSupervisor
    clock: Clock
    keyring: Callable[[], Awaitable[Keyring]]
    """The keyring's backend and problem, for the statistics."""
    call_budgets: Callable[[], Mapping[AccountRef, Sequence[BudgetUsage]]] = field(
        default=_no_budgets
    )
    """The polled accounts' API calls spent and left (none while the simulated network runs)."""
    extra_statistics: Callable[[], Mapping[str, object]] = field(default=_no_sections)
    """More statistics sections from other parts (the webhooks'), each under its own key."""
