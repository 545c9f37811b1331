"""The sign-in flow against a real OAuth server (oidc-provider), played by a scripted user."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from presence_tray.accounts.errors import (
    IssuerMismatchError,
    LoopbackPortError,
    ServerTooSlowError,
    ServerUnreachableError,
    SignInCancelledError,
    SignInDeniedError,
    SignInError,
    SignInTimeoutError,
    StateMismatchError,
    TokenExchangeError,
)
from presence_tray.accounts.signin import SignInFlow
from tests.accounts.browser import ScriptedUser
from tests.accounts.helpers import closed_port, sign_in_request, userinfo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.accounts.conftest import CannedTokenServer
    from tests.servers.oidc_server import OidcServer

pytestmark = pytest.mark.oidc


def with_query(url: str, change: Callable[[dict[str, str]], None]) -> str:
    """``url`` with its query rewritten by ``change``."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    change(query)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_a_person_signs_in_and_the_tokens_work(oidc_server: OidcServer) -> None:
    user = ScriptedUser()
    flow = SignInFlow(sign_in_request(oidc_server), user.open_browser, timeout=30)

    tokens = await flow.run()
    await user.finished()

    assert tokens.refresh_token
    assert tokens.expires_at is not None
    assert "offline_access" in tokens.scope
    assert user.final_page is not None
    assert user.final_page.status_code == 200
    assert "Signed in" in user.final_page.text
    assert "go back to Presence Tray" in user.final_page.text
    answer = parse_qs(urlsplit(user.redirect_url or "").query)
    assert answer["iss"] == [oidc_server.issuer]
    me = await userinfo(oidc_server, tokens.access_token)
    assert me.status_code == 200
    assert me.json()["sub"] == "alice"


async def test_the_authorize_url_asks_for_pkce_s256_and_a_loopback_redirect(
    oidc_server: OidcServer,
) -> None:
    urls: list[str] = []

    def open_browser(url: str) -> None:
        urls.append(url)
        flow.cancel()

    flow = SignInFlow(sign_in_request(oidc_server), open_browser, timeout=30)
    with pytest.raises(SignInCancelledError):
        await flow.run()

    query = parse_qs(urlsplit(urls[0]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert query["redirect_uri"][0].endswith("/callback")
    assert len(query["state"][0]) >= 20
    assert "code_verifier" not in query


async def test_a_denied_consent_ends_with_a_sentence(oidc_server: OidcServer) -> None:
    user = ScriptedUser(consent=False)
    flow = SignInFlow(sign_in_request(oidc_server), user.open_browser, timeout=30)

    with pytest.raises(SignInDeniedError) as caught:
        await flow.run()
    await user.finished()

    assert str(caught.value) == (
        "Access to your the test server account was not allowed, so it was not connected. "
        "Press Connect again if you change your mind."
    )
    assert user.final_page is not None
    assert "Sign-in did not finish" in user.final_page.text
    assert "go back to Presence Tray" in user.final_page.text


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda q: q.update(state="forged-state-value"), id="wrong-state"),
        pytest.param(lambda q: q.pop("state"), id="missing-state"),
    ],
)
async def test_an_answer_with_a_wrong_or_missing_state_is_refused(
    oidc_server: OidcServer, tamper: Callable[[dict[str, str]], object]
) -> None:
    user = ScriptedUser(tamper=lambda url: with_query(url, tamper))
    flow = SignInFlow(sign_in_request(oidc_server), user.open_browser, timeout=30)

    with pytest.raises(StateMismatchError) as caught:
        await flow.run()
    await user.finished()

    assert "state check failed" in str(caught.value)
    assert user.final_page is not None
    assert "Sign-in did not finish" in user.final_page.text


async def test_an_answer_naming_another_issuer_is_refused(oidc_server: OidcServer) -> None:
    user = ScriptedUser(tamper=lambda url: with_query(url, lambda q: q.update(iss="http://evil")))
    flow = SignInFlow(sign_in_request(oidc_server), user.open_browser, timeout=30)

    with pytest.raises(IssuerMismatchError, match="another server"):
        await flow.run()
    await user.finished()


async def test_a_replayed_code_is_refused(oidc_server: OidcServer) -> None:
    first = ScriptedUser()
    first_flow = SignInFlow(sign_in_request(oidc_server), first.open_browser, timeout=30)
    await first_flow.run()
    await first.finished()
    used = parse_qs(urlsplit(first.redirect_url or "").query)["code"][0]
    port = urlsplit(first.redirect_url or "").port

    # An attacker (or a confused browser) brings the used code back to a new sign-in.
    replayer = ScriptedUser(tamper=lambda url: with_query(url, lambda q: q.update(code=used)))
    replay = SignInFlow(
        sign_in_request(oidc_server, loopback_port=port), replayer.open_browser, timeout=30
    )
    with pytest.raises(TokenExchangeError) as caught:
        await replay.run()
    await replayer.finished()

    assert "(invalid_grant)" in str(caught.value)
    assert used not in str(caught.value)


async def test_cancel_while_the_browser_is_open_closes_the_listener(
    oidc_server: OidcServer,
) -> None:
    redirect: list[str] = []

    def open_browser(url: str) -> None:  # the user closes the browser: nothing comes back
        redirect.append(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        asyncio.get_running_loop().call_later(0.2, flow.cancel)

    flow = SignInFlow(sign_in_request(oidc_server), open_browser, timeout=30)
    with pytest.raises(SignInCancelledError) as caught:
        await flow.run()

    assert str(caught.value) == "The the test server sign-in was cancelled; nothing was saved."
    async with httpx.AsyncClient() as browser:
        with pytest.raises(httpx.ConnectError):
            await browser.get(redirect[0])


async def test_no_answer_in_time_ends_with_a_sentence_and_closes_the_listener(
    oidc_server: OidcServer,
) -> None:
    redirect: list[str] = []
    flow = SignInFlow(
        sign_in_request(oidc_server),
        lambda url: redirect.append(parse_qs(urlsplit(url).query)["redirect_uri"][0]),
        timeout=0.3,
    )
    with pytest.raises(SignInTimeoutError) as caught:
        await flow.run()

    assert str(caught.value) == (
        "The the test server sign-in was not finished in the browser within 0.3 seconds; "
        "nothing was saved. Press Connect to try again."
    )
    async with httpx.AsyncClient() as browser:
        with pytest.raises(httpx.ConnectError):
            await browser.get(redirect[0])


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 some other program is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


async def test_a_loopback_port_in_use_is_explained(oidc_server: OidcServer, busy_port: int) -> None:
    opened: list[str] = []
    flow = SignInFlow(
        sign_in_request(oidc_server, loopback_port=busy_port), opened.append, timeout=30
    )
    with pytest.raises(LoopbackPortError) as caught:
        await flow.run()

    assert str(caught.value) == (
        f"Port {busy_port} on 127.0.0.1 is in use by another program, so Presence Tray cannot "
        "receive the browser's answer. Close that program and try again."
    )
    assert opened == []  # no browser opened on a sign-in that cannot finish


async def test_a_token_server_that_is_down_is_explained(oidc_server: OidcServer) -> None:
    user = ScriptedUser()
    request = sign_in_request(oidc_server, token_url=f"http://127.0.0.1:{closed_port()}/token")
    flow = SignInFlow(request, user.open_browser, timeout=30)

    with pytest.raises(ServerUnreachableError) as caught:
        await flow.run()
    await user.finished()

    assert str(caught.value) == (
        "the test server could not be reached. Check your network connection and try again."
    )


async def test_a_token_server_that_is_too_slow_is_explained(
    oidc_server: OidcServer, silent_server: str
) -> None:
    user = ScriptedUser()
    flow = SignInFlow(
        sign_in_request(oidc_server, token_url=silent_server),
        user.open_browser,
        timeout=30,
        http_timeout=0.5,
    )
    with pytest.raises(ServerTooSlowError) as caught:
        await flow.run()
    await user.finished()

    assert str(caught.value) == "the test server did not answer within 0.5 s. Try again later."


async def test_errors_are_sign_in_errors_with_no_secret_in_them(oidc_server: OidcServer) -> None:
    user = ScriptedUser(tamper=lambda url: with_query(url, lambda q: q.update(state="x")))
    flow = SignInFlow(sign_in_request(oidc_server), user.open_browser, timeout=30)
    with pytest.raises(SignInError) as caught:
        await flow.run()
    await user.finished()

    answer = parse_qs(urlsplit(user.redirect_url or "").query)
    assert answer["code"][0] not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_a_token_answer_that_is_not_tokens_is_explained(
    oidc_server: OidcServer, canned_token_server: CannedTokenServer
) -> None:
    canned_token_server.body = b'{"token_type": "Bearer"}'
    user = ScriptedUser()
    request = sign_in_request(oidc_server, token_url=canned_token_server.url)

    with pytest.raises(TokenExchangeError) as caught:
        await SignInFlow(request, user.open_browser, timeout=30).run()
    await user.finished()

    assert str(caught.value) == (
        "the test server answered the sign-in with something that is not tokens."
    )


async def test_another_authorization_error_is_named(oidc_server: OidcServer) -> None:
    user = ScriptedUser(tamper=lambda url: with_query(url, lambda q: q.update(error="bad thing")))
    flow = SignInFlow(sign_in_request(oidc_server), user.open_browser, timeout=30)

    with pytest.raises(SignInError) as caught:
        await flow.run()
    await user.finished()

    assert str(caught.value) == (
        "the test server refused the sign-in (unknown_error). "
        "Check the app registration and try again."
    )
