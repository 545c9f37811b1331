"""What the user set: the app's preferences, accounts, favourites and notification rules.

Plain values; ``presence_tray.storage`` keeps them, the UI edits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.identity import Platform

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.identity import AccountRef

DEFAULT_HISTORY_RETENTION_DAYS = 30
MAX_HISTORY_RETENTION_DAYS = 3650
"""Ten years: more is surely a typing slip, and the history table would only grow."""
DEFAULT_NOTIFICATION_COOLDOWN_SECONDS = 300.0
MAX_NOTIFICATION_COOLDOWN_SECONDS = 86_400.0
"""A day: beyond that, switching the notification off says it better."""


@dataclass(frozen=True, slots=True)
class PollLimits:
    """How often one polled platform may be asked for presence (seconds)."""

    minimum: float
    default: float = 60.0
    maximum: float = 3600.0


POLL_LIMITS: Final[Mapping[Platform, PollLimits]] = MappingProxyType(
    {
        # users.getPresence is Tier 3 (about 50 calls a minute per workspace) and asks about
        # one person per call: polling more often than once a minute leaves room for only a
        # handful of people (reference/platform-apis.md, Slack rate limits).
        Platform.SLACK: PollLimits(minimum=60.0),
        # Graph answers up to 650 people per request and allows 1,500 requests per 30 s per
        # tenant; 30 s keeps one app far below that without polling for nothing.
        Platform.TEAMS: PollLimits(minimum=30.0),
        # Zoom's limits are per account and shared by every app the account uses, and each
        # person is one request: stay at a minute or more.
        Platform.ZOOM: PollLimits(minimum=60.0),
    }
)
"""The platforms whose presence is polled, with the documented bounds on how often."""


def default_poll_intervals() -> dict[Platform, float]:
    """Every polled platform at its default interval."""
    return {platform: limits.default for platform, limits in POLL_LIMITS.items()}


def poll_interval_problem(platform: Platform, seconds: float) -> str | None:
    """Why ``seconds`` cannot be ``platform``'s polling interval, or None when it can."""
    limits = POLL_LIMITS.get(platform)
    if limits is None:
        return f"{platform.display_name} is not polled, so it has no polling interval."
    name = platform.display_name
    if not limits.minimum <= seconds <= limits.maximum:
        return (
            f"{name} can be polled every {limits.minimum:g} to {limits.maximum:g} seconds; "
            f"{seconds:g} is outside that."
        )
    return None


def retention_problem(days: int) -> str | None:
    """Why ``days`` cannot be how long history is kept, or None when it can."""
    if not 1 <= days <= MAX_HISTORY_RETENTION_DAYS:
        return (
            f"History can be kept for 1 to {MAX_HISTORY_RETENTION_DAYS} days; "
            f"{days} is outside that."
        )
    return None


def cooldown_problem(seconds: float) -> str | None:
    """Why ``seconds`` cannot be the notification cooldown, or None when it can."""
    if not 0 <= seconds <= MAX_NOTIFICATION_COOLDOWN_SECONDS:
        return (
            f"The pause between notifications about one person can be 0 to "
            f"{MAX_NOTIFICATION_COOLDOWN_SECONDS / 3600:g} hours; {seconds:g} s is outside that."
        )
    return None


MAX_WINDOW_SIDE = 20_000
"""Larger than any screen: a bigger remembered window size is damage, not a choice."""


def window_size_problem(size: tuple[int, int] | None) -> str | None:
    """A sentence when a remembered window size is not two whole numbers of pixels that fit
    a screen."""
    if size is None:
        return None
    fits = len(size) == 2 and all(  # noqa: PLR2004 - width and height
        isinstance(side, int) and not isinstance(side, bool) and 0 < side <= MAX_WINDOW_SIDE
        for side in size
    )
    return None if fits else f"A window size must be two numbers of pixels, not {size!r}."


MIN_API_PORT = 1024
"""Ports below this need privileges a desktop app does not have."""
MAX_API_PORT = 65535
MAX_ALLOWED_ORIGINS = 20
_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?"
)


def api_port_problem(port: int | None) -> str | None:
    """Why ``port`` cannot be the local API's port, or None when it can (None: the default)."""
    if port is None:
        return None
    if (
        isinstance(port, bool)
        or not isinstance(port, int)
        or not (MIN_API_PORT <= port <= MAX_API_PORT)
    ):
        return f"The local API's port must be {MIN_API_PORT} to {MAX_API_PORT}, not {port!r}."
    return None


def origin_problem(origin: str) -> str | None:
    """Why ``origin`` is not a web origin the local API can allow, or None when it is one."""
    if not isinstance(origin, str) or _ORIGIN.fullmatch(origin) is None:
        return (
            f"{origin!r} is not a web origin: write it as scheme://host or scheme://host:port, "
            "e.g. http://localhost:3000, with no path."
        )
    return None


def allowed_origins_problem(origins: tuple[str, ...]) -> str | None:
    """Why ``origins`` cannot be the local API's allowed origins, or None when they can."""
    if len(origins) > MAX_ALLOWED_ORIGINS:
        return f"Allow at most {MAX_ALLOWED_ORIGINS} origins, not {len(origins)}."
    return next((problem for o in origins if (problem := origin_problem(o))), None)


@dataclass(frozen=True, slots=True)
class Preferences:
    """App-wide settings (the settings dialog edits them; each default is the one shown)."""

    aggregation_policy: AggregationPolicy = AggregationPolicy.MOST_AVAILABLE
    history_enabled: bool = True
    history_retention_days: int = DEFAULT_HISTORY_RETENTION_DAYS
    notify_favourites: bool = True
    """Notify when a favourite becomes available (unless a rule of theirs says otherwise)."""
    notification_cooldown_seconds: float = DEFAULT_NOTIFICATION_COOLDOWN_SECONDS
    """At most one notification per person this often, for favourites without a rule."""
    notification_sound: bool = True
    """Ask the desktop to play its notification sound."""
    poll_interval_seconds: Mapping[Platform, float] = field(default_factory=default_poll_intervals)
    """How often each polled platform is asked (read-only; used by the real clients)."""
    simulated_network: bool = True
    """Run the built-in simulated network (while no account is connected)."""
    contacts_window_size: tuple[int, int] | None = None
    """The contacts window's width and height as the user left them (None: the default)."""
    api_enabled: bool = True
    """Serve the local HTTP API on 127.0.0.1."""
    api_port: int | None = None
    """The local API's port (None: its default, unless the environment names one)."""
    api_allowed_origins: tuple[str, ...] = ()
    """Web origins allowed to call the local API from a browser (CORS); none by default."""

    def problems(self) -> list[str]:
        """A sentence for every value out of its bounds (empty when all are fine)."""
        found = [
            retention_problem(self.history_retention_days),
            cooldown_problem(self.notification_cooldown_seconds),
            *(
                poll_interval_problem(platform, seconds)
                for platform, seconds in self.poll_interval_seconds.items()
            ),
            window_size_problem(self.contacts_window_size),
            api_port_problem(self.api_port),
            allowed_origins_problem(self.api_allowed_origins),
        ]
        return [problem for problem in found if problem is not None]


@dataclass(frozen=True, slots=True)
class Account:
    """A connected account as the user set it up; never holds a secret (those are in the
    keyring)."""

    ref: AccountRef
    label: str
    enabled: bool = True
    settings: Mapping[str, str] = field(default_factory=dict)
    """Non-secret settings: client id, tenant, homeserver URL, ..."""
    sign_in_problem: str | None = None
    """Set when the platform refused the sign-in (the sentence for the user); the user must
    connect again. None while the sign-in works."""


class NotifyOn(StrEnum):
    """When a person's rule fires."""

    AVAILABLE = "available"
    ANY_CHANGE = "any_change"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class NotificationRule:
    """Notify me about one person: on what, once or every time, how often at most."""

    person_id: str
    on: NotifyOn
    once: bool = False
    cooldown_seconds: float = DEFAULT_NOTIFICATION_COOLDOWN_SECONDS
