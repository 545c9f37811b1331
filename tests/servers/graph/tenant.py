"""A fake Microsoft Graph tenant for presence (Teams), served by a :class:`FakeHttpServer`.

It answers in Graph's documented shapes (``Authorization: Bearer``, JSON, OData) under
``/v1.0``, so ``api_base`` is ``<server url>/v1.0``:

- ``GET /me``, ``GET /users`` (paged: ``$top`` 1-999, default 100, ``@odata.nextLink`` with an
  opaque ``$skiptoken`` and the request's ``$select``; ``$select`` gives exactly the properties
  named, ``accountEnabled`` only when named; disabled accounts are listed too);
- ``GET /me/presence``, ``GET /users/{id}/presence``, ``GET /communications/presences/{id}``;
- ``POST /communications/getPresencesByUserId`` ``{"ids": [...]}`` (at most 650 ids) →
  ``{"value": [presence, ...]}`` in the order asked; an id the tenant does not know is
  ``PresenceUnknown``;
- ``POST /users/{id}/presence/setUserPreferredPresence``, ``.../clearUserPreferredPresence``,
  ``.../setStatusMessage`` (only on the token's own user: 403 otherwise), the paths the v1.0
  reference documents (presence-setuserpreferredpresence.md, presence-setstatusmessage.md);
- ``POST /{tenant}/oauth2/v2.0/token``, the identity platform's refresh grant with rotation
  (:mod:`tests.servers.graph.oauth`; in Azure it lives on ``login.microsoftonline.com``).

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
a 429, a slow answer, a dropped connection) for the next requests;
:meth:`GraphFake.deny_presence_reads` takes ``Presence.Read.All`` away (403 on reads of
others' presence); :meth:`GraphFake.apply` and :meth:`GraphFake.play` change
presences now or on the clock (a person joins a meeting, presents, goes offline...).

Not faked: ``setPresence``/``clearPresence`` (application sessions), ``/me/people`` (not in the
project's API reference), ``$filter``, ``$orderby``, change-notification subscriptions, and
batching (``$batch``).
"""

from __future__ import annotations

import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from tests.servers.graph.model import (
    Fault,
    GraphUser,
    PreferredPresence,
    PresenceChange,
    ScenarioStep,
    StatusMessage,
)
from tests.servers.graph.oauth import TOKEN_PATH, RefreshTokens, SignIn
from tests.servers.graph.wire import (
    DAY_SECONDS,
    GraphError,
    RequestBudget,
    bad_request,
    check_guid,
    duration_seconds,
    invalid_token,
    iso,
    json_object,
    offset_of,
    ok,
    page_size,
    skiptoken_for,
    timestamp_of,
    too_many_requests,
    unknown_presence,
    unsupported,
    user_json,
)
from tests.servers.http_fake import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

GRAPH_PREFIX = "/v1.0"
MAX_IDS_PER_PRESENCE_REQUEST = 650
PRESENCE_REQUESTS_PER_WINDOW = 1500
PRESENCE_WINDOW_SECONDS = 30.0
DEFAULT_PAGE_SIZE = 100
TOKEN_LIFETIME_SECONDS = 75 * 60.0  # Entra's access tokens live 60-90 min, 75 on average
FAULT_RETRY_AFTER_SECONDS = 5  # the Retry-After of a queued 503 or 429
SLOW_ANSWER_SECONDS = 1.0  # how late a queued slow answer comes (a client times out first)
TENANT_DOMAIN = "contoso.onmicrosoft.com"
_ODATA_METADATA = "https://graph.microsoft.com/v1.0/$metadata"
_USER_NAMESPACE = uuid.UUID("6f1b3c52-7d0e-4c7e-9a43-2f3a2f0c9e11")

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


@dataclass(frozen=True)
class _Token:
    user_id: str
    expires_at: float


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
        self.refresh_tokens = RefreshTokens(self._issue_with_lifetime, clock)
        """The token endpoint's refresh tokens (its ``renewals`` and ``refusals`` counts)."""
        self.presence_reads_allowed = True
        self.server_page_size: int | None = None
        """Server-driven paging: ``/users`` pages hold at most this many, whatever ``$top``."""
        self.left_out_of_answers: set[str] = set()
        """Ids a bulk presence answer leaves out (the client must not read that as offline)."""
        self.slow_answer_seconds = SLOW_ANSWER_SECONDS

    # ------------------------------------------------------------------ the tenant, for tests

    def add_user(self, display_name: str, *, job_title: str | None = None) -> GraphUser:
        """Add a person (a stable GUID from the name; ``first.last@contoso...``) and return them."""
        user_id = str(uuid.uuid5(_USER_NAMESPACE, display_name))
        alias = ".".join(display_name.lower().split())
        user = GraphUser(user_id, display_name, f"{alias}@{TENANT_DOMAIN}", job_title)
        self.users[user_id] = user
        return user

    def _issue_with_lifetime(self, user_id: str) -> tuple[str, float]:
        return self.issue_token(user_id), TOKEN_LIFETIME_SECONDS

    def issue_token(self, user_id: str, lifetime: float = TOKEN_LIFETIME_SECONDS) -> str:
        """A delegated access token for ``user_id`` valid for ``lifetime`` seconds of the clock."""
        self._issued += 1
        token = f"fake-graph-token-{self._issued}-{user_id[:8]}"
        self._tokens[token] = _Token(user_id, self.clock() + lifetime)
        return token

    def revoke_token(self, token: str) -> None:
        """Make ``token`` unknown from now on."""
        self._tokens.pop(token, None)

    def sign_in(self, user_id: str) -> SignIn:
        """A delegated sign-in of ``user_id``: an access token and a refresh token for it."""
        return self.refresh_tokens.sign_in(user_id)

    def revoke_sign_ins(self, user_id: str) -> None:
        """Revoke every session of ``user_id``: their access and refresh tokens stop working."""
        for token, known in list(self._tokens.items()):
            if known.user_id == user_id:
                del self._tokens[token]
        self.refresh_tokens.revoke(user_id)

    def deny_presence_reads(self) -> None:
        """Take ``Presence.Read.All`` away: reading others' presence is 403 from now on."""
        self.presence_reads_allowed = False

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
        if TOKEN_PATH.fullmatch(request.path):
            return self.refresh_tokens.answer(request)
        fault = self._faults.popleft() if self._faults else None
        if fault is Fault.SLOW_ANSWER:
            return replace(self._answer(request), delay=self.slow_answer_seconds)
        if fault is Fault.DROPPED_CONNECTION:
            return FakeResponse(200, drop_connection=True)
        if fault is not None:
            return self._fault(fault)
        return self._answer(request)

    def _answer(self, request: FakeRequest) -> FakeResponse:
        try:
            me = self._authenticate(request.headers.get("authorization", ""))
            self.budget.spend()
            return self._route(request, me)
        except GraphError as error:
            return self._error_response(error)

    def _route(self, request: FakeRequest, me: GraphUser) -> FakeResponse:
        if not request.path.startswith(GRAPH_PREFIX + "/"):
            raise bad_request(f"The fake Graph serves only {GRAPH_PREFIX}, not {request.path}.")
        path = request.path.removeprefix(GRAPH_PREFIX)
        if request.method == "GET":
            return self._get(path, request, me)
        if request.method == "POST":
            return self._post(path, request, me)
        raise GraphError(405, "Request_BadRequest", f"{request.method} is not allowed here.")

    def _get(self, path: str, request: FakeRequest, me: GraphUser) -> FakeResponse:
        if path == "/me":
            select = _select_of(request)
            return ok(
                {"@odata.context": f"{_ODATA_METADATA}#users/$entity", **user_json(me, select)}
            )
        if path == "/users":
            return self._users_page(request)
        if path == "/me/presence":
            return self._presence_answer(me, me)
        match = re.fullmatch(r"/users/([^/]+)/presence|/communications/presences/([^/]+)", path)
        if match:
            return self._presence_answer(self._user(match[1] or match[2]), me)
        raise unsupported(request)

    def _post(self, path: str, request: FakeRequest, me: GraphUser) -> FakeResponse:
        if path == "/communications/getPresencesByUserId":
            return self._presences_by_user_id(json_object(request.body), me)
        match = re.fullmatch(r"/users/([^/]+)/presence/(\w+)", path)
        if match is None:
            raise unsupported(request)
        user = self._user(match[1])
        if user is not me:
            raise GraphError(403, "Forbidden", "Cannot set the presence of another user.")
        action = match[2]
        if action == "setUserPreferredPresence":
            self._set_preferred(user, json_object(request.body))
        elif action == "clearUserPreferredPresence":
            user.preferred = None
        elif action == "setStatusMessage":
            self._set_status_message(user, json_object(request.body))
        else:
            raise unsupported(request)
        user.sequence += 1
        return FakeResponse(200, b"")

    # ------------------------------------------------------------------ endpoints

    def _users_page(self, request: FakeRequest) -> FakeResponse:
        top = page_size(request.query.get("$top", [str(DEFAULT_PAGE_SIZE)])[0])
        top = min(top, self.server_page_size or top)
        offset = offset_of(request.query.get("$skiptoken", [""])[0])
        select = _select_of(request)
        users = list(self.users.values())
        body: dict[str, object] = {
            "@odata.context": f"{_ODATA_METADATA}#users" + (f"({select})" if select else ""),
            "value": [user_json(user, select) for user in users[offset : offset + top]],
        }
        if offset + top < len(users):
            query = {"$top": str(top), "$skiptoken": skiptoken_for(offset + top)}
            if select is not None:
                query = {"$select": select, **query}
            host = request.headers.get("host", "graph.microsoft.com")
            body["@odata.nextLink"] = (
                f"http://{host}{GRAPH_PREFIX}/users?{urlencode(query, safe='$,')}"
            )
        return ok(body)

    def _presence_answer(self, user: GraphUser, me: GraphUser) -> FakeResponse:
        context = f"{_ODATA_METADATA}#users('{user.id}')/presence/$entity"
        return ok({"@odata.context": context, **self._presence_json(user, me)})

    def _presences_by_user_id(self, body: dict[str, object], me: GraphUser) -> FakeResponse:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise bad_request("The request body must have 'ids', a non-empty list of user ids.")
        if not self.presence_reads_allowed:
            raise GraphError(403, "Forbidden", "Insufficient privileges to complete the operation.")
        if len(ids) > MAX_IDS_PER_PRESENCE_REQUEST:
            raise bad_request(
                f"The number of ids ({len(ids)}) exceeds the limit of "
                f"{MAX_IDS_PER_PRESENCE_REQUEST} per request."
            )
        presences = []
        for user_id in ids:
            check_guid(user_id)
            if user_id in self.left_out_of_answers:
                continue
            user = self.users.get(user_id)
            presences.append(
                self._presence_json(user, me) if user is not None else unknown_presence(user_id)
            )
        return ok({"@odata.context": f"{_ODATA_METADATA}#Collection(presence)", "value": presences})

    def _set_preferred(self, user: GraphUser, body: dict[str, object]) -> None:
        availability, activity = str(body.get("availability")), str(body.get("activity"))
        if (availability, activity) not in PREFERRED_PRESENCE_PAIRS:
            raise bad_request(
                f"The availability and activity pair ({availability}, {activity}) "
                "is not supported by setUserPreferredPresence."
            )
        default = DAY_SECONDS if availability in {"Busy", "DoNotDisturb"} else 7 * DAY_SECONDS
        duration = body.get("expirationDuration")
        lasts = default if duration is None else duration_seconds(duration)
        user.preferred = PreferredPresence(availability, activity, self.clock() + lasts)

    def _set_status_message(self, user: GraphUser, body: dict[str, object]) -> None:
        status = body.get("statusMessage")
        message = status.get("message") if isinstance(status, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(status, dict) or not isinstance(content, str):
            raise bad_request("The body must be {'statusMessage': {'message': {'content': ...}}}.")
        expiry = status.get("expiryDateTime")
        expires_at = None if expiry is None else timestamp_of(expiry)
        user.status_message = StatusMessage(content, self.clock(), expires_at) if content else None

    # ------------------------------------------------------------------ helpers

    def _authenticate(self, authorization: str) -> GraphUser:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise invalid_token("Access token is empty.")
        known = self._tokens.get(token)
        if known is None:
            raise invalid_token("IDX14100: JWT is not well formed, there are no dots (.).")
        if self.clock() >= known.expires_at:
            raise invalid_token("Lifetime validation failed, the token is expired.")
        return self.users[known.user_id]

    def _user(self, user_id: str) -> GraphUser:
        check_guid(user_id)
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
            "publishedDateTime": iso(status.published_at) + "Z",
        }
        if own and status.expires_at is not None:  # Graph hides others' expiry
            answer["expiryDateTime"] = {"dateTime": iso(status.expires_at), "timeZone": "UTC"}
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
            return self._error_response(too_many_requests(FAULT_RETRY_AFTER_SECONDS))
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
        inner = {"date": iso(self.clock()).split(".")[0], "request-id": request_id}
        body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
        return FakeResponse(error.status, body, headers={"request-id": request_id, **error.headers})


def _select_of(request: FakeRequest) -> str | None:
    """The request's ``$select``, None without one."""
    values = request.query.get("$select")
    return values[0] if values else None
