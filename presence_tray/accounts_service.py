"""Connect, Reconnect and Disconnect behind the settings dialog: the saved accounts and their
secrets, with no Qt.

:class:`AccountsService` holds the accounts the user connected (rows of the accounts table:
label, non-secret settings, a sign-in problem) and reaches the keyring through a
:class:`SecretStore`. A connect runs on the event loop: the OAuth platforms sign in in the
browser (:class:`SignInFlow`), then one call asks the platform who signed in, which names the
account (the same person connecting again renews that account; another person or workspace
becomes a second one); the token methods (Discord bot, Matrix, XMPP) check what the user typed
with the platform once. Secrets go to the keyring only, the account row to SQLite, and the
dialog hears sentences. When a :class:`TokenHolder` this service made gives up (the platform
no longer accepts the sign-in), the sentence is kept with the account (it survives a restart)
and the row says it needs reconnecting until a Reconnect succeeds.

An account's state says what reads it (``account_clients.reader_of``) and from when, instead
of "connected". Besides Connect, a platform set up in a panel of its own (the WhatsApp
webhook) saves and removes its account here too (:meth:`AccountsService.save_account`,
:meth:`AccountsService.remove_account`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import webbrowser
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from presence_tray.accounts.attempts import ConnectAttempt, ConnectOutcome, checked_ref
from presence_tray.accounts.checks import TOKEN_CHECKS
from presence_tray.accounts.descriptions import (
    MICROSOFT_DEFAULT_TENANT,
    SIGN_IN_DESCRIPTIONS,
    SIGN_IN_SERVER_VARIABLE,
)
from presence_tray.accounts.methods import (
    OAUTH,
    UNAVAILABLE,
    ConnectMethod,
    check_values,
    methods_for,
)
from presence_tray.accounts.rows import (
    METHOD_SETTING,
    AccountRow,
    Reading,
    account_row,
    account_state,
    connected_with,
    reading_sentence,
)
from presence_tray.core.client import AccountHealth
from presence_tray.core.errors import PresenceError
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.listeners import add_listener
from presence_tray.core.preferences import Account
from presence_tray.core.secrets import SLACK_APP_TOKEN, delete_every_secret
from presence_tray.core.supervisor import AccountStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence

    from presence_tray.accounts.endpoints import OAuthEndpoints
    from presence_tray.accounts.tokens import TokenHolder
    from presence_tray.core.secrets import SecretStore
    from presence_tray.core.supervisor import StatusListener
    from presence_tray.storage.local_store import LocalStore
    from presence_tray.storage.repositories import AccountsRepository


_log = logging.getLogger(__name__)

NO_DATABASE_PHRASE: Final = "the database could not be opened this run"
NO_DATABASE: Final = (
    "Accounts cannot be connected in this run: the database could not be opened, so Presence "
    "Tray could not remember them. Restart Presence Tray once the data folder is usable."
)
WAITING_FOR_BROWSER: Final = "Waiting for you in the browser…"
SIGN_IN_TIMEOUT: Final = 300.0
"""Seconds the user has to finish signing in in the browser."""
HTTP_TIMEOUT: Final = 20.0
"""Seconds a platform has to answer one request (token exchange, identity, token check)."""


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the user's browser without blocking the event loop; False when no
    browser can be found.

    ``webbrowser`` waits for a browser command named in ``$BROWSER`` to exit, and that
    browser must reach the sign-in listener on this very loop, so the opening runs in a
    thread.
    """
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    threading.Thread(target=browser.open, args=(url,), name="open browser", daemon=True).start()
    return True


@dataclass(frozen=True)
class _Connecting:
    """One connect as the user asked for it: the platform, the way, the checked values, the
    account a Reconnect renews, and where progress and the outcome go."""

    platform: Platform
    method: str
    values: Mapping[str, str]
    replacing: AccountRef | None
    attempt: ConnectAttempt
    on_progress: Callable[[str], None]


class AccountsService:
    """The saved accounts, and Connect / Reconnect / Disconnect for the settings dialog."""

    def __init__(  # noqa: PLR0913 - keyword-only, each defaulted; tests set the servers
        self,
        repository: AccountsRepository | None,
        saved: Iterable[Account] = (),
        *,
        secrets: SecretStore | None = None,
        open_browser: Callable[[str], object] | None = None,
        sign_in_server: str = "",
        sign_in_timeout: float = SIGN_IN_TIMEOUT,
        http_timeout: float = HTTP_TIMEOUT,
        api_bases: Mapping[Platform, str] | None = None,
        reads_now: bool = True,
    ) -> None:
        """Serve the ``saved`` accounts of ``repository`` (None: no database this run).

        ``secrets`` defaults to the system keyring, checked at the first connect;
        ``sign_in_server`` is the test seam's issuer URL ("" normally); ``api_bases`` points
        the token checks at other servers (tests); ``reads_now`` is False while the app shows
        the simulated network (a new account's presence is read from the next start).
        """
        self._reads_now = reads_now
        self._repository = repository
        self._accounts: dict[AccountRef, Account] = {account.ref: account for account in saved}
        self._secrets = secrets
        self._open_browser = open_browser or open_in_browser
        self._sign_in_server = sign_in_server.strip()
        self._sign_in_timeout = sign_in_timeout
        self._http_timeout = http_timeout
        self._api_bases = dict(api_bases or {})
        self._listeners: list[StatusListener] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    async def load(
        cls,
        store: LocalStore | None,
        environ: Mapping[str, str] = os.environ,
        *,
        reads_now: bool = True,
    ) -> AccountsService:
        """A service over ``store``'s saved accounts (none when unreadable or no store)."""
        if store is None:
            return cls(None, reads_now=reads_now)
        from presence_tray.storage.database import StorageError
        from presence_tray.storage.repositories import AccountsRepository

        repository = AccountsRepository(store.db)
        try:
            saved = await asyncio.to_thread(repository.list)
        except StorageError as err:
            _log.warning("could not read the saved accounts: %s", err)
            saved = []
        return cls(
            repository,
            saved,
            sign_in_server=environ.get(SIGN_IN_SERVER_VARIABLE, ""),
            reads_now=reads_now,
        )

    # -- what the dialog reads -----------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Every saved account, as saved."""
        return list(self._accounts.values())

    @property
    def saves_accounts(self) -> bool:
        """Whether accounts can be saved this run (False: no database)."""
        return self._repository is not None

    def sign_in_server_note(self) -> str:
        """The visible line while the test seam sends every sign-in elsewhere; "" normally."""
        if not self._sign_in_server:
            return ""
        return (
            f"Sign-in goes to the test server at {self._sign_in_server} "
            f"({SIGN_IN_SERVER_VARIABLE} is set), not to the platforms."
        )

    def connect_methods(
        self, platform: Platform, *, account: AccountRef | None = None
    ) -> Sequence[ConnectMethod]:
        """The ways to connect ``platform``; for Reconnect (``account``), only the way it was
        connected, with its saved settings filled in. Empty when it cannot be connected."""
        if self._repository is None:
            return ()
        saved = self._accounts.get(account) if account is not None else None
        methods = methods_for(platform, saved.settings if saved is not None else {})
        return tuple(
            method
            for method in methods
            if (method.key == OAUTH or (platform, method.key) in TOKEN_CHECKS)
            and (saved is None or method.key == connected_with(saved))
        )

    def connect_unavailable_reason(self, platform: Platform) -> str:
        """Why ``platform`` cannot be connected in this version ("" when it can)."""
        if self._repository is None:
            return NO_DATABASE
        if platform in UNAVAILABLE:
            return UNAVAILABLE[platform]
        if not self.connect_methods(platform):
            return (
                f"Connecting {platform.display_name} is not built in this version of Presence Tray."
            )
        return ""

    def account_rows(self, platform: Platform) -> list[AccountRow]:
        """The saved accounts on ``platform``, with the sentence each one's state shows."""
        return [
            account_row(account, self._reading(account))
            for ref, account in self._accounts.items()
            if ref.platform is platform
        ]

    def reading_words(self, account: Account) -> str:
        """What saving ``account`` brings, as its state says it (read now, from the next
        start, or not)."""
        return reading_sentence(account, self._reading(account))

    async def keyring_problem(self) -> str | None:
        """Why the saved accounts could not keep their secrets in the keyring, or None.

        Asked only when an account is saved: the keyring library, with the Secret Service
        backend and cryptography it loads, costs the running app about 12 MB of memory, and
        the simulated network needs no secret. A connect checks the keyring itself.
        """
        if not self._accounts or self._secrets is not None:
            return None
        from presence_tray.storage.secrets import check_backend

        return await asyncio.to_thread(check_backend)

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Hear when an account is added, removed or needs reconnecting (the status names
        it); returns the unsubscriber."""
        return add_listener(self._listeners, listener)

    # -- connect ---------------------------------------------------------------------------

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
        """Start connecting ``platform`` the ``method`` way with what the user entered.

        Raises ValueError (a sentence) at once for bad values; otherwise runs on the event
        loop, reports sentences to ``on_progress`` and calls ``on_done`` exactly once.
        """
        chosen = {m.key: m for m in self.connect_methods(platform, account=replacing)}.get(method)
        if chosen is None:
            reason = self.connect_unavailable_reason(platform)
            msg = reason or f"{platform.display_name} cannot be connected that way."
            raise ValueError(msg)
        cleaned = check_values(chosen, values)
        if "tenant" in cleaned:  # a malformed tenant fails here, at once
            SIGN_IN_DESCRIPTIONS[platform].for_tenant(cleaned["tenant"] or MICROSOFT_DEFAULT_TENANT)
        attempt = ConnectAttempt(on_done)
        connecting = _Connecting(platform, method, cleaned, replacing, attempt, on_progress)
        attempt.task = self._spawn(self._connect(connecting), f"connect {platform}")
        return attempt

    async def _connect(self, connecting: _Connecting) -> None:
        attempt = connecting.attempt
        name = connecting.platform.display_name
        try:
            if connecting.method == OAUTH:
                outcome = await self._connect_oauth(connecting)
            else:
                outcome = await self._connect_with_token(connecting)
        except asyncio.CancelledError:
            attempt.finish(
                ConnectOutcome(
                    ok=False, message=f"Connecting {name} was cancelled; nothing was saved."
                )
            )
            raise
        except PresenceError as err:  # SignInError, keyring and storage trouble: sentences
            _log.info("connecting %s failed: %s", name, type(err).__name__)
            outcome = ConnectOutcome(ok=False, message=str(err))
        except Exception as err:  # noqa: BLE001 - a bug must not leave the dialog waiting
            _log.exception("connecting %s failed unexpectedly", name)
            message = (
                f"Connecting {name} failed unexpectedly ({type(err).__name__}); nothing was "
                "saved. Try again; if it keeps failing, report it with the log."
            )
            outcome = ConnectOutcome(ok=False, message=message)
        attempt.finish(outcome)

    async def _connect_oauth(self, connecting: _Connecting) -> ConnectOutcome:
        # Imported at the first sign-in, not at start-up: httpx and authlib cost memory.
        from presence_tray.accounts.endpoints import sign_in_request
        from presence_tray.accounts.id_token import check_id_token
        from presence_tray.accounts.identity import fetch_identity
        from presence_tray.accounts.signin import SignInFlow

        platform, values, on_progress = (
            connecting.platform,
            connecting.values,
            connecting.on_progress,
        )
        client_id = values["client_id"]
        settings = {METHOD_SETTING: OAUTH, "client_id": client_id}
        if "tenant" in values:
            settings["tenant"] = values["tenant"] or MICROSOFT_DEFAULT_TENANT
        store = await self._secret_store()
        app_token = values.get("app_token", "")
        if app_token:
            from presence_tray.accounts.slack_app_token import verify_slack_app_token

            on_progress("Checking the Slack app-level token…")
            await verify_slack_app_token(app_token, **self._check_options(platform))
        endpoints = await self._endpoints(platform, settings)
        flow = SignInFlow(
            sign_in_request(endpoints, client_id),
            self._open_browser,
            timeout=self._sign_in_timeout,
            http_timeout=self._http_timeout,
        )
        connecting.attempt.flow = flow
        on_progress(WAITING_FOR_BROWSER)
        tokens = await flow.run()
        connecting.attempt.flow = None
        on_progress(f"Signed in; asking {endpoints.server_name} who you are…")
        who = await fetch_identity(
            endpoints.identity,
            tokens.access_token,
            server_name=endpoints.server_name,
            http_timeout=self._http_timeout,
        )
        if tokens.id_token is not None:
            check_id_token(
                tokens.id_token,
                subject=who.account_id,
                client_id=client_id,
                issuer=endpoints.issuer,
                now=time.time(),
                server_name=endpoints.server_name,
            )
        ref = checked_ref(AccountRef(platform, who.account_id), connecting.replacing)
        connecting.attempt.committing = True
        holder = self._holder(ref, store, endpoints, client_id)
        await holder.save(tokens)
        if app_token:
            await store.put(ref, app_token, name=SLACK_APP_TOKEN)
        return await self._remember(Account(ref, who.label, settings=settings), store)

    async def _connect_with_token(self, connecting: _Connecting) -> ConnectOutcome:
        platform, method = connecting.platform, connecting.method
        store = await self._secret_store()
        connecting.on_progress(f"Checking with {platform.display_name}…")
        check = TOKEN_CHECKS[platform, method]
        verified = await check(connecting.values, self._check_options(platform))
        ref = checked_ref(AccountRef(platform, verified.account_id), connecting.replacing)
        connecting.attempt.committing = True
        await delete_every_secret(store, ref)  # nothing left from an earlier way of connecting
        await store.put(ref, verified.secret)
        settings = {**verified.settings, METHOD_SETTING: method}
        outcome = await self._remember(Account(ref, verified.label, settings=settings), store)
        if outcome.ok and verified.note:
            outcome = replace(outcome, message=f"{outcome.message} {verified.note}")
        return outcome

    async def _remember(self, account: Account, store: SecretStore) -> ConnectOutcome:
        """Save ``account`` (clearing any sign-in problem); on failure forget its secrets."""
        try:
            await self.save_account(account)
        except PresenceError as err:
            await delete_every_secret(store, account.ref)
            message = (
                f"Signed in, but the account could not be saved ({err}), so Presence Tray "
                "forgot the sign-in. Try again later."
            )
            return ConnectOutcome(ok=False, message=message)
        _log.info("connected %s", account.ref)
        platform = account.ref.platform.display_name
        return ConnectOutcome(
            ok=True,
            message=f"Connected to {platform} as {account.label}; {self.reading_words(account)}.",
            account=account.ref,
        )

    async def save_account(self, account: Account) -> None:
        """Save ``account`` (its secrets already in the keyring) and tell the listeners; a
        PresenceError (a phrase: why) when it could not be saved, nothing changed then."""
        from presence_tray.storage.database import StorageError

        if self._repository is None:
            raise PresenceError(NO_DATABASE_PHRASE)
        try:
            await asyncio.to_thread(self._repository.save, account)
        except (StorageError, ValueError) as err:
            _log.warning("could not save the account %s: %s", account.ref, err)
            raise PresenceError(str(err)) from None
        self._accounts[account.ref] = account
        state = account_state(account, self._reading(account))
        self._tell(AccountStatus(account.ref, AccountHealth.STOPPED, state))

    # -- disconnect ------------------------------------------------------------------------

    def start_disconnect(self, account: AccountRef, *, on_done: Callable[[str], None]) -> None:
        """Sign ``account`` out (revoking where the platform allows), delete every secret and
        the saved row; ``on_done`` gets the sentence."""
        self._spawn(self._disconnect(account, on_done), f"disconnect {account}")

    async def _disconnect(self, ref: AccountRef, on_done: Callable[[str], None]) -> None:
        account = self._accounts.get(ref)
        if account is None:
            on_done(f"{ref} is not connected.")
            return
        try:
            message = await self._sign_out(account)
            await self._forget(ref)
        except PresenceError as err:
            _log.info("disconnecting %s failed: %s", ref, type(err).__name__)
            on_done(f"Could not sign out of {account.label}: {err}")
            return
        on_done(message)

    async def _sign_out(self, account: Account) -> str:
        from presence_tray.accounts.errors import SignInError

        store = await self._secret_store()
        ref = account.ref
        if connected_with(account) == OAUTH:
            try:
                endpoints = await self._endpoints(ref.platform, account.settings)
            except SignInError as err:
                await delete_every_secret(store, ref)
                return f"Signed out of {account.label}, without telling the platform: {err}"
            holder = self._holder(ref, store, endpoints, account.settings.get("client_id", ""))
            return (await holder.disconnect()).message
        await delete_every_secret(store, ref)
        return (
            f"Signed out of {account.label}; Presence Tray has forgotten its sign-in. To end "
            f"it at {ref.platform.display_name} too, remove it there (reset the token, or sign "
            "the session out)."
        )

    async def _forget(self, ref: AccountRef) -> None:
        try:
            await self.remove_account(ref)
        except PresenceError as err:
            msg = f"its secrets are deleted, but the account could not be removed ({err})"
            raise PresenceError(msg) from None
        _log.info("disconnected %s", ref)

    async def remove_account(self, ref: AccountRef) -> None:
        """Delete ``ref``'s saved row (its secrets are the caller's) and tell the listeners; a
        PresenceError (a phrase: why) when the row stays."""
        from presence_tray.storage.database import StorageError

        if self._repository is not None:
            try:
                await asyncio.to_thread(self._repository.delete, ref)
            except StorageError as err:
                raise PresenceError(str(err)) from None
        self._accounts.pop(ref, None)
        self._tell(AccountStatus(ref, AccountHealth.STOPPED, "removed"))

    # -- tokens over time ------------------------------------------------------------------

    async def main_secret(self, ref: AccountRef) -> str | None:
        """The account's main secret (a bot token, a password...) from the keyring, for its
        platform client; a SecretStoreUnavailableError when the keyring cannot be used."""
        store = await self._secret_store()
        return await store.get(ref)

    async def token_holder(self, ref: AccountRef) -> TokenHolder:
        """The token holder a platform client uses for an OAuth account; when it gives up,
        the account is marked as needing a reconnect (and saved so)."""
        account = self._accounts[ref]
        store = await self._secret_store()
        endpoints = await self._endpoints(ref.platform, account.settings)
        return self._holder(ref, store, endpoints, account.settings.get("client_id", ""))

    def _holder(
        self, ref: AccountRef, store: SecretStore, endpoints: OAuthEndpoints, client_id: str
    ) -> TokenHolder:
        from presence_tray.accounts.endpoints import refresh_endpoint
        from presence_tray.accounts.tokens import TokenHolder

        return TokenHolder(
            ref,
            store,
            refresh_endpoint(endpoints, client_id),
            http_timeout=self._http_timeout,
            on_needs_reconnect=lambda sentence: self._mark_needs_reconnect(ref, sentence),
        )

    def _mark_needs_reconnect(self, ref: AccountRef, problem: str) -> None:
        account = self._accounts.get(ref)
        if account is None:
            return
        self._accounts[ref] = replace(account, sign_in_problem=problem)
        self._tell(AccountStatus(ref, AccountHealth.NEEDS_RECONNECT, problem))
        if self._repository is not None:
            self._spawn(
                self._save_problem(self._repository, ref, problem),
                f"save the sign-in problem of {ref}",
            )

    async def _save_problem(
        self, repository: AccountsRepository, ref: AccountRef, problem: str
    ) -> None:
        from presence_tray.storage.database import StorageError

        try:
            await asyncio.to_thread(repository.set_sign_in_problem, ref, problem)
        except StorageError as err:
            _log.warning("could not save that %s needs reconnecting: %s", ref, err)

    # -- shared ----------------------------------------------------------------------------

    async def flush(self) -> None:
        """Wait until every running connect, disconnect and save has ended."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop every running connect; wait for saves."""
        for task in list(self._tasks):
            if task.get_name().startswith("connect "):
                task.cancel()
        await self.flush()

    async def secret_store(self) -> SecretStore:
        """The keyring (checked the first time), or SecretStoreUnavailableError's sentence."""
        return await self._secret_store()

    async def _secret_store(self) -> SecretStore:
        """The keyring (checked the first time), or SecretStoreUnavailableError's sentence."""
        if self._secrets is None:
            from presence_tray.core.secrets import SecretStoreUnavailableError
            from presence_tray.storage.secrets import KeyringSecretStore, check_backend

            problem = await asyncio.to_thread(check_backend)
            if problem is not None:
                raise SecretStoreUnavailableError(problem)
            self._secrets = KeyringSecretStore()
        return self._secrets

    async def _endpoints(self, platform: Platform, settings: Mapping[str, str]) -> OAuthEndpoints:
        """The platform's endpoints, or the test server's (discovery read now)."""
        from presence_tray.accounts.endpoints import discover, platform_endpoints

        test_server = None
        if self._sign_in_server:
            test_server = await discover(self._sign_in_server, http_timeout=self._http_timeout)
        return platform_endpoints(platform, settings, test_server)

    def _check_options(self, platform: Platform) -> dict[str, Any]:
        options: dict[str, Any] = {"timeout": self._http_timeout}
        if platform in self._api_bases:
            options["api_base"] = self._api_bases[platform]
        return options

    def _reading(self, account: Account) -> Reading:
        from presence_tray.account_clients import reads_account

        return Reading(readable=reads_account(account), now=self._reads_now)

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _tell(self, status: AccountStatus) -> None:
        for listener in list(self._listeners):
            listener(status)


__all__ = ["AccountRow", "AccountsService", "ConnectAttempt", "ConnectOutcome"]
