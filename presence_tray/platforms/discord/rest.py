"""The bot's REST calls to Discord, within Discord's rate limits (rate-limits.mdx).

Every call carries ``Authorization: Bot <token>``. Each answer's ``X-RateLimit-Remaining``
and ``X-RateLimit-Reset-After`` are remembered per route: when a bucket is spent, the next call
on that route waits for it to refill. A 429 is waited out as its body's ``retry_after`` says
(or ``Retry-After`` when the body does not), up to :data:`MAX_INLINE_WAIT_SECONDS`, and sent
again once; a longer wait becomes a RateLimitedError for the supervisor. 401 is an AuthError,
5xx and network failures are TransientErrors; messages never contain the token.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

import httpx

from presence_tray.core.errors import AuthError, RateLimitedError, TransientError
from presence_tray.platforms.http import retry_after_seconds

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.clock import Clock

DISCORD_API: Final = "https://discord.com/api/v10"
MAX_INLINE_WAIT_SECONDS: Final = 60.0
"""A 429 asking for a longer pause ends the connection attempt; the supervisor waits."""
HTTP_UNAUTHORIZED: Final = 401
HTTP_FORBIDDEN: Final = 403
HTTP_TOO_MANY_REQUESTS: Final = 429
CREDENTIALS_REFUSED: Final = (
    "Discord did not accept the bot token: it is wrong or was reset. Reconnect the account "
    "with the current token from the Bot page of your application in the Discord developer "
    "portal."
)


class CredentialsRefusedError(AuthError):
    """Discord answered 401: the bot token is wrong or was reset; the message says what to do."""

    says_what_to_do = True


class ForbiddenError(TransientError):
    """Discord answered 403: the bot may not read this (a missing intent or permission)."""


class DiscordRest:
    """GET calls of one bot to Discord's REST API."""

    def __init__(
        self,
        token: str,
        *,
        clock: Clock,
        base_url: str = DISCORD_API,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
    ) -> None:
        """Calls to ``base_url`` with the bot ``token``; ``transport`` is for tests."""
        self._clock = clock
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bot {token}"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        self._bucket_ready_at: dict[str, float] = {}

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def get(self, route: str, path: str, params: Mapping[str, str] | None = None) -> object:
        """GET ``path`` (``route`` names its rate-limit bucket); the decoded JSON answer."""
        for attempt in range(2):
            await self._wait_for_bucket(route)
            response = await self._send(route, path, params)
            self._remember_bucket(route, response.headers)
            if response.status_code != HTTP_TOO_MANY_REQUESTS:
                return self._decoded(route, response)
            wait = self._retry_after(response)
            if attempt or wait > MAX_INLINE_WAIT_SECONDS:
                msg = f"Discord asked to slow down ({route}); trying again in {wait:.0f} s."
                raise RateLimitedError(msg, wait)
            await self._clock.sleep(wait)
        raise AssertionError  # pragma: no cover - the loop returns or raises

    async def _send(
        self, route: str, path: str, params: Mapping[str, str] | None
    ) -> httpx.Response:
        try:
            return await self._client.get(path, params=params)
        except httpx.HTTPError as err:
            msg = f"Discord could not be reached ({route}): {type(err).__name__}."
            raise TransientError(msg) from err

    async def _wait_for_bucket(self, route: str) -> None:
        ready_at = self._bucket_ready_at.pop(route, None)
        if ready_at is not None and ready_at > self._clock.now():
            await self._clock.sleep(ready_at - self._clock.now())

    def _remember_bucket(self, route: str, headers: httpx.Headers) -> None:
        if headers.get("x-ratelimit-remaining") != "0":
            return
        try:
            reset_after = float(headers.get("x-ratelimit-reset-after", "1"))
        except ValueError:
            reset_after = 1.0
        self._bucket_ready_at[route] = self._clock.now() + min(
            MAX_INLINE_WAIT_SECONDS, max(0.0, reset_after)
        )

    def _retry_after(self, response: httpx.Response) -> float:
        try:
            body = response.json()
        except ValueError:
            body = None
        seconds = body.get("retry_after") if isinstance(body, dict) else None
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds >= 0:
            return float(seconds)
        return retry_after_seconds(response.headers.get("retry-after"), now=self._clock.now())

    @staticmethod
    def _decoded(route: str, response: httpx.Response) -> object:
        status = response.status_code
        if status == HTTP_UNAUTHORIZED:
            raise CredentialsRefusedError(CREDENTIALS_REFUSED)
        if status == HTTP_FORBIDDEN:
            msg = f"Discord refused the bot access to {route} (403)."
            raise ForbiddenError(msg)
        if status != httpx.codes.OK:
            msg = f"Discord answered {route} with HTTP {status}."
            raise TransientError(msg)
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError) as err:
            msg = f"Discord sent an unreadable answer to {route}."
            raise TransientError(msg) from err
