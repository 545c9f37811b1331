"""What the settings dialog needs from the app: plain values in, changes out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from presence_tray.core.client import Capabilities
    from presence_tray.core.dnd import DndSchedule
    from presence_tray.core.identity import AccountRef, Platform
    from presence_tray.core.preferences import Preferences
    from presence_tray.core.supervisor import AccountStatus
    from presence_tray.ui.settings.webhooks_tab import WebhookActions


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


class ConnectField(Protocol):
    """One input the user fills in to connect an account."""

    @property
    def name(self) -> str:
        """The value's key in ``start_connect``'s values ("client_id", "bot_token", ...)."""
        ...

    @property
    def label(self) -> str:
        """What the field is called on screen ("Client ID")."""
        ...

    @property
    def secret(self) -> bool:
        """Shown as dots, never logged, never saved to SQLite."""
        ...

    @property
    def required(self) -> bool:
        """Connecting needs a value here."""
        ...

    @property
    def placeholder(self) -> str:
        """A hint shown in the empty field ("" if none)."""
        ...

    @property
    def default(self) -> str:
        """The prefilled value ("" if none); for Reconnect, the account's saved setting."""
        ...


class ConnectMethod(Protocol):
    """One way to connect a platform (sign in in the browser, a bot token, ...)."""

    @property
    def key(self) -> str:
        """Which method, for ``start_connect`` ("oauth", "bot_token", ...)."""
        ...

    @property
    def title(self) -> str:
        """The method's name on screen ("Sign in with Slack in your browser")."""
        ...

    @property
    def guide(self) -> str:
        """Plain text, a few numbered steps: what to register or copy, and what it cannot do."""
        ...

    @property
    def fields(self) -> Sequence[ConnectField]:
        """The inputs, in order."""
        ...

    @property
    def opens_browser(self) -> bool:
        """The method signs in in the system browser (the dialog says it waits for it)."""
        ...


class AccountRow(Protocol):
    """One saved account on a platform."""

    @property
    def ref(self) -> AccountRef:
        """Which account."""
        ...

    @property
    def label(self) -> str:
        """Who signed in ("alice@example.com · Acme"), or the simulated account's label."""
        ...

    @property
    def state(self) -> str:
        """The sentence the State column shows ("connected", "needs reconnecting: ...")."""
        ...

    @property
    def needs_reconnect(self) -> bool:
        """The account's sign-in must be renewed (the row offers Reconnect)."""
        ...

    @property
    def simulated(self) -> bool:
        """The built-in simulated account: nothing to disconnect or reconnect."""
        ...


class ConnectOutcome(Protocol):
    """How a connect attempt ended."""

    @property
    def ok(self) -> bool:
        """The account is connected."""
        ...

    @property
    def message(self) -> str:
        """ "Connected to Slack as alice@example.com.", or what went wrong, as a sentence."""
        ...

    @property
    def account(self) -> AccountRef | None:
        """The account connected, when ``ok``."""
        ...


class ConnectAttempt(Protocol):
    """A running connect attempt."""

    def cancel(self) -> None:
        """Stop it; its ``on_done`` then gets an outcome that is not ok."""
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

    def connect_methods(
        self, platform: Platform, *, account: AccountRef | None = None
    ) -> Sequence[ConnectMethod]:
        """The ways to connect ``platform``; empty when this version cannot connect it.

        For Reconnect, ``account`` is the account being renewed: the fields' defaults are its
        saved settings (client id, tenant, homeserver...), never a secret.
        """
        ...

    def connect_unavailable_reason(self, platform: Platform) -> str:
        """Why ``platform`` cannot be connected in this version (when it has no methods)."""
        ...

    def account_rows(self, platform: Platform) -> Sequence[AccountRow]:
        """The accounts saved on ``platform``, side by side."""
        ...

    def sign_in_server_note(self) -> str:
        """ "Sign-in goes to the test server at ..." when the test seam is on, else ""."""
        ...

    def start_connect(
        self,
        platform: Platform,
        method: str,
        values: Mapping[str, str],
        *,
        replacing: AccountRef | None,
        on_progress: Callable[[str], None],
        on_done: Callable[[ConnectOutcome], None],
    ) -> ConnectAttempt:
        """Start connecting ``platform`` by ``method`` with the typed ``values``.

        Raises ValueError (a sentence) at once for bad values; otherwise runs on the event
        loop, reports sentences to ``on_progress`` and calls ``on_done`` exactly once.
        ``replacing`` is the account being reconnected, if any.
        """
        ...

    def start_disconnect(self, account: AccountRef, *, on_done: Callable[[str], None]) -> None:
        """Sign out of ``account`` and forget its tokens; ``on_done`` gets the sentence."""
        ...

    def webhooks(self) -> WebhookActions | None:
        """The outgoing webhooks (None: not available in this run)."""
        ...

    def local_api_address(self) -> str | None:
        """The local API's address (``http://127.0.0.1:<port>``), or None when it is off."""
        ...

    def whatsapp_webhook_saved(self) -> bool | None:
        """Whether the WhatsApp webhook's secrets are saved, as far as this run knows without
        asking the keyring (None: not asked yet; opening the settings never prompts for it)."""
        ...

    def start_whatsapp_webhook_save(
        self, verify_token: str, app_secret: str, *, on_done: Callable[[bool, str], None]
    ) -> None:
        """Keep both secrets in the keyring and the webhook as an account (listed in
        :meth:`account_rows`). Raises ValueError (a sentence) at once for a value that cannot
        be right; otherwise ``on_done`` gets (saved now, a sentence)."""
        ...

    def start_whatsapp_webhook_removal(self, *, on_done: Callable[[bool, str], None]) -> None:
        """Delete the webhook's account and forget both secrets; ``on_done`` gets (still
        saved, a sentence)."""
        ...
