"""Slack's Web API for one account: the documented rate limits, and ``ok: false`` read right.

Slack answers almost everything with HTTP 200 and says in the body whether it worked
(``{"ok": false, "error": "<code>"}``). This module turns that into the core error kinds:

- a refused token (``invalid_auth``, ``token_expired``, ...) is what the token holder renews
  once and sends again (:func:`is_refused_token`); refused again, it parks the account;
- ``missing_scope`` is a :class:`~presence_tray.core.errors.PermanentError` naming the
  permission Slack wants;
- Slack's own passing failures (``internal_error``, ...) are transient;
- any other code is a :class:`SlackRefusalError` (a PermanentError) carrying the code, so a
  caller can treat a known per-person code (``user_not_found``) as "cannot tell".

Every method has its own limit at Slack ("per method per workspace per app"), so each has its
own :class:`~presence_tray.core.polling.CallBudget`.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError, TransientError
from presence_tray.core.polling import CallBudget, RateLimit
from presence_tray.platforms.http import REQUEST_TIMEOUT_SECONDS, Endpoint, PlatformHttp
from presence_tray.platforms.wire import get_str

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from presence_tray.core.clock import Clock
    from presence_tray.platforms.http import AuthorizedCaller

SLACK_API_BASE: Final = "https://slack.com/api/"
PLATFORM_NAME: Final = "Slack"

_MINUTE = 60.0
# Tiers and their numbers: platform-apis.md §2.5 (docs.slack.dev apis/web-api/rate-limits;
# method tiers from Slack's method pages). Slack allows bursts above them ("20+/min"); we
# spend only the stated number, minus the CallBudget's headroom.
TIER_2: Final = RateLimit(calls=20, per_seconds=_MINUTE)
TIER_3: Final = RateLimit(calls=50, per_seconds=_MINUTE)
TIER_4: Final = RateLimit(calls=100, per_seconds=_MINUTE)
METHOD_LIMITS: Final[Mapping[str, RateLimit]] = {
    "auth.test": TIER_4,  # "Special" on Slack's page; read once per start
    "users.list": TIER_2,
    "users.getPresence": TIER_3,
    "dnd.teamInfo": TIER_2,
    "users.setPresence": TIER_2,
    "dnd.setSnooze": TIER_2,
    "dnd.endSnooze": TIER_2,
    "users.profile.set": TIER_3,
}
"""Every method the client calls, with its documented limit."""

REFUSED_TOKEN_ERRORS: Final = frozenset(
    {"invalid_auth", "token_expired", "token_revoked", "account_inactive", "not_authed"}
)
"""``error`` codes meaning the token is not accepted (Slack does not use HTTP 401 for it)."""
SLACK_PASSING_ERRORS: Final = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
"""``error`` codes Slack documents as its own passing trouble: try again later."""
_MAX_ERROR_CODE_CHARS: Final = 64
"""Slack's codes are short words; anything else is not repeated in a message."""


class SlackRefusalError(PermanentError):
    """Slack answered ``ok: false`` with ``code`` for a reason retrying will not fix."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def slack_error_code(body: Mapping[str, object]) -> str | None:
    """The ``error`` of an ``ok: false`` answer (None when the answer says ``ok: true``)."""
    if body.get("ok") is True:
        return None
    code = get_str(body, "error")
    readable = code is not None and code.isascii() and 0 < len(code) <= _MAX_ERROR_CODE_CHARS
    return code if readable else "unknown_error"


def is_refused_token(response: httpx.Response) -> bool:
    """Whether Slack refused the token: HTTP 401, or a 200 whose ``error`` says so."""
    if response.status_code == HTTPStatus.UNAUTHORIZED:  # a proxy in front of Slack may use it
        return True
    if response.status_code != HTTPStatus.OK:
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(body, dict) and slack_error_code(body) in REFUSED_TOKEN_ERRORS


class SlackWebApi:
    """Calls to Slack's Web API as one account, each within its method's budget."""

    def __init__(
        self,
        *,
        tokens: AuthorizedCaller,
        clock: Clock,
        base_url: str = SLACK_API_BASE,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        """Calls to ``base_url`` with ``tokens``, each given ``timeout`` seconds to answer;
        ``transport`` is for tests."""
        self._http = PlatformHttp(
            platform_name=PLATFORM_NAME,
            base_url=base_url,
            tokens=tokens,
            clock=clock,
            transport=transport,
            timeout=timeout,
        )
        self.endpoints: dict[str, Endpoint] = {
            method: Endpoint(method, CallBudget(limit, clock, name=method))
            for method, limit in METHOD_LIMITS.items()
        }

    @property
    def budgets(self) -> list[CallBudget]:
        """Every method's budget (for statistics)."""
        return [endpoint.budget for endpoint in self.endpoints.values()]

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def read(self, method: str, **arguments: str) -> dict[str, object]:
        """GET ``method`` with ``arguments``; its ``ok: true`` answer (see :meth:`write`)."""
        endpoint = self.endpoints[method]
        response = await self._http.request(
            endpoint, "GET", method, params=arguments, refused=is_refused_token
        )
        return self._checked(endpoint, response)

    async def write(self, method: str, **arguments: str) -> dict[str, object]:
        """POST ``arguments`` as a form to ``method``; its ``ok: true`` answer.

        Raises TransientError/RateLimitedError (network, 5xx, 429, Slack's passing errors),
        the token holder's AuthError, PermanentError for ``missing_scope`` and
        :class:`SlackRefusalError` for any other refusal.
        """
        endpoint = self.endpoints[method]
        response = await self._http.request(
            endpoint, "POST", method, form=arguments, refused=is_refused_token
        )
        return self._checked(endpoint, response)

    def _checked(self, endpoint: Endpoint, response: httpx.Response) -> dict[str, object]:
        body = self._http.read_json(endpoint, response)
        code = slack_error_code(body)
        if code is None:
            return body
        method = endpoint.name
        if code in SLACK_PASSING_ERRORS:
            msg = f"Slack had a passing problem on {method} ({code})."
            raise TransientError(msg)
        if code == "missing_scope":
            needed = get_str(body, "needed") or "a permission"
            msg = (
                f"Slack did not grant Presence Tray the {needed} permission it needs for "
                f"{method}; reconnect the account and allow it."
            )
            raise PermanentError(msg)
        msg = f"Slack refused {method} ({code})."
        raise SlackRefusalError(msg, code)
