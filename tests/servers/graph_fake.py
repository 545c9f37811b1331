"""A fake Microsoft Graph tenant for presence (Teams), served by a :class:`FakeHttpServer`.

It answers in Graph's documented shapes (``Authorization: Bearer``, JSON, OData) under
``/v1.0``, so ``api_base`` is ``<server url>/v1.0``:

- ``GET /me``, ``GET /users`` (paged: ``$top`` 1-999, default 100, ``@odata.nextLink`` with an
  opaque ``$skiptoken``);
- ``GET /me/presence``, ``GET /users/{id}/presence``, ``GET /communications/presences/{id}``;
- ``POST /communications/getPresencesByUserId`` ``{"ids": [...]}`` (at most 650 ids) →
  ``{"value": [presence, ...]}`` in the order asked; an id the tenant does not know is
  ``PresenceUnknown``;
- ``POST /users/{id}/presence/setUserPreferredPresence``, ``.../clearUserPreferredPresence``,
  ``.../setStatusMessage`` (only on the token's own user: 403 otherwise).

A presence is ``id``, ``availability``, ``activity``, ``statusMessage`` (``message{content,
contentType}``, ``publishedDateTime``, and ``expiryDateTime{dateTime, timeZone}`` for one's own
presence only; an empty ``content`` clears the message), ``outOfOfficeSettings{message,
isOutOfOffice}`` and ``sequenceNumber`` (grows with every change, sortable as a string). A
preferred presence shows only while the user has a session, i.e. while their own presence is
not ``Offline``.

Every failure is Graph's error body ``{"error": {"code", "message", "innerError"}}``: a
missing, unknown, revoked or expired token is 401 ``InvalidAuthenticationToken``; more
requests than the budget allows (1,500 per 30 s, like the presence APIs) in the window of the
injected clock is 429 ``TooManyRequests`` with ``Retry-After`` in whole seconds (refused
requests do not count). :meth:`GraphFake.fail_next` queues faults (5xx, a malformed JSON body,
a 429) for the next requests; :meth:`GraphFake.apply` and :meth:`GraphFake.play` change
presences now or on the clock (a person joins a meeting, presents, goes offline...).

Not faked: ``setPresence``/``clearPresence`` (application sessions), ``/me/people`` (not in the
project's API reference), ``$select``/``$filter``, change-notification subscriptions, and
batching (``$batch``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

from tests.servers.http_fake import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

GRAPH_PREFIX = "/v1.0"
MAX_IDS_PER_PRESENCE_REQUEST = 650
PRESENCE_REQUESTS_PER_WINDOW = 1500
PRESENCE_WINDOW_SECONDS = 30.0
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
TOKEN_LIFETIME_SECONDS = 75 * 60.0  # Entra's access tokens live 60-90 min, 75 on average
FAULT_RETRY_AFTER_SECONDS = 5  # the Retry-After of a queued 503 or 429
TENANT_DOMAIN = "contoso.onmicrosoft.com"
_ODATA_METADATA = "https://graph.microsoft.com/v1.0/$metadata"
_USER_NAMESPACE = uuid.UUID("6f1b3c52-7d0e-4c7e-9a43-2f3a2f0c9e11")
_DAY = 24 * 3600.0

# setUserPreferredPresence accepts only these availability/activity pairs.
PREFERRED_PRESENCE_PAIRS = frozenset(
    {
        ("Available", "Available"),
        ("Busy", "Busy"),
        ("DoNotDisturb", "DoNotDisturb"),
        ("BeRightBack", "BeRightBack"),
        ("Away", "Away"),
        ("Offline", "OffWork"),
    }
)
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


@dataclass(frozen=True)
class OutOfOffice:
    """A presence's ``outOfOfficeSettings``."""

    is_out_of_office: bool = False
    message: str | None = None


NOT_OUT_OF_OFFICE = OutOfOffice()


@dataclass(frozen=True)
class StatusMessage:
    """A note the user set; times are Unix seconds on the fake's clock."""

    content: str
    published_at: float
    expires_at: float | None = None


@dataclass(frozen=True)
class PreferredPresence:
    """What the user chose with ``setUserPreferredPresence``, until ``expires_at``."""

    availability: str
    activity: str
    expires_at: float


@dataclass(frozen=True)
class PresenceChange:
    """A change of someone's own presence; ``out_of_office`` None keeps their settings."""

    availability: str
    activity: str
    out_of_office: OutOfOffice | None = None


JOINS_MEETING = PresenceChange("Busy", "InAMeeting")
JOINS_CALL = PresenceChange("Busy", "InACall")
PRESENTS = PresenceChange("DoNotDisturb", "Presenting")
GOES_DO_NOT_DISTURB = PresenceChange("DoNotDisturb", "DoNotDisturb")
GOES_AWAY = PresenceChange("Away", "Away")
GOES_OFFLINE = PresenceChange("Offline", "Offline")
COMES_BACK = PresenceChange("Available", "Available", out_of_office=NOT_OUT_OF_OFFICE)


def sets_out_of_office(message: str) -> PresenceChange:
    """The change of someone who leaves with an automatic reply on: offline, out of office."""
    return PresenceChange(
        "Offline", "OutOfOffice", OutOfOffice(is_out_of_office=True, message=message)
    )


@dataclass(frozen=True)
class ScenarioStep:
    """``change`` happens to ``user_id`` ``after`` seconds into a played scenario."""

    after: float
    user_id: str
    change: PresenceChange


@dataclass
class GraphUser:
    """One person of the tenant and their own presence (before any preferred presence)."""

    id: str
    display_name: str
    user_principal_name: str
    job_title: str | None = None
    availability: str = "Available"
    activity: str = "Available"
    out_of_office: OutOfOffice = NOT_OUT_OF_OFFICE
    status_message: StatusMessage | None = None
    preferred: PreferredPresence | None = None
    sequence: int = 1


class Fault(Enum):
    """An answer :meth:`GraphFake.fail_next` gives instead of the real one."""

    INTERNAL_SERVER_ERROR = "500, Graph error body"
    BAD_GATEWAY = "502, an HTML page from the edge"
    SERVICE_UNAVAILABLE = "503 with Retry-After"
    TOO_MANY_REQUESTS = "429 with Retry-After, whatever the budget"
    MALFORMED_JSON = "200 with a truncated JSON body"


@dataclass(frozen=True)
class _Token:
    user_id: str
    expires_at: float


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
            raise _too_many_requests(max(1, math.ceil(wait)))
        self._accepted.append(now)


class GraphFake:
    """A tenant of users with presences; change it between requests to script the answers."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        request_limit: int = PRESENCE_REQUESTS_PER_WINDOW,
        window_seconds: float = PRESENCE_WINDOW_SECONDS,
    ) -> None:
        self.clock = clock
        self.budget = RequestBudget(clock, request_limit, window_seconds)
        self.users: dict[str, GraphUser] = {}
        self._tokens: dict[str, _Token] = {}
        self._issued = 0  # tokens ever issued: a revoked one is never issued again
        self._faults: deque[Fault] = deque()
        self._scenario: list[tuple[float, ScenarioStep]] = []
        self._answers = 0

    # ------------------------------------------------------------------ the tenant, for tests

    def add_user(self, display_name: str, *, job_title: str | None = None) -> GraphUser:
        """Add a person (a stable GUID from the name; ``first.last@contoso...``) and return them."""
        user_id = str(uuid.uuid5(_USER_NAMESPACE, display_name))
        alias = ".".join(display_name.lower().split())
        user = GraphUser(user_id, display_name, f"{alias}@{TENANT_DOMAIN}", job_title)
        self.users[user_id] = user
        return user

    def issue_token(self, user_id: str, lifetime: float = TOKEN_LIFETIME_SECONDS) -> str:
        """A delegated access token for ``user_id`` valid for ``lifetime`` seconds of the clock."""
        self._issued += 1
        token = f"fake-graph-token-{self._issued}-{user_id[:8]}"
        self._tokens[token] = _Token(user_id, self.clock() + lifetime)
        return token

    def revoke_token(self, token: str) -> None:
        """Make ``token`` unknown from now on."""
        self._tokens.pop(token, None)

    def apply(self, user_id: str, change: PresenceChange) -> None:
        """Change ``user_id``'s own presence now."""
        user = self.users[user_id]
        user.availability = change.availability
        user.activity = change.activity
        if change.out_of_office is not None:
            user.out_of_office = change.out_of_office
        user.sequence += 1

    def play(self, steps: Iterable[ScenarioStep]) -> None:
        """Start a scenario now: each step is applied once the clock reaches it."""
        start = self.clock()
        self._scenario.extend((start + step.after, step) for step in steps)
        self._scenario.sort(key=lambda timed: timed[0])

    def fail_next(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, one each, before anything else."""
        self._faults.extend(faults)

    def presence_of(self, user_id: str) -> tuple[str, str]:
        """The availability and activity others see for ``user_id`` now."""
        self._apply_due_steps()
        return self._shown_presence(self.users[user_id])

    # ------------------------------------------------------------------ HTTP

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one Graph request."""
        self._answers += 1
        self._apply_due_steps()
        if self._faults:
            return self._fault(self._faults.popleft())
        try:
            me = self._authenticate(request.headers.get("authorization", ""))
            self.budget.spend()
            return self._route(request, me)
        except GraphError as error:
            return self._error_response(error)

    def _route(self, request: FakeRequest, me: GraphUser) -> FakeResponse:
        if not request.path.startswith(GRAPH_PREFIX + "/"):
            raise _bad_request(f"The fake Graph serves only {GRAPH_PREFIX}, not {request.path}.")
        path = request.path.removeprefix(GRAPH_PREFIX)
        if request.method == "GET":
            return self._get(path, request, me)
        if request.method == "POST":
            return self._post(path, request, me)
        raise GraphError(405, "Request_BadRequest", f"{request.method} is not allowed here.")

    def _get(self, path: str, request: FakeRequest, me: GraphUser) -> FakeResponse:
        if path == "/me":
            return _ok({"@odata.context": f"{_ODATA_METADATA}#users/$entity", **_user_json(me)})
        if path == "/users":
            return self._users_page(request)
        if path == "/me/presence":
            return self._presence_answer(me, me)
        match = re.fullmatch(r"/users/([^/]+)/presence|/communications/presences/([^/]+)", path)
        if match:
            return self._presence_answer(self._user(match[1] or match[2]), me)
        raise _unsupported(request)

    def _post(self, path: str, request: FakeRequest, me: GraphUser) -> FakeResponse:
        if path == "/communications/getPresencesByUserId":
            return self._presences_by_user_id(_json_object(request.body), me)
        match = re.fullmatch(r"/users/([^/]+)/presence/(\w+)", path)
        if match is None:
            raise _unsupported(request)
        user = self._user(match[1])
        if user is not me:
            raise GraphError(403, "Forbidden", "Cannot set the presence of another user.")
        action = match[2]
        if action == "setUserPreferredPresence":
            self._set_preferred(user, _json_object(request.body))
        elif action == "clearUserPreferredPresence":
            user.preferred = None
        elif action == "setStatusMessage":
            self._set_status_message(user, _json_object(request.body))
        else:
            raise _unsupported(request)
        user.sequence += 1
        return FakeResponse(200, b"")

    # ------------------------------------------------------------------ endpoints

    def _users_page(self, request: FakeRequest) -> FakeResponse:
        top = _page_size(request.query.get("$top", [str(DEFAULT_PAGE_SIZE)])[0])
        offset = _offset_of(request.query.get("$skiptoken", [""])[0])
        users = list(self.users.values())
        body: dict[str, object] = {
            "@odata.context": f"{_ODATA_METADATA}#users",
            "value": [_user_json(user) for user in users[offset : offset + top]],
        }
        if offset + top < len(users):
            skiptoken = base64.urlsafe_b64encode(f"offset:{offset + top}".encode()).decode()
            host = request.headers.get("host", "graph.microsoft.com")
            body["@odata.nextLink"] = (
                f"http://{host}{GRAPH_PREFIX}/users?$top={top}&$skiptoken={skiptoken}"
            )
        return _ok(body)

    def _presence_answer(self, user: GraphUser, me: GraphUser) -> FakeResponse:
        context = f"{_ODATA_METADATA}#users('{user.id}')/presence/$entity"
        return _ok({"@odata.context": context, **self._presence_json(user, me)})

    def _presences_by_user_id(self, body: dict[str, object], me: GraphUser) -> FakeResponse:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise _bad_request("The request body must have 'ids', a non-empty list of user ids.")
        if len(ids) > MAX_IDS_PER_PRESENCE_REQUEST:
            raise _bad_request(
                f"The number of ids ({len(ids)}) exceeds the limit of "
                f"{MAX_IDS_PER_PRESENCE_REQUEST} per request."
            )
        presences = []
        for user_id in ids:
            _check_guid(user_id)
            user = self.users.get(user_id)
            presences.append(
                self._presence_json(user, me) if user is not None else _unknown_presence(user_id)
            )
        return _ok(
            {"@odata.context": f"{_ODATA_METADATA}#Collection(presence)", "value": presences}
        )

    def _set_preferred(self, user: GraphUser, body: dict[str, object]) -> None:
        availability, activity = str(body.get("availability")), str(body.get("activity"))
        if (availability, activity) not in PREFERRED_PRESENCE_PAIRS:
            raise _bad_request(
                f"The availability and activity pair ({availability}, {activity}) "
                "is not supported by setUserPreferredPresence."
            )
        default = _DAY if availability in {"Busy", "DoNotDisturb"} else 7 * _DAY
        duration = body.get("expirationDuration")
        lasts = default if duration is None else _duration_seconds(duration)
        user.preferred = PreferredPresence(availability, activity, self.clock() + lasts)

    def _set_status_message(self, user: GraphUser, body: dict[str, object]) -> None:
        status = body.get("statusMessage")
        message = status.get("message") if isinstance(status, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(status, dict) or not isinstance(content, str):
            raise _bad_request("The body must be {'statusMessage': {'message': {'content': ...}}}.")
        expiry = status.get("expiryDateTime")
        expires_at = None if expiry is None else _timestamp_of(expiry)
        user.status_message = StatusMessage(content, self.clock(), expires_at) if content else None

    # ------------------------------------------------------------------ helpers

    def _authenticate(self, authorization: str) -> GraphUser:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _invalid_token("Access token is empty.")
        known = self._tokens.get(token)
        if known is None:
            raise _invalid_token("IDX14100: JWT is not well formed, there are no dots (.).")
        if self.clock() >= known.expires_at:
            raise _invalid_token("Lifetime validation failed, the token is expired.")
        return self.users[known.user_id]

    def _user(self, user_id: str) -> GraphUser:
        _check_guid(user_id)
        user = self.users.get(user_id)
        if user is None:
            raise GraphError(404, "NotFound", f"User '{user_id}' does not exist in the tenant.")
        return user

    def _shown_presence(self, user: GraphUser) -> tuple[str, str]:
        preferred = user.preferred
        if preferred is not None and preferred.expires_at <= self.clock():
            user.preferred = preferred = None
        if preferred is None or user.availability == "Offline":  # no session: preference idle
            return user.availability, user.activity
        return preferred.availability, preferred.activity

    def _presence_json(self, user: GraphUser, me: GraphUser) -> dict[str, object]:
        availability, activity = self._shown_presence(user)
        return {
            "id": user.id,
            "availability": availability,
            "activity": activity,
            "statusMessage": self._status_json(user, own=user is me),
            "outOfOfficeSettings": {
                "message": user.out_of_office.message,
                "isOutOfOffice": user.out_of_office.is_out_of_office,
            },
            "sequenceNumber": f"{user.sequence:016X}",
        }

    def _status_json(self, user: GraphUser, *, own: bool) -> dict[str, object] | None:
        status = user.status_message
        if status is None:
            return None
        if status.expires_at is not None and status.expires_at <= self.clock():
            user.status_message = None
            return None
        answer: dict[str, object] = {
            "message": {"content": status.content, "contentType": "text"},
            "publishedDateTime": _iso(status.published_at) + "Z",
        }
        if own and status.expires_at is not None:  # Graph hides others' expiry
            answer["expiryDateTime"] = {"dateTime": _iso(status.expires_at), "timeZone": "UTC"}
        return answer

    def _apply_due_steps(self) -> None:
        now = self.clock()
        while self._scenario and self._scenario[0][0] <= now:
            _, step = self._scenario.pop(0)
            self.apply(step.user_id, step.change)

    def _fault(self, fault: Fault) -> FakeResponse:
        if fault is Fault.BAD_GATEWAY:
            return FakeResponse(502, b"<html>502 Bad Gateway</html>", content_type="text/html")
        if fault is Fault.MALFORMED_JSON:
            return FakeResponse(200, b'{"value": [{"id": "', content_type="application/json")
        if fault is Fault.TOO_MANY_REQUESTS:
            return self._error_response(_too_many_requests(FAULT_RETRY_AFTER_SECONDS))
        if fault is Fault.SERVICE_UNAVAILABLE:
            return self._error_response(
                GraphError(
                    503,
                    "ServiceUnavailable",
                    "The service is temporarily unavailable.",
                    {"Retry-After": str(FAULT_RETRY_AFTER_SECONDS)},
                )
            )
        return self._error_response(
            GraphError(500, "InternalServerError", "An internal server error occurred.")
        )

    def _error_response(self, error: GraphError) -> FakeResponse:
        request_id = str(uuid.uuid5(_USER_NAMESPACE, f"request-{self._answers}"))
        inner = {"date": _iso(self.clock()).split(".")[0], "request-id": request_id}
        body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
        return FakeResponse(error.status, body, headers={"request-id": request_id, **error.headers})


# ---------------------------------------------------------------------- module helpers


def _ok(body: dict[str, object]) -> FakeResponse:
    return FakeResponse(200, body)


def _user_json(user: GraphUser) -> dict[str, object]:
    return {
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "mail": user.user_principal_name,
        "jobTitle": user.job_title,
        "businessPhones": [],
    }


def _unknown_presence(user_id: str) -> dict[str, object]:
    return {
        "id": user_id,
        "availability": "PresenceUnknown",
        "activity": "PresenceUnknown",
        "statusMessage": None,
        "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
        "sequenceNumber": None,
    }


def _json_object(body: bytes) -> dict[str, object]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        raise _bad_request("Unable to read JSON request payload.") from None
    if not isinstance(parsed, dict):
        raise _bad_request("The request body must be a JSON object.")
    return parsed


def _check_guid(user_id: str) -> None:
    try:
        uuid.UUID(user_id)
    except ValueError:
        raise _bad_request(f"Invalid user id '{user_id}': use the user's object id.") from None


def _page_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise _bad_request(
            f"Invalid page size specified: '{text}'. "
            f"Must be between 1 and {MAX_PAGE_SIZE} inclusive."
        )
    return int(text)


def _offset_of(skiptoken: str) -> int:
    if not skiptoken:
        return 0
    try:
        label, _, number = base64.urlsafe_b64decode(skiptoken).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        label, number = "", ""
    if label != "offset" or not number.isdigit():
        raise _bad_request("The $skiptoken is not one this service issued.")
    return int(number)


def _duration_seconds(duration: object) -> float:
    match = _DURATION.fullmatch(duration) if isinstance(duration, str) else None
    if match is None or duration in {"P", "PT"}:
        raise _bad_request(f"expirationDuration '{duration}' is not an ISO 8601 duration.")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return days * _DAY + hours * 3600.0 + minutes * 60.0 + seconds


def _timestamp_of(expiry: object) -> float:
    if not isinstance(expiry, dict) or expiry.get("timeZone", "UTC") != "UTC":
        raise _bad_request("expiryDateTime must be {'dateTime': ..., 'timeZone': 'UTC'}.")
    try:
        moment = datetime.fromisoformat(str(expiry.get("dateTime")))
    except ValueError:
        raise _bad_request(f"expiryDateTime '{expiry.get('dateTime')}' is not a date.") from None
    return moment.replace(tzinfo=UTC).timestamp()


def _iso(timestamp: float) -> str:
    return (
        datetime.fromtimestamp(timestamp, UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
    )


def _bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _invalid_token(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def _too_many_requests(retry_after: int) -> GraphError:
    return GraphError(
        429,
        "TooManyRequests",
        "Too many requests in the window; retry after the given delay.",
        {"Retry-After": str(retry_after)},
    )


def _unsupported(request: FakeRequest) -> GraphError:
    return _bad_request(f"The fake Graph does not serve {request.method} {request.path}.")


__all__ = [
    "COMES_BACK",
    "GOES_AWAY",
    "GOES_DO_NOT_DISTURB",
    "GOES_OFFLINE",
    "GRAPH_PREFIX",
    "JOINS_CALL",
    "JOINS_MEETING",
    "MAX_IDS_PER_PRESENCE_REQUEST",
    "PRESENTS",
    "Fault",
    "GraphFake",
    "GraphUser",
    "OutOfOffice",
    "PresenceChange",
    "ScenarioStep",
    "sets_out_of_office",
]
