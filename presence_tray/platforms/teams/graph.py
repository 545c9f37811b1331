"""Microsoft Graph for one Teams account: its endpoints, their budgets, and refusals as errors.

The numbers are those of the project's API reference (``platform-apis.md`` §3.2 and §3.5).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PermanentError, TransientError
from presence_tray.core.polling import CallBudget, RateLimit
from presence_tray.platforms.http import Endpoint
from presence_tray.platforms.wire import get_str

if TYPE_CHECKING:
    import httpx

    from presence_tray.core.clock import Clock
    from presence_tray.platforms.http import PlatformHttp

PLATFORM_NAME: Final = "Microsoft Teams"
GRAPH_BASE_URL: Final = "https://graph.microsoft.com/v1.0"

PRESENCE_RATE_LIMIT: Final = RateLimit(calls=1500, per_seconds=30.0)
"""The presence APIs share one limit: 1,500 requests per 30 s per app per tenant (§3.2, §3.5).
Reading everyone's presence and setting one's own spend the same budget."""
DIRECTORY_RATE_LIMIT: Final = RateLimit(calls=100, per_seconds=10.0)
"""``/me`` and ``/users``: the reference gives no number for directory reads (§3.5: "limits
differ per service"), so a modest 100 per 10 s; a sign-in reads a handful of pages."""
PRESENCE_BATCH_SIZE: Final = 650
"""``getPresencesByUserId`` takes at most 650 ids per request (§3.2)."""

READ_PRESENCE_PERMISSION: Final = "Presence.Read.All"
WRITE_PRESENCE_PERMISSION: Final = "Presence.ReadWrite"
READ_USERS_PERMISSION: Final = "User.ReadBasic.All"
READ_ME_PERMISSION: Final = "User.Read"

HTTP_FORBIDDEN: Final = 403
HTTP_CLIENT_ERROR: Final = 400
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.]{1,64}")


class GraphEndpoints:
    """The calls a Teams client makes, each with the budget of the limit it falls under."""

    def __init__(self, clock: Clock, *, presence_limit: RateLimit = PRESENCE_RATE_LIMIT) -> None:
        """Budgets on ``clock``; ``presence_limit`` other than Graph's is for tests."""
        presence = CallBudget(presence_limit, clock, name="presence")
        directory = CallBudget(DIRECTORY_RATE_LIMIT, clock, name="directory")
        self.budgets: tuple[CallBudget, ...] = (presence, directory)
        self.me = Endpoint("/me", directory)
        self.users = Endpoint("/users", directory)
        self.presences = Endpoint("getPresencesByUserId", presence)
        self.preferred_presence = Endpoint("setUserPreferredPresence", presence)
        self.clear_preferred_presence = Endpoint("clearUserPreferredPresence", presence)
        self.status_message = Endpoint("setStatusMessage", presence)


def require_success(
    http: PlatformHttp, endpoint: Endpoint, response: httpx.Response, *, permission: str
) -> None:
    """Raise PermanentError when Graph refused the call (4xx other than 401 and 429).

    403 means the sign-in lacks ``permission``; other refusals name Graph's error code, which
    never carries a token (messages are left out: they may quote the request).
    """
    status = response.status_code
    if status < HTTP_CLIENT_ERROR:
        return
    if status == HTTP_FORBIDDEN:
        msg = (
            f"Microsoft Graph refused {endpoint.name}: the sign-in lacks the permission "
            f"{permission}. Ask your Microsoft 365 administrator to grant it to "
            "Presence Tray, then reconnect the account in Settings."
        )
        raise PermanentError(msg)
    code = _error_code(http, endpoint, response)
    msg = f"Microsoft Graph refused {endpoint.name} (HTTP {status}, {code})."
    raise PermanentError(msg)


def _error_code(http: PlatformHttp, endpoint: Endpoint, response: httpx.Response) -> str:
    try:
        body = http.read_json(endpoint, response)
    except TransientError:  # an unreadable error body is still a refusal
        return "no error code"
    code = get_str(body, "error", "code")
    return code if code is not None and _ERROR_CODE.fullmatch(code) else "no error code"
