"""The loopback listener and the token set, without a server: junk, strays, parsing, repr."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.accounts.errors import (
    BrowserNotOpenedError,
    SignInCancelledError,
    SignInRefusedError,
)
from presence_tray.accounts.loopback import LoopbackReceiver
from presence_tray.accounts.signin import SignInFlow, SignInRequest
from presence_tray.accounts.tokenset import TokenSet

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping


def accept_code(answer: Mapping[str, str]) -> str:
    """A judge that takes any code."""
    if "code" not in answer:
        raise SignInRefusedError("no code")
    return answer["code"]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[LoopbackReceiver, str]]:
    """A listening receiver and its redirect URI."""
    listening = LoopbackReceiver(accept_code, path="/callback")
    uri = await listening.start()
    yield listening, uri
    await listening.close()


async def test_stray_requests_change_nothing(receiver: tuple[LoopbackReceiver, str]) -> None:
    listening, uri = receiver
    base = uri.removesuffix("/callback")
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(f"{base}/favicon.ico")).status_code == 404
        assert (await browser.post(uri, data={"code": "x"})).status_code == 400
        reader, writer = await asyncio.open_connection("127.0.0.1", httpx.URL(uri).port)
        writer.write(b"\x16\x03\x01 garbage\r\n\r\n")
        await writer.drain()
        assert (await reader.read()).startswith(b"HTTP/1.1 400 Bad Request")
        writer.close()
        await writer.wait_closed()

        answer = await browser.get(uri, params={"code": "the-code"})
        again = await browser.get(uri, params={"code": "another"})

    assert await listening.code() == "the-code"
    assert "Signed in" in answer.text
    assert "already finished" in again.text
    assert answer.headers["cache-control"] == "no-store"


async def test_a_refused_answer_shows_the_sentence_escaped() -> None:
    def refuse(answer: Mapping[str, str]) -> str:
        raise SignInRefusedError(f"refused <{answer.get('error')}>")

    listening = LoopbackReceiver(refuse, path="/cb")
    uri = await listening.start()
    try:
        async with httpx.AsyncClient() as browser:
            page = await browser.get(uri, params={"error": "x"})
        with pytest.raises(SignInRefusedError):
            await listening.code()
    finally:
        await listening.close()
    assert "refused &lt;x&gt;" in page.text


async def test_no_browser_means_a_sentence_and_no_listener_left() -> None:
    request = SignInRequest("Zoom", "http://127.0.0.1:9/auth", "http://127.0.0.1:9/t", "id", ())
    with pytest.raises(BrowserNotOpenedError, match="No web browser could be opened"):
        await SignInFlow(request, lambda _url: False).run()


async def test_cancel_before_run_ends_at_once() -> None:
    request = SignInRequest("Zoom", "http://127.0.0.1:9/auth", "http://127.0.0.1:9/t", "id", ())
    flow = SignInFlow(request, lambda _url: pytest.fail("no browser may open"))
    flow.cancel()
    with pytest.raises(SignInCancelledError):
        await flow.run()


def test_a_token_answer_without_rotation_keeps_the_refresh_token() -> None:
    before = TokenSet("a1", "r1", expires_at=100.0, scope="openid")
    after = TokenSet.from_response(
        {"access_token": "a2", "expires_in": 60}, now=1000, previous=before
    )
    assert (after.access_token, after.refresh_token, after.expires_at) == ("a2", "r1", 1060.0)
    assert after.scope == "openid"


@pytest.mark.parametrize(
    "answer", [{}, {"access_token": ""}, {"access_token": 5}, {"error": "invalid_grant"}]
)
def test_a_token_answer_without_an_access_token_is_refused(answer: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="no access token"):
        TokenSet.from_response(answer, now=0)


def test_tokens_survive_the_keyring_round_trip_and_stay_out_of_repr() -> None:
    tokens = TokenSet("secret-access", "secret-refresh", expires_at=5.0, scope="s")
    assert TokenSet.from_secret(tokens.to_secret()) == tokens
    assert "secret" not in repr(tokens)
    assert tokens.expires_within(1, now=4.5)
    assert not tokens.expires_within(1, now=3.0)
    assert not TokenSet("a").expires_within(1000, now=0)


@pytest.mark.parametrize(
    "secret", ["", "[]", "{not json", json.dumps({"access_token": ""}), json.dumps({"x": 1})]
)
def test_a_damaged_secret_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(ValueError, match=r"^the stored sign-in is damaged$"):
        TokenSet.from_secret(secret)
