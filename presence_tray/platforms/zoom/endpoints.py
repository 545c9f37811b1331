"""The calls the Zoom client makes and the documented limits they spend.

Zoom limits requests per account, shared by every app the account uses, by plan and by the
label each API carries (platform-apis.md §4.5): on the Pro plan 30 Light and 20 Medium
requests a second. ``GET /users/me`` is Light; listing contacts and reading one contact (with
its presence) are Medium, as Zoom's API pages label them; ``PUT /users/me/presence_status`` is
Medium too (§4.4), so it shares that budget. The budgets keep the usual headroom, which leaves
room for the other apps of the account and for the user setting their status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.polling import CallBudget, RateLimit
from presence_tray.platforms.http import Endpoint

if TYPE_CHECKING:
    from presence_tray.core.clock import Clock


@dataclass(frozen=True, slots=True)
class ZoomLimits:
    """An account's per-second limits for the labels the client uses."""

    light: RateLimit
    medium: RateLimit


PRO_LIMITS = ZoomLimits(light=RateLimit(30, 1.0), medium=RateLimit(20, 1.0))
"""The Pro plan (§4.5): Light 30/s, Medium 20/s. Business and up allow 80/60 a second, so
this is safe there too; the Free plan (4/2 a second) needs :data:`FREE_LIMITS`."""
FREE_LIMITS = ZoomLimits(light=RateLimit(4, 1.0), medium=RateLimit(2, 1.0))
"""The Free plan (§4.5): Light 4/s, Medium 2/s (its daily caps are not modelled)."""


@dataclass(frozen=True, slots=True)
class ZoomEndpoints:
    """One client's endpoints; those under one label share one budget."""

    me: Endpoint
    contacts: Endpoint
    contact: Endpoint
    status_update: Endpoint
    budgets: tuple[CallBudget, ...]

    @classmethod
    def within(cls, limits: ZoomLimits, clock: Clock) -> ZoomEndpoints:
        """The endpoints, spending budgets for ``limits`` on ``clock``."""
        light = CallBudget(limits.light, clock, name="Light")
        medium = CallBudget(limits.medium, clock, name="Medium")
        return cls(
            me=Endpoint("users/me", light),
            contacts=Endpoint("the contact list", medium),
            contact=Endpoint("a contact's presence", medium),
            status_update=Endpoint("presence_status", medium),
            budgets=(light, medium),
        )
