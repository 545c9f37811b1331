"""One Matrix account's calls to its homeserver's client-server API (v3), over httpx.

Every call carries the saved access token and turns the ways a call fails into the core
error kinds the client and the supervisor act on:

- the network failing, timing out or dropping the connection, and any 5xx → TransientError;
- 401, or ``M_UNKNOWN_TOKEN`` / ``M_MISSING_TOKEN`` → AuthError (the session was signed out:
  the user must connect the account again);
- 429 ``M_LIMIT_EXCEEDED`` → RateLimitedError after the ``Retry-After`` header, else the
  (deprecated, but still what Synapse sends) ``retry_after_ms`` (platform-apis.md §7.5);
- any other 4xx → :class:`MatrixRefusedError`, with the status and ``errcode`` for the
  caller to read (a presence lookup the server will not answer is not a failure);
- a body that is not a JSON object → TransientError (a broken proxy, a half-sent answer).

Messages name the homeserver and the call, never the token, a query or a body.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httpx

from presence_tray.core.errors import (
    AuthError,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from presence_tray.platforms.http import (
    DEFAULT_RETRY_AFTER_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    retry_after_seconds,
)
from presence_tray.platforms.wire import get_float, get_str

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.clock import Clock

_log = logging.getLogger(__name__)

CLIENT_API: Final = "/_matrix/client/v3"
REQUEST_TIMEOUT_SECONDS: Final = 20.0
"""How long an ordinary call may take; a ``/sync`` long-poll gets its own wait on top."""
_HTTP_UNAUTHORIZED: Final = 401
_HTTP_TOO_MANY_REQUESTS: Final = 429
_HTTP_SERVER_ERROR: Final = 500
_MAX_ERRCODE_LENGTH: Final = 64
"""A longer ``errcode`` is not repeated in a message (it is not one the spec names)."""
_TOKEN_ERRCODES: Final = frozenset({"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"})

SIGNED_OUT: Final = (
    "The Matrix homeserver no longer accepts this session: it was signed out or its access "
    "token was revoked. Connect the Matrix account again in Settings."
)


class MatrixSignInError(AuthError):
    """The saved sign-in no longer works; the message says how to connect again."""

    says_what_to_do = True


class MatrixRefusedError(PermanentError):
    """The homeserver answered a call with a 4xx other than 401 and 429."""

    def __init__(self, message: str, *, status: int, errcode: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.errcode = errcode


class MatrixApi:
    """The client-server API calls of one account on one homeserver."""

    def __init__(
        self,
        homeserver: str,
        access_token: str,
        *,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        """Calls to ``homeserver`` (its base URL) as the holder of ``access_token``;
        ``transport`` is for tests only."""
        self._clock = clock
        self._timeout = timeout
        self._server = urlsplit(homeserver).netloc or homeserver
        self._client = httpx.AsyncClient(
            base_url=homeserver.rstrip("/") + CLIENT_API,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def call(
        self,
        what: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        extra_wait: float = 0.0,
    ) -> dict[str, object]:
        """Send one request; its JSON object, or the error kind its failure means.

        ``what`` names the call in messages ("sync", "presence update"); ``extra_wait`` is
        added to the timeout, for a long-poll that the server holds open that long.
        """
        timeout = httpx.Timeout(self._timeout + extra_wait)
        try:
            response = await self._client.request(
                method, path, params=params, json=json_body, timeout=timeout
            )
        except httpx.TimeoutException as err:
            raise self._transient(what, "did not answer in time") from err
        except httpx.HTTPError as err:
            raise self._transient(what, f"could not be reached ({type(err).__name__})") from err
        body = _json_object(response)
        status = response.status_code
        errcode = get_str(body, "errcode")
        if status == _HTTP_UNAUTHORIZED or errcode in _TOKEN_ERRCODES:
            raise MatrixSignInError(SIGNED_OUT)
        if status == _HTTP_TOO_MANY_REQUESTS or errcode == "M_LIMIT_EXCEEDED":
            wait = self._retry_after(response, body)
            msg = f"The homeserver {self._server} asked to slow down the {what}"
            raise RateLimitedError(msg, retry_after=wait)
        if status >= _HTTP_SERVER_ERROR:
            raise self._transient(what, f"answered with a server error ({status})")
        if status >= httpx.codes.BAD_REQUEST:
            code = (
                errcode
                if errcode and errcode.isprintable() and len(errcode) <= _MAX_ERRCODE_LENGTH
                else None
            )
            msg = f"The homeserver {self._server} refused the {what} ({code or status})."
            raise MatrixRefusedError(msg, status=status, errcode=code)
        if body is None:
            raise self._transient(what, "sent an answer that is not JSON")
        return body

    def _retry_after(self, response: httpx.Response, body: object) -> float:
        header = response.headers.get("Retry-After")
        if header is not None:
            return retry_after_seconds(header, now=self._clock.now())
        millis = get_float(body, "retry_after_ms")
        if millis is None:
            return DEFAULT_RETRY_AFTER_SECONDS
        return min(MAX_RETRY_AFTER_SECONDS, max(0.0, millis / 1000))

    def _transient(self, what: str, problem: str) -> TransientError:
        message = f"The homeserver {self._server} {problem} on the {what}."
        _log.info("%s", message)
        return TransientError(message)


def _json_object(response: httpx.Response) -> dict[str, object] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


__all__ = ["CLIENT_API", "SIGNED_OUT", "MatrixApi", "MatrixRefusedError", "MatrixSignInError"]
