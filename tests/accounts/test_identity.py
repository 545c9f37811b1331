"""Who signed in: each platform's documented "who am I" answer read into an account id and label,
and the call itself against a small local server (answers that say nobody, errors, no server)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from presence_tray.accounts.errors import IdentityCallError
from presence_tray.accounts.identity import (
    IDENTITY_CALLS,
    IdentityCall,
    SignedIn,
    discord_identity,
    fetch_identity,
    graph_identity,
    openid_identity,
    slack_identity,
    zoom_identity,
)
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.identity import Platform
from tests.accounts.helpers import closed_port

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tests.accounts.conftest import CannedTokenServer

# Documented answers (Slack auth.test, Graph /me, Zoom /v2/users/me, Discord /users/@me,
# LinkedIn /v2/userinfo), trimmed to the fields that matter plus a few neighbours.
SLACK_AUTH_TEST = {
    "ok": True,
    "url": "https://acme.slack.com/",
    "team": "Acme",
    "user": "alice",
    "team_id": "T12345",
    "user_id": "U67890",
}
GRAPH_ME = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
    "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
    "displayName": "Megan Bowen",
    "mail": "MeganB@M365x214355.onmicrosoft.com",
    "userPrincipalName": "MeganB@M365x214355.onmicrosoft.com",
}
ZOOM_ME = {
    "id": "KDcuGIm1QgePTO8WbOqwIQ",
    "first_name": "Jill",
    "last_name": "Chill",
    "display_name": "Jill Chill",
    "email": "jchill@example.com",
    "account_id": "q6gBJVO5TzexKYTb_I2rpg",
}
DISCORD_ME = {
    "id": "80351110224678912",
    "username": "nelly",
    "discriminator": "0",
    "global_name": "Nelly",
    "avatar": "8342729096ea3675442027381ff50dfe",
}
LINKEDIN_USERINFO = {
    "sub": "782bbtaQ",
    "name": "John Doe",
    "given_name": "John",
    "family_name": "Doe",
    "locale": "en-US",
    "email": "doe@email.com",
    "email_verified": True,
}


@pytest.mark.parametrize(
    ("read", "payload", "expected"),
    [
        (slack_identity, SLACK_AUTH_TEST, SignedIn("T12345:U67890", "alice · Acme")),
        (
            graph_identity,
            GRAPH_ME,
            SignedIn("87d349ed-44d7-43e1-9a83-5f2406dee5bd", "MeganB@M365x214355.onmicrosoft.com"),
        ),
        (zoom_identity, ZOOM_ME, SignedIn("KDcuGIm1QgePTO8WbOqwIQ", "jchill@example.com")),
        (discord_identity, DISCORD_ME, SignedIn("80351110224678912", "nelly")),
        (openid_identity, LINKEDIN_USERINFO, SignedIn("782bbtaQ", "John Doe (doe@email.com)")),
        (openid_identity, {"sub": "alice", "name": "User alice"}, SignedIn("alice", "User alice")),
        (openid_identity, {"sub": "b", "email": "b@example.org"}, SignedIn("b", "b@example.org")),
        (graph_identity, {"id": "g-1"}, SignedIn("g-1", "g-1")),
    ],
)
def test_documented_answers_name_the_account(
    read: Callable[[Mapping[str, object]], SignedIn],
    payload: Mapping[str, object],
    expected: SignedIn,
) -> None:
    assert read(payload) == expected


@pytest.mark.parametrize(
    ("read", "payload"),
    [
        (slack_identity, {"ok": False, "error": "invalid_auth"}),
        (slack_identity, {"ok": True, "team_id": "T1"}),
        (graph_identity, {"displayName": "No Id"}),
        (zoom_identity, {"id": ""}),
        (discord_identity, {"id": None}),
        (openid_identity, {"email": "someone@example.com"}),
    ],
)
def test_answers_without_an_id_are_refused(
    read: Callable[[Mapping[str, object]], SignedIn], payload: Mapping[str, object]
) -> None:
    with pytest.raises(ValueError, match=r"no |Slack answered invalid_auth"):
        read(payload)


def test_every_oauth_platform_has_an_identity_call() -> None:
    assert set(IDENTITY_CALLS) == {
        Platform.SLACK,
        Platform.TEAMS,
        Platform.ZOOM,
        Platform.DISCORD,
        Platform.LINKEDIN,
    }
    assert all(call.url.startswith("https://") for call in IDENTITY_CALLS.values())


def test_slack_user_token_is_taken_from_authed_user() -> None:
    # The documented oauth.v2.access answer (java-slack-sdk json-logs sample, token rotation
    # on): a bot token at the top, the user's token under authed_user.
    answer = {
        "ok": True,
        "app_id": "A0KRD7HC3",
        "authed_user": {
            "id": "U1234",
            "scope": "users:read,dnd:read",
            "access_token": "FAKE-NOT-A-SECRET-slack-user-token",
            "token_type": "user",
            "refresh_token": "xoxe-FAKE-NOT-A-SECRET-refresh",
            "expires_in": 43200,
        },
        "scope": "commands",
        "token_type": "bot",
        "access_token": "xoxb-bot-token",
        "bot_user_id": "U0KRQLJ9H",
        "team": {"name": "Slack Softball Team", "id": "T9TK3CUKW"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    tokens = TokenSet.from_response(answer, now=1000.0)
    assert tokens.access_token == "FAKE-NOT-A-SECRET-slack-user-token"
    assert tokens.refresh_token == "xoxe-FAKE-NOT-A-SECRET-refresh"
    assert tokens.expires_at == 1000.0 + 43200
    assert tokens.scope == "users:read,dnd:read"
    assert tokens.token_type == "user"
    # A renewal answer carries the user token at the top.
    renewed = TokenSet.from_response(
        {
            "ok": True,
            "access_token": "FAKE-NOT-A-SECRET-slack-user-token-2",
            "token_type": "user",
            "expires_in": 43200,
        },
        now=2000.0,
        previous=tokens,
    )
    assert (renewed.access_token, renewed.refresh_token) == (
        "FAKE-NOT-A-SECRET-slack-user-token-2",
        "xoxe-FAKE-NOT-A-SECRET-refresh",
    )


async def test_fetch_identity_sends_the_token_and_reads_the_answer(
    canned_token_server: CannedTokenServer,
) -> None:
    answer, url = canned_token_server, canned_token_server.url
    answer.body = json.dumps(ZOOM_ME).encode()
    found = await fetch_identity(
        IdentityCall(url, zoom_identity), "tok-123", server_name="Zoom", http_timeout=5
    )
    assert found == SignedIn("KDcuGIm1QgePTO8WbOqwIQ", "jchill@example.com")
    assert answer.authorization == "Bearer tok-123"


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [
        ("401 Unauthorized", b'{"message": "401: Unauthorized"}', "HTTP 401"),
        ("200 OK", b"<html>not json</html>", "did not say who you are"),
        ("200 OK", b"[1, 2]", "not a JSON object"),
        ("200 OK", b'{"ok": false, "error": "token_revoked"}', "Slack answered token_revoked"),
    ],
)
async def test_fetch_identity_failures_are_sentences_without_the_token(
    canned_token_server: CannedTokenServer, status: str, body: bytes, why: str
) -> None:
    answer, url = canned_token_server, canned_token_server.url
    answer.status, answer.body = status, body
    with pytest.raises(IdentityCallError, match=why) as failed:
        await fetch_identity(
            IdentityCall(url, slack_identity), "tok-SECRET-1", server_name="Slack", http_timeout=5
        )
    assert "tok-SECRET-1" not in str(failed.value)
    assert str(failed.value).startswith("Signed in, but Slack did not say who you are")


async def test_fetch_identity_with_no_server_says_so() -> None:
    call = IdentityCall(f"http://127.0.0.1:{closed_port()}/me", zoom_identity)
    with pytest.raises(IdentityCallError, match="Zoom could not be reached"):
        await fetch_identity(call, "tok", server_name="Zoom", http_timeout=5)
