"""An account's tokens over time: kept only in the keyring, refreshed ahead of expiry.

A :class:`TokenHolder` hands out a fresh access token for one account. It refreshes ahead of
expiry and, when the platform answers 401 anyway, refreshes once and retries once. A rotated
refresh token is written to the :class:`SecretStore` before the new access token is used, so a
crash can never leave the keyring holding a refresh token the server has already retired.
When the server refuses the refresh (``invalid_grant``: revoked, expired or reused), the holder
marks the account as needing a reconnect and raises :class:`NeedsReconnectError`, an
:class:`AuthError` the supervisor parks the account on; it calls the server no more until the
user signs in again (:meth:`TokenHolder.save`), so there is no retry storm.
:meth:`TokenHolder.disconnect` signs the account out: it revokes the tokens where the platform
has a revocation endpoint, then deletes them from the store whether or not that worked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NoReturn

from authlib.integrations.base_client import OAuthError

from presence_tray.accounts.oauth import public_client, safe_error_code, transport_problem
from presence_tray.accounts.revocation import revoke_tokens
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.errors import AuthError, TransientError
from presence_tray.core.secrets import delete_every_secret

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

    from presence_tray.core.identity import AccountRef
    from presence_tray.core.secrets import SecretStore

log = logging.getLogger(__name__)

HTTP_UNAUTHORIZED: Final = 401
DEFAULT_REFRESH_AHEAD: Final = 60.0  # seconds before expiry a token is renewed
DEFAULT_HTTP_TIMEOUT: Final = 20.0
# Token endpoint errors that mean the stored sign-in will never work again (RFC 6749 §5.2).
# `invalid_refresh_token` is no RFC 6749 code, but where a server sends it, it means the same.
_SIGN_IN_GONE: Final = frozenset(
    {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_refresh_token"}
)


def is_unauthorized(response: httpx.Response) -> bool:
    """Whether ``response`` is an HTTP 401, the usual way to refuse an access token."""
    return response.status_code == HTTP_UNAUTHORIZED


class NeedsReconnectError(AuthError):
    """The platform no longer accepts the account's sign-in: the user must connect it again."""

    says_what_to_do = True


@dataclass(frozen=True)
class RefreshEndpoint:
    """Where an account's tokens are renewed (and revoked), and for which (public) client."""

    server_name: str
    token_url: str
    client_id: str
    revoke_url: str | None = None  # None: the platform offers no revocation endpoint


@dataclass(frozen=True)
class Disconnection:
    """How signing an account out went: the tokens are gone; was the platform told?"""

    platform_told: bool
    message: str  # one sentence for the user, naming the account and the platform


class TokenHolder:
    """Fresh access tokens for one account, from tokens kept only in a SecretStore."""

    def __init__(
        self,
        account: AccountRef,
        store: SecretStore,
        endpoint: RefreshEndpoint,
        *,
        refresh_ahead: float = DEFAULT_REFRESH_AHEAD,
        http_timeout: float = DEFAULT_HTTP_TIMEOUT,
        wall_clock: Callable[[], float] = time.time,
        on_needs_reconnect: Callable[[str], None] | None = None,
    ) -> None:
        """Hold ``account``'s tokens; ``on_needs_reconnect`` hears the sentence when the
        platform stops accepting the sign-in (to keep it with the account)."""
        self._on_needs_reconnect = on_needs_reconnect
        self._account = account
        self._store = store
        self._endpoint = endpoint
        self._refresh_ahead = refresh_ahead
        self._http_timeout = http_timeout
        self._wall_clock = wall_clock
        self._lock = asyncio.Lock()  # one refresh at a time: two would trip reuse detection
        self._needs_reconnect = False

    @property
    def needs_reconnect(self) -> bool:
        """Whether the sign-in is gone and only the user connecting again can fix it."""
        return self._needs_reconnect

    async def save(self, tokens: TokenSet) -> None:
        """Keep the tokens of a new sign-in; the account works again if it needed a reconnect."""
        await self._store.put(self._account, tokens.to_secret())
        self._needs_reconnect = False

    async def forget(self) -> None:
        """Delete every secret of the account from the store (its tokens and named extras)."""
        await delete_every_secret(self._store, self._account)

    async def disconnect(self) -> Disconnection:
        """Sign the account out: revoke its tokens where possible, then delete every secret.

        The secrets are deleted even when the platform cannot be told (no revocation
        endpoint, server down, an error answer, a timeout); the result's sentence says which.
        """
        async with self._lock:  # a renewal in progress must not store tokens after this
            try:
                told = await self._revoke_stored()
            finally:
                await self.forget()
        endpoint, account = self._endpoint, self._account
        name = endpoint.server_name
        if told:
            message = f"Signed out of {account}; {name} has ended Presence Tray's access."
        elif endpoint.revoke_url is None:
            message = (
                f"Signed out of {account}; {name} offers no way for apps to end their own "
                f"access, so you can remove Presence Tray's access in {name}'s settings."
            )
        else:
            message = (
                f"Signed out of {account}; {name} could not be told, so you can remove "
                f"Presence Tray's access in {name}'s settings."
            )
        log.info("signed out of %s (%s told: %s)", account, name, told)
        return Disconnection(platform_told=told, message=message)

    async def _revoke_stored(self) -> bool:
        """Revoke the stored tokens at the platform; whether it confirmed."""
        endpoint = self._endpoint
        if endpoint.revoke_url is None:
            return False
        secret = await self._store.get(self._account)
        try:
            tokens = TokenSet.from_secret(secret or "")
        except ValueError:
            return False  # nothing readable to revoke
        return await revoke_tokens(
            tokens,
            revoke_url=endpoint.revoke_url,
            client_id=endpoint.client_id,
            server_name=endpoint.server_name,
            http_timeout=self._http_timeout,
        )

    async def access_token(self) -> str:
        """A usable access token, refreshed first if it expires within ``refresh_ahead``."""
        tokens = await self._load()
        if tokens.expires_within(self._refresh_ahead, now=self._wall_clock()):
            tokens = await self._refresh(tokens.access_token)
        return tokens.access_token

    async def call(
        self,
        send: Callable[[str], Awaitable[httpx.Response]],
        *,
        refused: Callable[[httpx.Response], bool] = is_unauthorized,
    ) -> httpx.Response:
        """Run ``send(access_token)``; when the answer says the token was refused (a 401 by
        default; Slack says so in a 200's body instead), refresh once and send once more.

        A second refusal with a freshly refreshed token means the platform refuses the
        account: it is marked as needing a reconnect and NeedsReconnectError is raised.
        """
        access_token = await self.access_token()
        response = await send(access_token)
        if not refused(response):
            return response
        tokens = await self._refresh(access_token)
        response = await send(tokens.access_token)
        if refused(response):
            self._give_up("refuses even a freshly renewed sign-in")
        return response

    async def _load(self) -> TokenSet:
        if self._needs_reconnect:
            raise self._reconnect_error()
        secret = await self._store.get(self._account)
        if secret is None:
            self._give_up("has no stored sign-in")
        try:
            return TokenSet.from_secret(secret)
        except ValueError:
            self._give_up("has a damaged stored sign-in")

    async def _refresh(self, stale_access_token: str) -> TokenSet:
        """Renew the tokens whose access token is ``stale_access_token``; store, then return."""
        async with self._lock:
            current = await self._load()
            if current.access_token != stale_access_token:
                return current  # renewed by another caller while this one waited
            if not current.refresh_token:
                self._give_up("cannot be renewed (no refresh token)")
            response = await self._request_refresh(current.refresh_token)
            try:
                renewed = TokenSet.from_response(response, now=self._wall_clock(), previous=current)
            except ValueError as err:
                msg = f"{self._endpoint.server_name} sent an unusable token renewal: {err}."
                raise TransientError(msg) from None
            # Store before use: the old refresh token may already be retired by the server.
            await self._store.put(self._account, renewed.to_secret())
            log.info("renewed the sign-in of %s", self._account)
            return renewed

    async def _request_refresh(self, refresh_token: str) -> dict[str, object]:
        endpoint = self._endpoint
        try:
            async with public_client(endpoint.client_id, timeout=self._http_timeout) as client:
                response: dict[str, object] = await client.refresh_token(
                    endpoint.token_url, refresh_token=refresh_token
                )
                return response
        except OAuthError as err:
            error = safe_error_code({"error": err.error})
            if error in _SIGN_IN_GONE:
                self._give_up(f"no longer accepts the sign-in ({error})")
            msg = f"{endpoint.server_name} could not renew the sign-in ({error}). Trying later."
            raise TransientError(msg) from None
        except ValueError:
            msg = f"{endpoint.server_name} answered the token renewal with something unreadable."
            raise TransientError(msg) from None
        except Exception as err:
            problem = transport_problem(err, endpoint.server_name, self._http_timeout)
            if problem is None:
                raise
            raise TransientError(problem.message) from None

    def _give_up(self, why: str) -> NoReturn:
        """Mark the account as needing a reconnect and raise NeedsReconnectError."""
        self._needs_reconnect = True
        log.info("%s needs a reconnect: %s %s", self._account, self._endpoint.server_name, why)
        error = self._reconnect_error()
        if self._on_needs_reconnect is not None:
            self._on_needs_reconnect(str(error))
        raise error from None

    def _reconnect_error(self) -> NeedsReconnectError:
        return NeedsReconnectError(
            f"Presence Tray lost access to {self._account}. Reconnect the account in Settings."
        )
