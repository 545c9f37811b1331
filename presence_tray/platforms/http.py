"""One account's calls to a polled platform's web API, over httpx.

Shared by the Slack, Teams and Zoom clients. Every call waits for its endpoint's
:class:`~presence_tray.core.polling.CallBudget`, carries the account's access token (renewed
once and sent again when the platform refuses it, by the token holder) and turns the ways a
call fails into the core error kinds the poll loop and the supervisor act on:

- the network failing, timing out or dropping the connection, and any 5xx → TransientError;
- 429 → the endpoint's budget holds off for ``Retry-After`` (or a minute when it is missing
  or unreadable), then RateLimitedError;
- a token refused even after renewal → the token holder's NeedsReconnectError (an AuthError);
- a body that is not a JSON object → TransientError (a broken proxy, a half-sent answer).

Messages name the platform and the endpoint, never a token, a URL's query or a body.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Final, Protocol

import httpx

from presence_tray.core.errors import RateLimitedError, TransientError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from presence_tray.core.clock import Clock
    from presence_tray.core.polling import CallBudget

_log = logging.getLogger(__name__)

HTTP_TOO_MANY_REQUESTS: Final = 429
HTTP_SERVER_ERROR: Final = 500
DEFAULT_RETRY_AFTER_SECONDS: Final = 60.0
"""How long to hold off after a 429 that does not say (Graph and Zoom may leave it out)."""
MAX_RETRY_AFTER_SECONDS: Final = 3600.0
"""A longer ``Retry-After`` is read as this: an hour of silence is already a lot."""
REQUEST_TIMEOUT_SECONDS: Final = 20.0


class AuthorizedCaller(Protocol):
    """Sends a request with the account's access token (accounts.tokens.TokenHolder is one)."""

    async def call(
        self,
        send: Callable[[str], Awaitable[httpx.Response]],
        *,
        refused: Callable[[httpx.Response], bool] = ...,
    ) -> httpx.Response:
        """Run ``send(access_token)``; when ``refused(answer)``, renew the token once and
        send once more; raise an AuthError when the platform refuses the account."""
        ...


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One call a client makes: a name for messages, and the budget it spends."""

    name: str
    budget: CallBudget


def retry_after_seconds(value: str | None, *, now: float) -> float:
    """Seconds a ``Retry-After`` header asks for: delta-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return DEFAULT_RETRY_AFTER_SECONDS
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return DEFAULT_RETRY_AFTER_SECONDS
    if math.isnan(seconds):
        return DEFAULT_RETRY_AFTER_SECONDS
    return min(MAX_RETRY_AFTER_SECONDS, max(0.0, seconds))


class PlatformHttp:
    """The HTTP calls of one account on one platform."""

    def __init__(
        self,
        *,
        platform_name: str,
        base_url: str,
        tokens: AuthorizedCaller,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        """Calls to ``base_url`` with ``tokens``; ``transport`` is for tests only."""
        self.platform_name = platform_name
        self._tokens = tokens
        self._clock = clock
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, transport=transport, follow_redirects=False
        )

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def request(
        self,
        endpoint: Endpoint,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        form: Mapping[str, str] | None = None,
        refused: Callable[[httpx.Response], bool] | None = None,
    ) -> httpx.Response:
        """Send one request within ``endpoint``'s budget; the answer, unless it failed.

        ``refused`` tells whether an answer means the token was refused, for platforms that
        do not use 401 for it (Slack). 4xx answers other than 401 and 429 are returned for
        the client to read: their meaning differs per platform.
        """
        await endpoint.budget.acquire()

        async def send(access_token: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {access_token}"}
            try:
                return await self._client.request(
                    method, path, params=params, json=json_body, data=form, headers=headers
                )
            except httpx.TimeoutException as err:
                raise self._transient(endpoint, "did not answer in time") from err
            except httpx.HTTPError as err:
                raise self._transient(
                    endpoint, f"could not be reached ({type(err).__name__})"
                ) from err

        if refused is None:
            response = await self._tokens.call(send)
        else:
            response = await self._tokens.call(send, refused=refused)
        status = response.status_code
        if status == HTTP_TOO_MANY_REQUESTS:
            wait = retry_after_seconds(response.headers.get("Retry-After"), now=self._clock.now())
            endpoint.budget.hold_off(wait)
            msg = f"{self.platform_name} asked to slow down on {endpoint.name}"
            raise RateLimitedError(msg, retry_after=wait)
        if status >= HTTP_SERVER_ERROR:
            raise self._transient(endpoint, f"answered with a server error ({status})")
        return response

    async def get_json(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        refused: Callable[[httpx.Response], bool] | None = None,
    ) -> dict[str, object]:
        """GET ``path`` and return its JSON object (see :meth:`request` and :meth:`read_json`)."""
        response = await self.request(endpoint, "GET", path, params=params, refused=refused)
        return self.read_json(endpoint, response)

    def read_json(self, endpoint: Endpoint, response: httpx.Response) -> dict[str, object]:
        """The answer's body as a JSON object; TransientError when it is not one."""
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise self._transient(endpoint, "sent an answer that is not JSON")
        return body

    def _transient(self, endpoint: Endpoint, what: str) -> TransientError:
        message = f"{self.platform_name} {what} on {endpoint.name}."
        _log.info("%s", message)
        return TransientError(message)
