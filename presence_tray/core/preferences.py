"""What the user set: the app's preferences, accounts, favourites and notification rules.

Plain values; ``presence_tray.storage`` keeps them, the UI edits them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from presence_tray.core.aggregation import AggregationPolicy

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.identity import AccountRef

DEFAULT_HISTORY_RETENTION_DAYS = 30
DEFAULT_NOTIFICATION_COOLDOWN_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Preferences:
    """App-wide settings."""

    aggregation_policy: AggregationPolicy = AggregationPolicy.MOST_AVAILABLE
    history_enabled: bool = True
    history_retention_days: int = DEFAULT_HISTORY_RETENTION_DAYS


@dataclass(frozen=True, slots=True)
class Account:
    """A connected account as the user set it up; never holds a secret (those are in the
    keyring)."""

    ref: AccountRef
    label: str
    enabled: bool = True
    settings: Mapping[str, str] = field(default_factory=dict)
    """Non-secret settings: client id, tenant, homeserver URL, ..."""


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
