"""Discord bot tokens are checked against a fake Discord REST API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.discord_bot import PRESENCE_INTENT_OFF, verify_discord_bot_token
from presence_tray.accounts.errors import ServerTooSlowError, ServerUnreachableError, SignInError
from presence_tray.accounts.token_accounts import (
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    TooManyAttemptsError,
)
from tests.accounts.token_checks import FAKE_TOKEN, assert_secret_hidden, closed_port_url
from tests.servers.discord_fake import (
    API_PREFIX,
    GATEWAY_GUILD_MEMBERS_LIMITED,
    GATEWAY_PRESENCE,
    DiscordFake,
)
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture
def discord() -> DiscordFake:
    """The fake Discord application whose bot token is ``FAKE_TOKEN``."""
    return DiscordFake(token=FAKE_TOKEN)


@pytest.fixture
async def discord_server(discord: DiscordFake) -> AsyncIterator[FakeHttpServer]:
    """``discord`` served on a free port of 127.0.0.1."""
    server = await FakeHttpServer(discord.handle).start()
    yield server
    await server.aclose()


def _api(server: FakeHttpServer) -> str:
    return server.url + API_PREFIX


async def test_a_good_token_gives_the_bot_account(discord_server: FakeHttpServer) -> None:
    account = await verify_discord_bot_token(FAKE_TOKEN, api_base=_api(discord_server))

    assert account.account_id == "1180000000000000001"
    assert account.label == "PresenceBot (Discord bot)"
    assert account.secret == FAKE_TOKEN
    assert dict(account.settings) == {
        "bot_name": "PresenceBot",
        "application_id": "1180000000000000002",
    }
    assert account.note == ""  # the fake's application has GATEWAY_PRESENCE_LIMITED
    assert [(r.method, r.path) for r in discord_server.requests] == [
        ("GET", f"{API_PREFIX}/users/@me"),
        ("GET", f"{API_PREFIX}/applications/@me"),
    ]
    assert {r.headers["authorization"] for r in discord_server.requests} == {f"Bot {FAKE_TOKEN}"}


async def test_a_pasted_bot_prefix_and_blanks_are_dropped(discord_server: FakeHttpServer) -> None:
    account = await verify_discord_bot_token(f"  Bot {FAKE_TOKEN}\n", api_base=_api(discord_server))

    assert account.secret == FAKE_TOKEN


async def test_the_full_presence_flag_counts_as_on(
    discord: DiscordFake, discord_server: FakeHttpServer
) -> None:
    discord.application_flags = GATEWAY_PRESENCE

    account = await verify_discord_bot_token(FAKE_TOKEN, api_base=_api(discord_server))

    assert account.note == ""


async def test_without_the_presence_intent_the_account_connects_with_a_note(
    discord: DiscordFake, discord_server: FakeHttpServer
) -> None:
    discord.application_flags = GATEWAY_GUILD_MEMBERS_LIMITED

    account = await verify_discord_bot_token(FAKE_TOKEN, api_base=_api(discord_server))

    assert account.account_id == "1180000000000000001"
    assert account.note == PRESENCE_INTENT_OFF
    assert "Presence Intent" in account.note
    assert "Bot page" in account.note
    assert "4014" in account.note


async def test_a_wrong_token_is_a_sentence_without_the_token(
    discord_server: FakeHttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + FAKE_TOKEN

    with pytest.raises(CredentialsRejectedError) as caught:
        await verify_discord_bot_token(wrong, api_base=_api(discord_server))

    assert str(caught.value) == (
        "Discord did not accept this bot token: it is wrong or was reset. Copy the current "
        "token from the Bot page of your application in the Discord developer portal."
    )
    assert_secret_hidden(wrong, caught.value, caplog)


async def test_a_rate_limit_says_how_long_to_wait(
    discord: DiscordFake, discord_server: FakeHttpServer
) -> None:
    discord.rate_limited_for = 2.5

    with pytest.raises(TooManyAttemptsError) as caught:
        await verify_discord_bot_token(FAKE_TOKEN, api_base=_api(discord_server))

    assert caught.value.retry_after == 2.5
    assert str(caught.value) == (
        "Discord received too many attempts. Wait 3 seconds, then try again."
    )


async def test_an_outage_says_try_again_later(
    discord: DiscordFake, discord_server: FakeHttpServer
) -> None:
    discord.outage = True

    with pytest.raises(ServerUnreachableError) as caught:
        await verify_discord_bot_token(FAKE_TOKEN, api_base=_api(discord_server))

    assert str(caught.value) == (
        "Discord answered with a server error (HTTP 502). Try again later."
    )


async def test_a_user_that_is_not_a_bot_is_refused(
    discord: DiscordFake, discord_server: FakeHttpServer
) -> None:
    discord.user_is_bot = False

    with pytest.raises(CredentialsRejectedError, match="did not return a bot"):
        await verify_discord_bot_token(FAKE_TOKEN, api_base=_api(discord_server))


async def test_a_wrong_api_address_is_an_unexpected_answer(discord_server: FakeHttpServer) -> None:
    with pytest.raises(SignInError, match=r"unexpected answer \(HTTP 404\)"):
        await verify_discord_bot_token(FAKE_TOKEN, api_base=discord_server.url + "/nothing")


@pytest.mark.parametrize("pasted", ["", "   ", "Bot ", "two words", "t\u00f6ken", "to\x00ken"])
async def test_an_empty_or_garbled_token_is_refused_before_any_request(pasted: str) -> None:
    with pytest.raises(InvalidCredentialsFormatError, match="Bot page"):
        await verify_discord_bot_token(pasted, api_base=closed_port_url())


async def test_an_unreachable_discord_is_a_sentence(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ServerUnreachableError) as caught:
        await verify_discord_bot_token(FAKE_TOKEN, api_base=closed_port_url())

    assert str(caught.value) == (
        "Discord could not be reached. Check your network connection and try again."
    )
    assert_secret_hidden(FAKE_TOKEN, caught.value, caplog)


async def test_a_silent_discord_times_out_with_a_sentence(silent_server: str) -> None:
    with pytest.raises(ServerTooSlowError, match=r"Discord did not answer within 0\.3 s"):
        await verify_discord_bot_token(FAKE_TOKEN, api_base=silent_server, timeout=0.3)


def test_the_token_is_not_in_the_accounts_repr() -> None:
    from presence_tray.accounts.token_accounts import VerifiedAccount

    account = VerifiedAccount("1", "Bot (Discord bot)", {}, secret=FAKE_TOKEN)

    assert FAKE_TOKEN not in repr(account)
