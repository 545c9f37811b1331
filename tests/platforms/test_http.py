"""PlatformHttp over real HTTP on 127.0.0.1: budgets, Retry-After, token renewal on a refused
answer, and every way a call fails turned into the core error kind, with no token in it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import AuthError, RateLimitedError, TransientError
from presence_tray.core.polling import CallBudget, RateLimit
from presence_tray.platforms.http import (
    DEFAULT_RETRY_AFTER_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    Endpoint,
    PlatformHttp,
    retry_after_seconds,
)
from tests.servers.http_fake import FakeHttpServer, FakeRequest, FakeResponse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    import httpx

NOW = 1_790_000_000.0
TOKEN = "FAKE-NOT-A-SECRET-access-1"
RENEWED = "FAKE-NOT-A-SECRET-access-2"


class RenewingTokens:
    """Hands out TOKEN, renews to RENEWED once when an answer is refused; like TokenHolder."""

    def __init__(self) -> None:
        self.renewals = 0

    async def call(
        self,
        send: Callable[[str], Awaitable[httpx.Response]],
        *,
        refused: Callable[[httpx.Response], bool] = lambda r: r.status_code == 401,
    ) -> httpx.Response:
        response = await send(TOKEN if self.renewals == 0 else RENEWED)
        if not refused(response):
            return response
        self.renewals += 1
        response = await send(RENEWED)
        if refused(response):
            msg = "Example refuses even a freshly renewed sign-in"
            raise AuthError(msg)
        return response


class Script:
    """The fake's answers, one per request, in order."""

    def __init__(self) -> None:
        self.answers: list[FakeResponse] = []

    def handle(self, request: FakeRequest) -> FakeResponse:
        del request
        return self.answers.pop(0) if self.answers else FakeResponse(200, {"ok": True})


@pytest.fixture
async def script() -> AsyncIterator[tuple[Script, FakeHttpServer]]:
    answers = Script()
    server = await FakeHttpServer(answers.handle).start()
    yield answers, server
    await server.aclose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def endpoint(clock: ManualClock, calls: int = 100) -> Endpoint:
    return Endpoint("presence.read", CallBudget(RateLimit(calls, 60), clock))


def client(
    server: FakeHttpServer, clock: ManualClock, tokens: RenewingTokens, answer_within: float = 5.0
) -> PlatformHttp:
    return PlatformHttp(
        platform_name="Example",
        base_url=server.url,
        tokens=tokens,
        clock=clock,
        timeout=answer_within,
    )


async def test_a_call_carries_the_token_and_returns_the_json_object(
    script: tuple[Script, FakeHttpServer], clock: ManualClock
) -> None:
    answers, server = script
    answers.answers.append(FakeResponse(200, {"presence": "active"}))
    http = client(server, clock, RenewingTokens())
    try:
        body = await http.get_json(endpoint(clock), "/users.getPresence", params={"user": "U1"})
    finally:
        await http.aclose()
    assert body == {"presence": "active"}
    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.query == {"user": ["U1"]}


async def test_a_refused_token_is_renewed_once_and_the_call_sent_again(
    script: tuple[Script, FakeHttpServer], clock: ManualClock
) -> None:
    answers, server = script
    answers.answers += [FakeResponse(200, {"ok": False, "error": "token_expired"})]
    tokens = RenewingTokens()
    http = client(server, clock, tokens)
    try:
        body = await http.get_json(
            endpoint(clock),
            "/users.list",
            refused=lambda r: r.json().get("error") == "token_expired",
        )
    finally:
        await http.aclose()
    assert body == {"ok": True}
    assert tokens.renewals == 1
    assert [r.headers["authorization"] for r in server.requests] == [
        f"Bearer {TOKEN}",
        f"Bearer {RENEWED}",
    ]


async def test_a_429_holds_the_endpoint_for_retry_after_and_raises_rate_limited(
    script: tuple[Script, FakeHttpServer], clock: ManualClock
) -> None:
    answers, server = script
    answers.answers.append(FakeResponse(429, {"ok": False}, headers={"Retry-After": "17"}))
    presence = endpoint(clock)
    http = client(server, clock, RenewingTokens())
    try:
        with pytest.raises(RateLimitedError, match="Example asked to slow down") as raised:
            await http.get_json(presence, "/presence")
        assert raised.value.retry_after == 17
        assert presence.budget.wait_time() == pytest.approx(17)
        await http.get_json(presence, "/presence")  # waits the 17 s on the clock first
    finally:
        await http.aclose()
    assert clock.now() == pytest.approx(NOW + 17)
    assert presence.budget.times_held == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (FakeResponse(503, {"error": "down"}), "answered with a server error (503)"),
        (FakeResponse(200, b"<html>proxy error</html>"), "sent an answer that is not JSON"),
        (FakeResponse(200, [1, 2]), "sent an answer that is not JSON"),
        (FakeResponse(200, drop_connection=True), "could not be reached"),
        (FakeResponse(200, delay=1.0), "did not answer in time"),
    ],
    ids=["5xx", "html", "not-an-object", "dropped", "slow"],
)
async def test_each_failure_is_a_transient_error_naming_platform_and_endpoint_without_the_token(
    script: tuple[Script, FakeHttpServer],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    answer: FakeResponse,
    message: str,
) -> None:
    answers, server = script
    answers.answers.append(answer)
    http = client(server, clock, RenewingTokens(), answer_within=0.2)
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(TransientError) as raised:
            await http.get_json(endpoint(clock), "/presence")
    finally:
        await http.aclose()
    assert message in str(raised.value)
    assert "Example" in str(raised.value)
    assert "presence.read" in str(raised.value)
    assert TOKEN not in str(raised.value)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(raised.value.__cause__ or "")


async def test_a_call_waits_for_its_budget(
    script: tuple[Script, FakeHttpServer], clock: ManualClock
) -> None:
    _, server = script
    small = endpoint(clock, calls=2)  # 90 % of 2 is one call a minute
    http = client(server, clock, RenewingTokens())
    try:
        await http.get_json(small, "/a")
        await http.get_json(small, "/b")
    finally:
        await http.aclose()
    assert clock.now() == pytest.approx(NOW + 60)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("30", 30.0),
        (" 2.5 ", 2.5),
        ("-4", 0.0),
        ("nan", DEFAULT_RETRY_AFTER_SECONDS),
        ("soon", DEFAULT_RETRY_AFTER_SECONDS),
        (None, DEFAULT_RETRY_AFTER_SECONDS),
        ("999999", MAX_RETRY_AFTER_SECONDS),
        (format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True), 90.0),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str | None, seconds: float) -> None:
    assert retry_after_seconds(header, now=NOW) == pytest.approx(seconds)
