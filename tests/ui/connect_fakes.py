"""A settings backend whose accounts the test sets, recording every connect and disconnect.

The Accounts tab and the Connect dialog are tested against this fake of the agreed
protocol (ui/settings/backend.py); the real service is tested in tests/test_accounts_service.py
and end to end in tests/test_connect_e2e.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth
from presence_tray.core.dnd import DndSchedule
from presence_tray.core.listeners import add_listener
from presence_tray.core.preferences import Preferences
from presence_tray.core.supervisor import AccountStatus
from presence_tray.platforms.capabilities import PLATFORM_CAPABILITIES

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from presence_tray.core.client import Capabilities
    from presence_tray.core.identity import AccountRef, Platform

CANCELLED = "Sign-in was cancelled."


@dataclass(frozen=True)
class Field:
    """A ConnectField."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    placeholder: str = ""
    default: str = ""


@dataclass(frozen=True)
class Method:
    """A ConnectMethod."""

    key: str
    title: str
    guide: str = "1. Register an app.\n2. Paste its client id here."
    fields: Sequence[Field] = ()
    opens_browser: bool = False


@dataclass(frozen=True)
class Row:
    """An AccountRow."""

    ref: AccountRef
    label: str
    state: str = "connected"
    needs_reconnect: bool = False
    simulated: bool = False


@dataclass(frozen=True)
class Outcome:
    """A ConnectOutcome."""

    ok: bool
    message: str
    account: AccountRef | None = None


@dataclass(frozen=True)
class Entry:
    """A PlatformRow."""

    platform: Platform
    capabilities: Capabilities


@dataclass(frozen=True)
class DndOff:
    """A DndState: off."""

    on: bool = False
    until: float | None = None


@dataclass
class Attempt:
    """One start_connect call; the test ends it with :meth:`finish` (or the UI cancels it)."""

    platform: Platform
    method: str
    values: Mapping[str, str]
    replacing: AccountRef | None
    on_progress: Callable[[str], None]
    on_done: Callable[[Outcome], None]
    cancelled: bool = False
    committing: bool = False
    """Saving the account: too late to cancel (as in the real service)."""
    outcome: Outcome | None = None

    def cancel(self) -> None:
        """Stop: on_done gets a sentence saying so (once); nothing once committing."""
        self.cancelled = True
        if self.outcome is None and not self.committing:
            self.finish(Outcome(ok=False, message=CANCELLED))

    def finish(self, outcome: Outcome) -> None:
        """End the attempt with ``outcome`` (exactly one on_done)."""
        assert self.outcome is None, "on_done called twice"
        self.outcome = outcome
        self.on_done(outcome)


@dataclass
class FakeAccountsBackend:
    """Every SettingsBackend method; the account ones read and record what tests set."""

    methods: dict[Platform, list[Method]] = field(default_factory=dict)
    rows: dict[Platform, list[Row]] = field(default_factory=dict)
    note: str = ""
    refuse_with: str | None = None
    """start_connect raises ValueError with this sentence."""
    attempts: list[Attempt] = field(default_factory=list)
    methods_asked: list[tuple[Platform, AccountRef | None]] = field(default_factory=list)
    disconnects: list[tuple[AccountRef, Callable[[str], None]]] = field(default_factory=list)
    preferences: Preferences = field(default_factory=Preferences)
    schedule: DndSchedule = field(default_factory=DndSchedule)
    remembers: bool = True
    simulated_network_applies_live: bool = True
    statuses: dict[AccountRef, AccountStatus] = field(default_factory=dict)
    autostart: bool = False
    api_address: str | None = None
    webhook_known: bool | None = None
    webhook_calls: list[tuple[str, Callable[[bool, str], None]]] = field(default_factory=list)
    """Each WhatsApp webhook step asked ("save", "remove"); the test calls on_done."""
    webhook_saved: list[tuple[str, str]] = field(default_factory=list)
    _problem_listeners: list[Callable[[str], None]] = field(default_factory=list)
    _listeners: list[Callable[[AccountStatus], None]] = field(default_factory=list)

    def unavailable_reason(self, platform: Platform) -> str:
        """The sentence this fake gives for a platform with no methods."""
        return f"Connecting {platform.display_name} arrives in a later version."

    def changed(self, account: AccountRef) -> None:
        """Tell subscribers something changed about ``account`` (added, removed, renewed)."""
        for listener in list(self._listeners):
            listener(AccountStatus(account, AccountHealth.LIVE))

    # -- the protocol ---------------------------------------------------------------------

    def now(self) -> float:
        """Any fixed time."""
        return 0.0

    def dnd_now(self) -> DndOff:
        """Off."""
        return DndOff()

    def platforms(self) -> list[Entry]:
        """Every platform with its real capabilities."""
        return [Entry(platform, caps) for platform, caps in PLATFORM_CAPABILITIES.items()]

    def account_status(self, account: AccountRef) -> AccountStatus | None:
        """Unknown, unless the test set one."""
        return self.statuses.get(account)

    def subscribe_accounts(self, listener: Callable[[AccountStatus], None]) -> Callable[[], None]:
        """Hear :meth:`changed`."""
        return add_listener(self._listeners, listener)

    def subscribe_problems(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Hear nothing (this fake saves nothing that could fail)."""
        return add_listener(self._problem_listeners, listener)

    def set_preferences(self, preferences: Preferences) -> None:
        """Keep them."""
        self.preferences = preferences

    def set_schedule(self, schedule: DndSchedule) -> None:
        """Keep it."""
        self.schedule = schedule

    def autostart_enabled(self) -> bool:
        """As last set."""
        return self.autostart

    def set_autostart(self, *, enabled: bool) -> str | None:
        """Keep it."""
        self.autostart = enabled
        return None

    def connect_methods(
        self, platform: Platform, *, account: AccountRef | None = None
    ) -> list[Method]:
        """What the test set for ``platform`` (recording who asked)."""
        self.methods_asked.append((platform, account))
        return self.methods.get(platform, [])

    def connect_unavailable_reason(self, platform: Platform) -> str:
        """See :meth:`unavailable_reason`."""
        return self.unavailable_reason(platform)

    def account_rows(self, platform: Platform) -> list[Row]:
        """What the test set for ``platform``."""
        return list(self.rows.get(platform, []))

    def sign_in_server_note(self) -> str:
        """What the test set."""
        return self.note

    def start_connect(
        self,
        platform: Platform,
        method: str,
        values: Mapping[str, str],
        *,
        replacing: AccountRef | None,
        on_progress: Callable[[str], None],
        on_done: Callable[[Outcome], None],
    ) -> Attempt:
        """Refuse with ``refuse_with``, or record an attempt the test finishes."""
        if self.refuse_with is not None:
            raise ValueError(self.refuse_with)
        attempt = Attempt(platform, method, dict(values), replacing, on_progress, on_done)
        self.attempts.append(attempt)
        return attempt

    def start_disconnect(self, account: AccountRef, *, on_done: Callable[[str], None]) -> None:
        """Record it; the test calls ``on_done``."""
        self.disconnects.append((account, on_done))

    def local_api_address(self) -> str | None:
        """What the test set (None: the local API is off)."""
        return self.api_address

    def whatsapp_webhook_saved(self) -> bool | None:
        """What the test set."""
        return self.webhook_known

    def start_whatsapp_webhook_save(
        self, verify_token: str, app_secret: str, *, on_done: Callable[[bool, str], None]
    ) -> None:
        """Refuse empty values as the real service does; record the rest."""
        if not verify_token or not app_secret:
            msg = "Enter both."
            raise ValueError(msg)
        self.webhook_saved.append((verify_token, app_secret))
        self.webhook_calls.append(("save", on_done))

    def start_whatsapp_webhook_removal(self, *, on_done: Callable[[bool, str], None]) -> None:
        """Record it; the test answers."""
        self.webhook_calls.append(("remove", on_done))
