"""One webhook POST over HTTP, and what its answer means (httpx, loaded at the first send).

:class:`WebhookSender` sends a signed body once and returns an :class:`Outcome`: delivered
(2xx), worth another try (5xx, 429 with its ``Retry-After``, a timeout, a network error), or
not (another 4xx, a redirect: webhooks do not follow them). Its sentences name only the
address's scheme and host, and it cuts httpx's own "HTTP Request: POST <url>" log lines to
them too, for the hooks' addresses: the path may hold the receiver's secret.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray import __version__
from presence_tray.core.webhooks import destination

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from presence_tray.core.clock import Clock

REQUEST_TIMEOUT_SECONDS: Final = 10.0
HTTP_TOO_MANY_REQUESTS: Final = 429
USER_AGENT: Final = f"PresenceTray/{__version__} (webhooks)"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one try went: delivered, worth another try (after ``retry_after``), or not."""

    delivered: bool
    problem: str = ""
    retry: bool = False
    retry_after: float | None = None


class WebhookSender:
    """Sends webhook bodies, one POST at a time per call, on one shared httpx client."""

    def __init__(
        self,
        clock: Clock,
        *,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        hosts: Callable[[], set[str]],
    ) -> None:
        """POST with ``timeout`` seconds per request; ``hosts`` are the hooks' scheme and host
        ("https://h"), whose URLs httpx's log lines are cut to."""
        self._clock = clock
        self._timeout = timeout
        self._hosts = hosts
        self._client: httpx.AsyncClient | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        """Send ``body`` to ``url`` once; what came of it."""
        import httpx

        where = destination(url)
        try:
            response = await self._http().post(
                url, content=body, headers={"User-Agent": USER_AGENT, **headers}
            )
        except httpx.TimeoutException:
            return Outcome(
                delivered=False,
                problem=f"{where} did not answer within {self._timeout:g} s.",
                retry=True,
            )
        except httpx.HTTPError as err:
            return Outcome(
                delivered=False,
                problem=f"{where} could not be reached ({_network_words(err)}).",
                retry=True,
            )
        return _judge(response, where, self._clock.now())

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
            logging.getLogger("httpx").addFilter(self._url_filter)
        return self._client

    def _url_filter(self, record: logging.LogRecord) -> bool:
        """Cut the hooks' URLs in httpx's log lines to their scheme and host; never drops a
        record."""
        if isinstance(record.args, tuple):
            hosts = self._hosts()
            record.args = tuple(
                destination(str(arg)) if _is_url_of(arg, hosts) else arg for arg in record.args
            )
        return True

    async def aclose(self) -> None:
        """Close the connections (a later send opens new ones)."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None
            logging.getLogger("httpx").removeFilter(self._url_filter)


def _is_url_of(value: object, hosts: set[str]) -> bool:
    """Whether ``value`` is a URL (text or ``httpx.URL``) on one of ``hosts`` ("https://h")."""
    text = str(value)
    return "://" in text and destination(text) in hosts


def _judge(response: httpx.Response, where: str, now: float) -> Outcome:
    """What an answer means: 2xx delivered; 5xx and 429 worth another try; others not."""
    status = response.status_code
    said = f"{where} answered {status}{_reason(response)}."
    if 200 <= status < 300:  # noqa: PLR2004 - the success range
        return Outcome(delivered=True)
    if status == HTTP_TOO_MANY_REQUESTS:
        header = response.headers.get("Retry-After")
        wait = None
        if header is not None:
            from presence_tray.platforms.http import retry_after_seconds

            wait = retry_after_seconds(header, now=now)
        return Outcome(delivered=False, problem=said, retry=True, retry_after=wait)
    if status >= 500:  # noqa: PLR2004 - server errors
        return Outcome(delivered=False, problem=said, retry=True)
    if 300 <= status < 400:  # noqa: PLR2004 - redirects
        return Outcome(
            delivered=False,
            problem=f"{said} Webhooks do not follow redirects: enter the final address.",
        )
    return Outcome(
        delivered=False,
        problem=f"{said} Check the address and what the receiver expects, then send a test.",
    )


def _reason(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    return f" ({phrase})" if phrase else ""


def _network_words(err: Exception) -> str:
    """What went wrong on the network, without the error's text (it may quote the URL)."""
    import httpx

    if isinstance(err, httpx.ConnectError):
        return "the connection was refused or the host is unknown"
    if isinstance(err, httpx.RemoteProtocolError):
        return "the connection closed before an answer"
    return f"a network error: {type(err).__name__}"
