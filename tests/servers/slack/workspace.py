"""A fake Slack workspace: the Web API methods a presence client calls, in Slack's shapes.

Answers ``/api/<method>`` for auth.test, users.list (cursor pagination), users.getPresence,
dnd.info, dnd.teamInfo, users.profile.get, users.setPresence, dnd.setSnooze, dnd.endSnooze,
users.profile.set and oauth.v2.access (renewing a rotated token, see :mod:`.tokens`), as
HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": code}``. Around them, as
Slack does: the token comes in ``Authorization: Bearer`` (``not_authed``, ``invalid_auth``,
``token_revoked``, ``token_expired``); each method is held to its tier per minute (HTTP 429,
``Retry-After``, ``{"ok": false, "error": "ratelimited"}``). For the test: faults on cue
(:meth:`SlackWorkspaceFake.fail_next`), a log of every answer (``answered``), scenario steps
that happen when the clock reaches them (:meth:`SlackWorkspaceFake.at`), and scenario methods
for one person. Time is the injected ``clock`` (Unix seconds), so a test runs a minute or an
hour instantly.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.servers.http_fake import FakeRequest, FakeResponse
from tests.servers.slack.faults import Fault, apply_fault
from tests.servers.slack.methods import METHODS, Call, SlackError
from tests.servers.slack.people import SlackPerson
from tests.servers.slack.rate_limits import RateLimiter
from tests.servers.slack.requests import BadRequestBodyError, arguments, bearer_token
from tests.servers.slack.tokens import TokenBook

if TYPE_CHECKING:
    from collections.abc import Callable

API_PREFIX = "/api/"
TOO_MANY_REQUESTS = 429
TOKEN_METHOD = "oauth.v2.access"  # called with the client id, not a bearer token


@dataclass(frozen=True)
class AnsweredCall:
    """One call the fake answered: the method, the fake's time, the HTTP status."""

    method: str
    at: float
    status: int


@dataclass
class _ScenarioStep:
    at: float
    action: Callable[[SlackWorkspaceFake], None]
    done: bool = False


@dataclass
class _QueuedFault:
    fault: Fault
    method: str | None  # None: whichever call comes next


@dataclass
class SlackWorkspaceFake:
    """One workspace with its people and user tokens; serve :meth:`handle` over HTTP."""

    clock: Callable[[], float] = time.time
    people: dict[str, SlackPerson] = field(default_factory=dict)
    users_list_page_cap: int = 1000
    """At most this many members per users.list page: Slack may send fewer than ``limit``."""
    tokens: TokenBook = field(default_factory=TokenBook, init=False)
    answered: list[AnsweredCall] = field(default_factory=list, init=False)
    _faults: deque[_QueuedFault] = field(default_factory=deque, init=False)
    _steps: list[_ScenarioStep] = field(default_factory=list, init=False)
    _limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self._limiter = RateLimiter(self.clock)

    # -------------------------------------------------------------- setting the workspace up

    def add_person(self, user_id: str, name: str, real_name: str = "") -> SlackPerson:
        """A member who is connected and was active just now."""
        person = SlackPerson(user_id, name, real_name or name.title(), last_activity=self.clock())
        self.people[user_id] = person
        return person

    def issue_token(
        self,
        token: str,
        user_id: str,
        *,
        lifetime: float | None = None,
        refresh_token: str | None = None,
    ) -> None:
        """A user token of ``user_id``; with ``lifetime`` it expires that many seconds from now,
        and ``refresh_token`` renews it once at ``oauth.v2.access``."""
        expires_at = None if lifetime is None else self.clock() + lifetime
        self.tokens.issue(token, user_id, expires_at=expires_at, refresh_token=refresh_token)

    def revoke_token(self, token: str) -> None:
        """From now on ``token`` is answered with ``token_revoked``."""
        self.tokens.access[token].revoked = True

    def revoke_sign_in(self, user_id: str) -> None:
        """The person removes the app: their access and refresh tokens stop working."""
        self.tokens.revoke_user(user_id)

    @property
    def rate_limited(self) -> list[AnsweredCall]:
        """The calls answered with HTTP 429."""
        return [call for call in self.answered if call.status == TOO_MANY_REQUESTS]

    def calls_of(self, method: str) -> list[AnsweredCall]:
        """The answered calls of ``method``, in order."""
        return [call for call in self.answered if call.method == method]

    def fail_next(self, fault: Fault, *, method: str | None = None) -> None:
        """Spoil the next call (of ``method`` only, if given) with ``fault``; faults queue up."""
        self._faults.append(_QueuedFault(fault, method))

    def at(self, when: float, action: Callable[[SlackWorkspaceFake], None]) -> None:
        """Run ``action`` before the first call answered at or after ``when`` (Unix seconds)."""
        self._steps.append(_ScenarioStep(when, action))
        self._steps.sort(key=lambda step: step.at)

    # ----------------------------------------------------- scenario steps for one person

    def go_away(self, user_id: str) -> None:
        """The person sets themselves away (as ``users.setPresence presence=away`` does)."""
        self.people[user_id].manual_away = True

    def come_back(self, user_id: str) -> None:
        """The person opens a client and does something now: active again."""
        person = self.people[user_id]
        person.manual_away = False
        person.connection_count = max(1, person.connection_count)
        person.last_activity = self.clock()

    def disconnect(self, user_id: str) -> None:
        """Every client of the person closes: away to others, ``online: false`` to them."""
        self.people[user_id].connection_count = 0

    def snooze(self, user_id: str, minutes: float) -> None:
        """The person turns on Do Not Disturb for ``minutes`` (as ``dnd.setSnooze`` does)."""
        self.people[user_id].snooze_end = self.clock() + minutes * 60

    def set_dnd_schedule(self, user_id: str, start: float, end: float) -> None:
        """The person's next scheduled DND window, Unix seconds ``[start, end)``."""
        person = self.people[user_id]
        person.dnd_start, person.dnd_end = start, end

    def set_status(
        self, user_id: str, text: str, emoji: str = "", *, expires_in: float | None = None
    ) -> None:
        """A custom status, cleared by Slack ``expires_in`` seconds from now if given."""
        person = self.people[user_id]
        person.status_text, person.status_emoji = text, emoji
        person.status_expiration = 0.0 if expires_in is None else self.clock() + expires_in

    def remove_person(self, user_id: str) -> None:
        """The person is gone from the workspace: methods naming them say ``user_not_found``."""
        del self.people[user_id]

    def join_huddle(self, user_id: str, *, joined: bool = True) -> None:
        """The person joins (or with ``joined=False`` leaves) a huddle."""
        self.people[user_id].in_huddle = joined

    # --------------------------------------------------------------------------- serving

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one Web API call as Slack would (this is the :class:`FakeHttpServer` handler)."""
        if not request.path.startswith(API_PREFIX):
            return FakeResponse(404, b"", content_type="text/plain")
        method = request.path.removeprefix(API_PREFIX)
        self._run_due_steps()
        answer = self._answer(method, request)
        fault = self._take_fault(method)
        if fault is not None:
            answer = apply_fault(fault, answer)
        self.answered.append(AnsweredCall(method, self.clock(), answer.status))
        return answer

    def _answer(self, method: str, request: FakeRequest) -> FakeResponse:
        implementation = METHODS.get(method)
        if implementation is None and method != TOKEN_METHOD:
            return _error("unknown_method")
        retry_after = self._limiter.retry_after(method)
        if retry_after is not None:
            return FakeResponse(
                TOO_MANY_REQUESTS,
                {"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(retry_after)},
            )
        try:
            if implementation is None:
                return FakeResponse(
                    200, {"ok": True} | self.tokens.renew(arguments(request), self.clock())
                )
            caller = self.people[self.tokens.user_of(bearer_token(request), self.clock())]
            call = Call(self, caller, arguments(request), self.clock())
            return FakeResponse(200, {"ok": True} | implementation(call))
        except BadRequestBodyError:
            return _error("invalid_json")
        except SlackError as refusal:
            return _error(refusal.code)

    def _run_due_steps(self) -> None:
        now = self.clock()
        for step in self._steps:
            if step.at <= now and not step.done:
                step.done = True
                step.action(self)

    def _take_fault(self, method: str) -> Fault | None:
        for queued in self._faults:
            if queued.method in {None, method}:
                self._faults.remove(queued)
                return queued.fault
        return None


def _error(code: str) -> FakeResponse:
    return FakeResponse(200, {"ok": False, "error": code})
