"""What the settings dialog needs from the app: plain values in, changes out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from presence_tray.core.client import Capabilities
    from presence_tray.core.dnd import DndSchedule
    from presence_tray.core.identity import AccountRef, Platform
    from presence_tray.core.preferences import Preferences
    from presence_tray.core.supervisor import AccountStatus


class PlatformRow(Protocol):
    """One platform in the Accounts tab."""

    @property
    def platform(self) -> Platform:
        """Which platform."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What it lets an app do."""
        ...

    @property
    def account(self) -> AccountRef | None:
        """The account running on it, if any."""
        ...

    @property
    def label(self) -> str:
        """The account's label ("Slack (simulated)"), or "Not connected"."""
        ...


class DndState(Protocol):
    """Whether do-not-disturb is on now, and until when (None: until turned off)."""

    @property
    def on(self) -> bool:
        """DND is on."""
        ...

    @property
    def until(self) -> float | None:
        """When it ends, if it ends by itself."""
        ...


class SettingsBackend(Protocol):
    """Applies and saves changes; every setter raises ValueError (a sentence) for a bad value."""

    @property
    def remembers(self) -> bool:
        """Whether changes are saved (False: no database this run)."""
        ...

    @property
    def preferences(self) -> Preferences:
        """The preferences in force."""
        ...

    @property
    def schedule(self) -> DndSchedule:
        """The do-not-disturb schedule in force."""
        ...

    @property
    def simulated_network_applies_live(self) -> bool:
        """Whether switching the simulated network takes effect at once."""
        ...

    def now(self) -> float:
        """The app's clock."""
        ...

    def dnd_now(self) -> DndState:
        """Whether do-not-disturb is on now, and until when."""
        ...

    def platforms(self) -> Sequence[PlatformRow]:
        """Every platform with what it can do."""
        ...

    def account_status(self, account: AccountRef) -> AccountStatus | None:
        """An account's last known status."""
        ...

    def subscribe_accounts(self, listener: Callable[[AccountStatus], None]) -> Callable[[], None]:
        """Hear of account status changes; returns the unsubscriber."""
        ...

    def subscribe_problems(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Hear a sentence when a change could not be saved; returns the unsubscriber."""
        ...

    def set_preferences(self, preferences: Preferences) -> None:
        """Apply and save ``preferences``."""
        ...

    def set_schedule(self, schedule: DndSchedule) -> None:
        """Apply and save ``schedule``."""
        ...

    def autostart_enabled(self) -> bool:
        """Whether the app starts at login."""
        ...

    def set_autostart(self, *, enabled: bool) -> str | None:
        """Start at login on or off; a sentence when that failed."""
        ...
