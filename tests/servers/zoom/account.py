"""A fake Zoom account: the REST API a presence client calls, in Zoom's shapes and limits.

Serve :meth:`ZoomAccountFake.handle` with :class:`tests.servers.http_fake.FakeHttpServer`; the
API base is ``<server url>/v2`` and the token endpoint ``<server url>/oauth/token``. It answers
(platform-apis.md §4, zoom/rivet-javascript ``users.d.ts`` and ``teamchat.d.ts``):

- ``GET /v2/users/me`` (Light): the caller's user object;
- ``GET /v2/chat/users/me/contacts?type=company|external&page_size=&next_page_token=``
  (Medium): ``{contacts: [{id, email, first_name, last_name, member_id}], next_page_token,
  page_size}`` without presence; ``page_size`` 1-50 (default 10); the next page token is opaque,
  ``""`` on the last page, and expires after 15 minutes as documented. Company contacts are
  everyone of the account who is not external, the caller included; external contacts have an
  empty ``id`` (Zoom's Team Chat privacy change of 18 March 2023: only ``member_id`` names
  them). A listing a test refused (:meth:`ZoomAccountFake.refuse_contacts`) is Zoom's error;
- ``GET /v2/chat/users/me/contacts/{identifier}`` (id, e-mail or member id; an external
  contact by member id or e-mail only; Medium): the contact, with ``presence_status`` in the
  contact spellings when ``query_presence_status=true`` — left out for an external contact who
  does not share their status (:attr:`ZoomUser.shares_presence`; Zoom does not document it);
- ``GET /v2/users/{userId}/presence_status`` (Light): ``{status}``, or for a timed
  do-not-disturb ``{status: "Do_No_Disturb", end_time, remaining_time}`` as the type spells it;
- ``PUT /v2/users/{userId}/presence_status {status, duration?}`` (Medium; the caller only) →
  204. ``duration`` (minutes, 1-1440, default 20) only with do-not-disturb; ``Offline`` is not
  settable. 400 ``{code: 5301}`` for a status or duration Zoom does not take, 400 ``{code:
  5411}`` when the user is not signed in to a Zoom client, 429 for a second update within a
  minute (with ``Retry-After``: the seconds left), 404 ``{code: 1001}`` for an unknown user.

Every request needs ``Authorization: Bearer`` with a live token, or it is 401 ``{code: 124,
"message": "Invalid access token."}`` (or ``"Access token is expired."``). Each label is held to
its per-second limit for the whole account (:mod:`.rate_limits`, Pro plan by default): 429 with
``Retry-After``. For the test: faults on cue (:meth:`ZoomAccountFake.fail_next`), presence
changes now (:meth:`ZoomAccountFake.set_presence`) or on the clock
(:meth:`ZoomAccountFake.play`), and counters of requests and 429s.

Not faked: company contact search (``GET /v2/contacts``), webhooks and event subscriptions,
other users' statuses set by an admin, Heavy and Resource-intensive APIs, and daily limits.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.servers.http_fake import FakeResponse
from tests.servers.zoom.errors import (
    NOT_SIGNED_IN_TO_CLIENT,
    STATUS_UPDATE_FAILED,
    USER_NOT_FOUND,
    ZoomError,
    invalid_field,
    too_many_requests,
)
from tests.servers.zoom.faults import apply_fault
from tests.servers.zoom.oauth import ACCESS_TOKEN_LIFETIME_SECONDS, TOKEN_PATH, TokenIssuer
from tests.servers.zoom.people import SETTABLE, ZoomStatus, ZoomUser
from tests.servers.zoom.rate_limits import PRO_PLAN, Label, LabelLimiter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from tests.servers.http_fake import FakeRequest
    from tests.servers.zoom.faults import Fault
    from tests.servers.zoom.oauth import IssuedTokens

API_PREFIX = "/v2"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
PAGE_TOKEN_LIFETIME_SECONDS = 15 * 60.0
STATUS_UPDATE_INTERVAL_SECONDS = 60.0
DEFAULT_DND_MINUTES = 20
MAX_DND_MINUTES = 1440
CLIENT_ID = "fake-zoom-client-id"
DOMAIN = "example.com"
_ID_NAMESPACE = uuid.UUID("0b5e2f7c-41a6-4d0e-8a51-7d9f3c1e2a64")


@dataclass(frozen=True)
class ScenarioStep:
    """``user_id`` turns to ``status`` ``after`` seconds into a played scenario."""

    after: float
    user_id: str
    status: ZoomStatus
    dnd_minutes: float | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """One accepted ``PUT presence_status``: when, whose, the word sent and its duration."""

    at: float
    user_id: str
    status: str
    duration: int | None


@dataclass(frozen=True)
class _PageToken:
    contact_type: str
    offset: int
    expires_at: float


class ZoomAccountFake:
    """One Zoom account with its people and sign-ins; serve :meth:`handle` over HTTP."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        rate_limits: Mapping[Label, int] = PRO_PLAN,
        client_id: str = CLIENT_ID,
    ) -> None:
        """An account on ``clock`` with ``rate_limits`` requests a second per label."""
        self.clock = clock
        self.users: dict[str, ZoomUser] = {}
        self.tokens = TokenIssuer(clock, client_id)
        self.limiter = LabelLimiter(clock, rate_limits)
        self.requests = 0
        """API requests answered (the token endpoint not included)."""
        self.rate_limited = 0
        """Of those, answered 429."""
        self.request_times: list[tuple[float, str, str]] = []
        """Every API request as (clock time, method, path)."""
        self.status_updates: list[StatusUpdate] = []
        self._faults: deque[Fault] = deque()
        self._scenario: list[tuple[float, ScenarioStep]] = []
        self._page_tokens: dict[str, _PageToken] = {}
        self._refused_listings: dict[str, ZoomError] = {}

    # -------------------------------------------------------------- setting the account up

    def add_user(
        self, first_name: str, last_name: str, *, external: bool = False, email: str | None = None
    ) -> ZoomUser:
        """Add a signed-in, available person (a stable id from the name) and return them."""
        name = f"{first_name} {last_name}"
        digest = uuid.uuid5(_ID_NAMESPACE, name).bytes
        user_id = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        address = email or f"{first_name}.{last_name}@{DOMAIN}".lower()
        user = ZoomUser(user_id, address, first_name, last_name, external=external)
        self.users[user_id] = user
        return user

    def issue_token(
        self, user_id: str, lifetime: float = ACCESS_TOKEN_LIFETIME_SECONDS
    ) -> IssuedTokens:
        """A sign-in of ``user_id``: access and refresh token, the access token for ``lifetime``."""
        return self.tokens.issue(user_id, lifetime)

    def revoke_token(self, token: str) -> None:
        """End the sign-in ``token`` belongs to (access and refresh token alike)."""
        self.tokens.revoke(token)

    def refuse_contacts(self, contact_type: str, status: int, code: int, message: str) -> None:
        """Answer every listing of ``contact_type`` contacts with this error from now on (a
        scope not granted, an administrator's setting): Zoom's error body."""
        self._refused_listings[contact_type] = ZoomError(status, code, message)

    def allow_contacts(self, contact_type: str) -> None:
        """List ``contact_type`` contacts again (undo :meth:`refuse_contacts`)."""
        self._refused_listings.pop(contact_type, None)

    def fail_next(self, *faults: Fault) -> None:
        """Spoil the next API requests with these faults, one each (not the token endpoint)."""
        self._faults.extend(faults)

    # -------------------------------------------------------------------- scenario steps

    def set_presence(
        self, user_id: str, status: ZoomStatus, *, dnd_minutes: float | None = None
    ) -> None:
        """``user_id`` turns to ``status`` now (``OFFLINE``: signs out of every Zoom client)."""
        self.users[user_id].set_status(status, self.clock(), dnd_minutes=dnd_minutes)

    def play(self, steps: Iterable[ScenarioStep]) -> None:
        """Start a scenario now: each step happens once the clock reaches it."""
        start = self.clock()
        self._scenario.extend((start + step.after, step) for step in steps)
        self._scenario.sort(key=lambda timed: timed[0])

    def presence_of(self, user_id: str) -> ZoomStatus:
        """What others see of ``user_id`` now."""
        self._run_due_steps()
        return self.users[user_id].shown_status(self.clock())

    # --------------------------------------------------------------------------- serving

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request as Zoom would (this is the :class:`FakeHttpServer` handler)."""
        if request.path == TOKEN_PATH:
            return self.tokens.answer(request)
        if not request.path.startswith(API_PREFIX + "/"):
            return FakeResponse(404, b"", content_type="text/plain")
        self.requests += 1
        self.request_times.append((self.clock(), request.method, request.path))
        self._run_due_steps()
        answer = self._answer(request)
        if self._faults:
            answer = apply_fault(self._faults.popleft(), answer)
        if answer.status == 429:
            self.rate_limited += 1
        return answer

    def _answer(self, request: FakeRequest) -> FakeResponse:
        try:
            me = self.users[self.tokens.user_of(request.headers.get("authorization", ""))]
            label, handler, match = _route(request)
            retry_after = self.limiter.retry_after(label)
            if retry_after is not None:
                message = f"You have reached the maximum per-second rate limit for {label} APIs."
                raise too_many_requests(retry_after, message)
            return handler(self, request, me, match)
        except ZoomError as error:
            return error.response()

    # ------------------------------------------------------------------------- endpoints

    def _me(self, _request: FakeRequest, me: ZoomUser, _match: re.Match[str]) -> FakeResponse:
        return FakeResponse(
            200,
            {
                "id": me.id,
                "first_name": me.first_name,
                "last_name": me.last_name,
                "display_name": me.display_name,
                "email": me.email,
                "type": 2,
                "status": "active",
                "timezone": "UTC",
                "language": "en-US",
                "account_id": "fake-account",
            },
        )

    def _contacts(self, request: FakeRequest, me: ZoomUser, _match: re.Match[str]) -> FakeResponse:
        del me  # every contact list of the account is the same here
        contact_type = _query(request, "type") or "company"
        if contact_type not in {"company", "external"}:
            raise invalid_field(f"Invalid field: type '{contact_type}'.")
        if contact_type in self._refused_listings:
            raise self._refused_listings[contact_type]
        page_size = _page_size(_query(request, "page_size"))
        offset = self._offset_of(_query(request, "next_page_token"), contact_type)
        everyone = [u for u in self.users.values() if u.external == (contact_type == "external")]
        page = everyone[offset : offset + page_size]
        next_token = ""
        if offset + page_size < len(everyone):
            next_token = f"page{len(self._page_tokens) + 1}x{uuid.uuid4().hex[:12]}"
            self._page_tokens[next_token] = _PageToken(
                contact_type, offset + page_size, self.clock() + PAGE_TOKEN_LIFETIME_SECONDS
            )
        return FakeResponse(
            200,
            {
                "contacts": [_contact_json(user) for user in page],
                "next_page_token": next_token,
                "page_size": page_size,
            },
        )

    def _contact(self, request: FakeRequest, me: ZoomUser, match: re.Match[str]) -> FakeResponse:
        del me
        user = self._find(match["identifier"])
        body = _contact_json(user) | {
            "phone_number": "",
            "phone_numbers": [],
            "direct_numbers": [],
            "extension_number": "",
        }
        if _query(request, "query_presence_status") == "true" and user.shares_presence:
            body["presence_status"] = user.shown_status(self.clock()).contact_word
        return FakeResponse(200, body)

    def _presence(self, _request: FakeRequest, me: ZoomUser, match: re.Match[str]) -> FakeResponse:
        user = self._find(match["user"], me)
        now = self.clock()
        status = user.shown_status(now)
        if status is ZoomStatus.DO_NOT_DISTURB and user.dnd_until is not None:
            return FakeResponse(
                200,
                {
                    "status": "Do_No_Disturb",
                    "end_time": _iso(user.dnd_until),
                    "remaining_time": math.ceil(user.dnd_until - now),
                },
            )
        return FakeResponse(200, {"status": status.user_word})

    def _update_presence(
        self, request: FakeRequest, me: ZoomUser, match: re.Match[str]
    ) -> FakeResponse:
        user = self._find(match["user"], me)
        if user is not me:
            raise _update_failed("Only the signed-in user's own status can be changed here.")
        status, duration = _status_update(request.body)
        if not user.signed_in:
            raise ZoomError(
                400, NOT_SIGNED_IN_TO_CLIENT, "The user is not signed in to a Zoom client."
            )
        now = self.clock()
        if user.last_update_at is not None:
            wait = user.last_update_at + STATUS_UPDATE_INTERVAL_SECONDS - now
            if wait > 0:
                raise too_many_requests(
                    math.ceil(wait), "You can update your presence status once a minute."
                )
        minutes = None
        if SETTABLE[status] is ZoomStatus.DO_NOT_DISTURB:
            minutes = DEFAULT_DND_MINUTES if duration is None else duration
        user.set_status(SETTABLE[status], now, dnd_minutes=minutes)
        user.last_update_at = now
        self.status_updates.append(StatusUpdate(now, user.id, status, duration))
        return FakeResponse(204, b"")

    # --------------------------------------------------------------------------- helpers

    def _find(self, identifier: str, me: ZoomUser | None = None) -> ZoomUser:
        if identifier == "me" and me is not None:
            return me
        folded = identifier.casefold()
        for user in self.users.values():
            ids = {user.member_id} if user.external else {user.id, user.member_id}
            if identifier in ids or folded == user.email.casefold():
                return user
        raise ZoomError(404, USER_NOT_FOUND, f"User does not exist: {identifier}.")

    def _offset_of(self, token: str | None, contact_type: str) -> int:
        if not token:
            return 0
        known = self._page_tokens.get(token)
        if known is None or known.contact_type != contact_type or self.clock() >= known.expires_at:
            raise invalid_field("The next page token is invalid or expired.")
        return known.offset

    def _run_due_steps(self) -> None:
        now = self.clock()
        while self._scenario and self._scenario[0][0] <= now:
            _, step = self._scenario.pop(0)
            self.users[step.user_id].set_status(step.status, now, dnd_minutes=step.dnd_minutes)


_ROUTES: list[tuple[str, re.Pattern[str], Label, Callable[..., FakeResponse]]] = [
    ("GET", re.compile(r"/users/me"), Label.LIGHT, ZoomAccountFake._me),
    ("GET", re.compile(r"/chat/users/me/contacts"), Label.MEDIUM, ZoomAccountFake._contacts),
    (
        "GET",
        re.compile(r"/chat/users/me/contacts/(?P<identifier>[^/]+)"),
        Label.MEDIUM,
        ZoomAccountFake._contact,
    ),
    (
        "GET",
        re.compile(r"/users/(?P<user>[^/]+)/presence_status"),
        Label.LIGHT,
        ZoomAccountFake._presence,
    ),
    (
        "PUT",
        re.compile(r"/users/(?P<user>[^/]+)/presence_status"),
        Label.MEDIUM,
        ZoomAccountFake._update_presence,
    ),
]
"""Method, path below ``/v2``, rate-limit label and handler of every API the fake serves."""


def _route(
    request: FakeRequest,
) -> tuple[Label, Callable[..., FakeResponse], re.Match[str]]:
    path = request.path.removeprefix(API_PREFIX)
    for method, pattern, label, handler in _ROUTES:
        match = pattern.fullmatch(path)
        if match and method == request.method:
            return label, handler, match
    raise ZoomError(404, 300, f"The fake Zoom does not serve {request.method} {path}.")


def _query(request: FakeRequest, name: str) -> str | None:
    values = request.query.get(name)
    return values[0] if values else None


def _page_size(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE_SIZE
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise invalid_field(f"Invalid field: page_size must be between 1 and {MAX_PAGE_SIZE}.")
    return int(text)


def _contact_json(user: ZoomUser) -> dict[str, object]:
    return {
        "id": "" if user.external else user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "member_id": user.member_id,
    }


def _status_update(body: bytes) -> tuple[str, int | None]:
    """The status word and duration of a ``PUT presence_status`` body; 400 if not valid."""
    try:
        parsed = json.loads(body or b"null")
    except ValueError:
        raise _update_failed("The request body is not JSON.") from None
    status = parsed.get("status") if isinstance(parsed, dict) else None
    if not isinstance(status, str) or status not in SETTABLE:
        raise _update_failed(f"Invalid status: {status}.")
    duration = parsed.get("duration")
    if duration is None:
        return status, None
    if SETTABLE[status] is not ZoomStatus.DO_NOT_DISTURB:
        raise _update_failed("duration is only for Do_Not_Disturb.")
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise _update_failed("duration must be a whole number of minutes.")
    if not 1 <= duration <= MAX_DND_MINUTES:
        raise _update_failed(f"duration must be between 1 and {MAX_DND_MINUTES} minutes.")
    return status, duration


def _update_failed(message: str) -> ZoomError:
    return ZoomError(400, STATUS_UPDATE_FAILED, message)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
