"""Graph's wire format as the fake writes and reads it: error bodies, JSON, GUIDs, dates."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.servers.http_fake import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tests.servers.graph.model import GraphUser

MAX_PAGE_SIZE = 999
DAY_SECONDS = 24 * 3600.0
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


class GraphError(Exception):
    """Raised inside the fake to answer with Graph's error body."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


class RequestBudget:
    """At most ``limit`` requests in any ``window`` seconds of ``clock``."""

    def __init__(self, clock: Callable[[], float], limit: int, window: float) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._accepted: deque[float] = deque()

    def spend(self) -> None:
        """Count one request, or raise the 429 if the window is full (that one is not counted)."""
        now = self._clock()
        while self._accepted and self._accepted[0] <= now - self.window:
            self._accepted.popleft()
        if len(self._accepted) >= self.limit:
            wait = self._accepted[0] + self.window - now
            raise too_many_requests(max(1, math.ceil(wait)))
        self._accepted.append(now)


def ok(body: dict[str, object]) -> FakeResponse:
    """A 200 with ``body``."""
    return FakeResponse(200, body)


def user_json(user: GraphUser, select: str | None = None) -> dict[str, object]:
    """A ``user`` resource as ``/me`` and ``/users`` give it, or a 400 for a bad ``$select``.

    Without ``$select`` Graph gives the default properties only (``accountEnabled`` is
    "returned only on ``$select``", as the user resource documents); with it, exactly the
    properties named.
    """
    default = {
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "mail": user.user_principal_name,
        "jobTitle": user.job_title,
        "businessPhones": [],
    }
    if select is None:
        return default
    known = {**default, "accountEnabled": user.account_enabled}
    chosen = [name.strip() for name in select.split(",") if name.strip()]
    if unknown := [name for name in chosen if name not in known]:
        raise bad_request(
            f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.user'."
        )
    return {name: known[name] for name in chosen}


def unknown_presence(user_id: str) -> dict[str, object]:
    """The presence Graph gives for an id it cannot tell about."""
    return {
        "id": user_id,
        "availability": "PresenceUnknown",
        "activity": "PresenceUnknown",
        "statusMessage": None,
        "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
        "sequenceNumber": None,
    }


def json_object(body: bytes) -> dict[str, object]:
    """A request body as a JSON object, or a 400."""
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        raise bad_request("Unable to read JSON request payload.") from None
    if not isinstance(parsed, dict):
        raise bad_request("The request body must be a JSON object.")
    return parsed


def check_guid(user_id: str) -> None:
    """A 400 unless ``user_id`` is an object id (a GUID)."""
    try:
        uuid.UUID(user_id)
    except ValueError:
        raise bad_request(f"Invalid user id '{user_id}': use the user's object id.") from None


def page_size(text: str) -> int:
    """``$top`` as a number within Graph's bounds, or a 400."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise bad_request(
            f"Invalid page size specified: '{text}'. "
            f"Must be between 1 and {MAX_PAGE_SIZE} inclusive."
        )
    return int(text)


def skiptoken_for(offset: int) -> str:
    """The opaque ``$skiptoken`` of the page that starts at ``offset``."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def offset_of(skiptoken: str) -> int:
    """Where the page of ``skiptoken`` starts, or a 400 for one the fake did not issue."""
    if not skiptoken:
        return 0
    try:
        label, _, number = base64.urlsafe_b64decode(skiptoken).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        label, number = "", ""
    if label != "offset" or not number.isdigit():
        raise bad_request("The $skiptoken is not one this service issued.")
    return int(number)


def duration_seconds(duration: object) -> float:
    """An ISO 8601 ``expirationDuration`` in seconds, or a 400."""
    match = _DURATION.fullmatch(duration) if isinstance(duration, str) else None
    if match is None or duration in {"P", "PT"}:
        raise bad_request(f"expirationDuration '{duration}' is not an ISO 8601 duration.")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return days * DAY_SECONDS + hours * 3600.0 + minutes * 60.0 + seconds


def timestamp_of(expiry: object) -> float:
    """An ``expiryDateTime`` (``dateTime`` in UTC) in seconds since the epoch, or a 400."""
    if not isinstance(expiry, dict) or expiry.get("timeZone", "UTC") != "UTC":
        raise bad_request("expiryDateTime must be {'dateTime': ..., 'timeZone': 'UTC'}.")
    try:
        moment = datetime.fromisoformat(str(expiry.get("dateTime")))
    except ValueError:
        raise bad_request(f"expiryDateTime '{expiry.get('dateTime')}' is not a date.") from None
    return moment.replace(tzinfo=UTC).timestamp()


def iso(timestamp: float) -> str:
    """``timestamp`` as Graph writes dates: ISO 8601, UTC, no zone suffix."""
    return (
        datetime.fromtimestamp(timestamp, UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
    )


def bad_request(message: str) -> GraphError:
    """Graph's 400."""
    return GraphError(400, "BadRequest", message)


def invalid_token(message: str) -> GraphError:
    """Graph's 401 for a token it does not accept."""
    return GraphError(401, "InvalidAuthenticationToken", message)


def too_many_requests(retry_after: int) -> GraphError:
    """Graph's 429, asking to wait ``retry_after`` seconds."""
    return GraphError(
        429,
        "TooManyRequests",
        "Too many requests in the window; retry after the given delay.",
        {"Retry-After": str(retry_after)},
    )


def unsupported(request: FakeRequest) -> GraphError:
    """A 400 for a request the fake does not serve."""
    return bad_request(f"The fake Graph does not serve {request.method} {request.path}.")
