"""Slack app-level tokens are checked against a fake Slack Web API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.errors import ServerUnreachableError
from presence_tray.accounts.slack_app_token import verify_slack_app_token
from presence_tray.accounts.token_accounts import (
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    TooManyAttemptsError,
    UnexpectedAnswerError,
)
from tests.accounts.token_checks import FAKE_APP_TOKEN, assert_secret_hidden, closed_port_url
from tests.servers.http_fake import FakeHttpServer
from tests.servers.slack_fake import API_PREFIX, SlackFake

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture
def slack() -> SlackFake:
    """The fake Slack app whose app-level token is ``FAKE_APP_TOKEN``."""
    return SlackFake(app_token=FAKE_APP_TOKEN)


@pytest.fixture
async def slack_api(slack: SlackFake) -> AsyncIterator[FakeHttpServer]:
    """``slack`` served on a free port of 127.0.0.1."""
    server = await FakeHttpServer(slack.handle).start()
    yield server
    await server.aclose()


def _api(server: FakeHttpServer) -> str:
    return server.url + API_PREFIX


async def test_a_good_app_token_passes(slack_api: FakeHttpServer) -> None:
    await verify_slack_app_token(f" {FAKE_APP_TOKEN}\n", api_base=_api(slack_api))

    [request] = slack_api.requests
    assert (request.method, request.path) == ("POST", "/api/apps.connections.open")
    assert request.headers["authorization"] == f"Bearer {FAKE_APP_TOKEN}"
    assert FAKE_APP_TOKEN.encode() not in request.body  # in the header only


async def test_a_wrong_app_token_is_a_sentence_without_the_token(
    slack_api: FakeHttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = FAKE_APP_TOKEN + "-wrong"

    with pytest.raises(CredentialsRejectedError) as caught:
        await verify_slack_app_token(wrong, api_base=_api(slack_api))

    assert str(caught.value).startswith(
        "Slack did not accept this app-level token: it is wrong, revoked or expired. "
    )
    assert "App-Level Tokens" in str(caught.value)
    assert_secret_hidden(wrong, caught.value, caplog)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("missing_scope", "lacks the connections:write scope"),
        ("token_revoked", "wrong, revoked or expired"),
        ("socket_mode_not_enabled", "Socket Mode is off"),
    ],
)
async def test_slacks_refusals_are_explained(
    slack: SlackFake, slack_api: FakeHttpServer, error: str, expected: str
) -> None:
    slack.error_for_valid_token = error

    with pytest.raises(CredentialsRejectedError, match=expected):
        await verify_slack_app_token(FAKE_APP_TOKEN, api_base=_api(slack_api))


async def test_an_unknown_error_code_is_named(slack: SlackFake, slack_api: FakeHttpServer) -> None:
    slack.error_for_valid_token = "team_access_not_granted"

    with pytest.raises(UnexpectedAnswerError, match=r"\(team_access_not_granted\)"):
        await verify_slack_app_token(FAKE_APP_TOKEN, api_base=_api(slack_api))


async def test_an_xapp_looking_bot_token_is_refused_by_type(
    slack: SlackFake, slack_api: FakeHttpServer
) -> None:
    slack.bot_token = "xapp-FAKE-NOT-A-SECRET-really-a-bot-token"

    with pytest.raises(CredentialsRejectedError, match="not an app-level token"):
        await verify_slack_app_token(slack.bot_token, api_base=_api(slack_api))


@pytest.mark.parametrize(
    "pasted", ["", "xoxb-FAKE-NOT-A-SECRET-bot", "xoxp-user", "xapp- 1 2", "xapp-t\u00f6ken"]
)
async def test_a_token_of_the_wrong_shape_is_refused_before_any_request(pasted: str) -> None:
    with pytest.raises(InvalidCredentialsFormatError, match='start with "xapp-"'):
        await verify_slack_app_token(pasted, api_base=closed_port_url())


async def test_a_rate_limit_says_how_long_to_wait(
    slack: SlackFake, slack_api: FakeHttpServer
) -> None:
    slack.rate_limited_for = 30

    with pytest.raises(TooManyAttemptsError) as caught:
        await verify_slack_app_token(FAKE_APP_TOKEN, api_base=_api(slack_api))

    assert caught.value.retry_after == 30
    assert str(caught.value) == "Slack received too many attempts. Wait 30 seconds, then try again."


async def test_a_wrong_api_address_is_an_unexpected_answer(slack_api: FakeHttpServer) -> None:
    with pytest.raises(UnexpectedAnswerError, match=r"unexpected answer \(HTTP 404\)"):
        await verify_slack_app_token(FAKE_APP_TOKEN, api_base=slack_api.url + "/elsewhere")


async def test_an_unreachable_slack_is_a_sentence(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ServerUnreachableError) as caught:
        await verify_slack_app_token(FAKE_APP_TOKEN, api_base=closed_port_url())

    assert str(caught.value) == (
        "Slack could not be reached. Check your network connection and try again."
    )
    assert_secret_hidden(FAKE_APP_TOKEN, caught.value, caplog)
