"""The native-app sign-in: Authorization Code with PKCE (S256) on a loopback redirect (RFC 8252).

A :class:`SignInFlow` listens on 127.0.0.1, hands the authorize URL to an injected "open the
browser" callable (the app passes ``webbrowser.open``), checks the answer the browser brings
back (``state``; ``iss`` where the server sends it, RFC 9207), and exchanges the code for
tokens with authlib. It ends with a :class:`TokenSet` or a :class:`SignInError` whose message
is a sentence for the user; a timeout or :meth:`SignInFlow.cancel` ends it too. The listener is
closed however it ends. The caller stores the tokens (see :mod:`presence_tray.accounts.tokens`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError

from presence_tray.accounts.errors import (
    BrowserNotOpenedError,
    IssuerMismatchError,
    ServerTooSlowError,
    ServerUnreachableError,
    SignInCancelledError,
    SignInDeniedError,
    SignInError,
    SignInRefusedError,
    SignInTimeoutError,
    StateMismatchError,
    TokenExchangeError,
)
from presence_tray.accounts.loopback import LoopbackReceiver
from presence_tray.accounts.oauth import public_client, safe_error_code, transport_problem
from presence_tray.accounts.tokenset import TokenSet

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from authlib.integrations.httpx_client import AsyncOAuth2Client

DEFAULT_TIMEOUT = 300.0  # seconds the user has to finish in the browser
DEFAULT_HTTP_TIMEOUT = 20.0  # seconds the token endpoint has to answer
_VERIFIER_LENGTH = 64  # RFC 7636: 43 to 128 characters


@dataclass(frozen=True)
class SignInRequest:
    """Where and for what to sign in: one platform's endpoints and the user's client id."""

    server_name: str  # how messages name the server, e.g. "Slack"
    authorize_url: str
    token_url: str
    client_id: str
    scopes: tuple[str, ...]
    issuer: str | None = None  # the expected ``iss`` of the answer, when the server sends one
    authorize_params: tuple[tuple[str, str], ...] = ()  # extra parameters, e.g. prompt=consent
    loopback_port: int = 0  # 0: any free port (RFC 8252 §7.3)
    redirect_path: str = "/callback"
    scope_parameter: str = "scope"  # Slack asks for user scopes in ``user_scope``


class SignInFlow:
    """One sign-in attempt. Call :meth:`run` once; :meth:`cancel` may be called at any time."""

    def __init__(
        self,
        request: SignInRequest,
        open_browser: Callable[[str], object],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http_timeout: float = DEFAULT_HTTP_TIMEOUT,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._request = request
        self._open_browser = open_browser
        self._timeout = timeout
        self._http_timeout = http_timeout
        self._wall_clock = wall_clock
        self._state = ""
        self._receiver: LoopbackReceiver | None = None
        self._cancelled = False

    async def run(self) -> TokenSet:
        """Sign in and return the tokens; raises a SignInError with a sentence otherwise."""
        if self._cancelled:
            raise self._cancelled_error()
        request = self._request
        receiver = LoopbackReceiver(self._judge, path=request.redirect_path)
        redirect_uri = await receiver.start(request.loopback_port)
        self._receiver = receiver
        try:
            if self._cancelled:  # cancelled while the listener was starting
                raise self._cancelled_error()
            scope = " ".join(request.scopes)
            extra = dict(request.authorize_params)
            if request.scope_parameter != "scope":
                extra[request.scope_parameter] = scope
            async with public_client(
                request.client_id,
                timeout=self._http_timeout,
                redirect_uri=redirect_uri,
                scope=scope if request.scope_parameter == "scope" else None,
            ) as client:
                verifier = generate_token(_VERIFIER_LENGTH)
                url, self._state = client.create_authorization_url(
                    request.authorize_url, code_verifier=verifier, **extra
                )
                if self._open_browser(url) is False:
                    msg = (
                        f"No web browser could be opened for the {request.server_name} "
                        "sign-in. Set a default browser and try again."
                    )
                    raise BrowserNotOpenedError(msg)
                code = await self._wait_for_code(receiver)
                await receiver.close()
                return await self._exchange(client, code, verifier)
        finally:
            self._receiver = None
            await receiver.close()

    def cancel(self) -> None:
        """Stop waiting for the browser: :meth:`run` raises SignInCancelledError."""
        self._cancelled = True
        if self._receiver is not None:
            self._receiver.fail(self._cancelled_error())

    def _cancelled_error(self) -> SignInCancelledError:
        return SignInCancelledError(
            f"The {self._request.server_name} sign-in was cancelled; nothing was saved."
        )

    async def _wait_for_code(self, receiver: LoopbackReceiver) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                return await receiver.code()
        except TimeoutError:
            msg = (
                f"The {self._request.server_name} sign-in was not finished in the browser "
                f"within {_duration(self._timeout)}; nothing was saved. Press Connect to try again."
            )
            raise SignInTimeoutError(msg) from None

    def _judge(self, answer: Mapping[str, str]) -> str:
        """The authorization code in the browser's answer, or the SignInError it amounts to."""
        name = self._request.server_name
        state = answer.get("state", "")
        if not state or not secrets.compare_digest(state.encode(), self._state.encode()):
            msg = (
                f"The answer from the {name} sign-in does not belong to the sign-in Presence "
                "Tray started (its state check failed), so it was ignored. Press Connect to "
                "try again."
            )
            raise StateMismatchError(msg)
        issuer = answer.get("iss")
        if issuer is not None and self._request.issuer and issuer != self._request.issuer:
            msg = (
                f"The answer came from another server than {name}, so it was ignored. "
                "Press Connect to try again."
            )
            raise IssuerMismatchError(msg)
        if "error" in answer:
            error = safe_error_code(answer)
            if error == "access_denied":
                msg = (
                    f"Access to your {name} account was not allowed, so it was not connected. "
                    "Press Connect again if you change your mind."
                )
                raise SignInDeniedError(msg)
            msg = f"{name} refused the sign-in ({error}). Check the app registration and try again."
            raise SignInRefusedError(msg)
        code = answer.get("code")
        if not code:
            msg = f"The answer from the {name} sign-in had no sign-in code. Try again."
            raise SignInRefusedError(msg)
        return code

    async def _exchange(self, client: AsyncOAuth2Client, code: str, verifier: str) -> TokenSet:
        request = self._request
        try:
            response = await client.fetch_token(
                request.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
            )
            return TokenSet.from_response(response, now=self._wall_clock())
        except OAuthError as err:
            error = safe_error_code({"error": err.error})
            msg = (
                f"{request.server_name} did not accept the sign-in ({error}); it may have "
                "expired or been used already. Press Connect to try again."
            )
            raise TokenExchangeError(msg) from None
        except ValueError:
            msg = f"{request.server_name} answered the sign-in with something that is not tokens."
            raise TokenExchangeError(msg) from None
        except Exception as err:
            problem = transport_problem(err, request.server_name, self._http_timeout)
            if problem is None:
                raise
            error_class = ServerTooSlowError if problem.timed_out else ServerUnreachableError
            raise error_class(problem.message) from None


def _duration(seconds: float) -> str:
    if seconds >= 120:  # noqa: PLR2004 - under two minutes, seconds read better
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


__all__ = ["SignInError", "SignInFlow", "SignInRequest"]
