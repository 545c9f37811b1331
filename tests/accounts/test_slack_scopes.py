"""Slack asks for user scopes in ``user_scope`` (a desktop redirect gets user tokens only)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from presence_tray.accounts.errors import SignInCancelledError
from presence_tray.accounts.signin import SignInFlow, SignInRequest


@pytest.mark.parametrize(
    ("parameter", "absent"), [("user_scope", "scope"), ("scope", "user_scope")]
)
async def test_scopes_go_in_the_platforms_parameter(parameter: str, absent: str) -> None:
    opened: list[str] = []
    request = SignInRequest(
        server_name="Slack",
        authorize_url="https://slack.com/oauth/v2/authorize",
        token_url="https://slack.com/api/oauth.v2.access",
        client_id="123.456",
        scopes=("users:read", "dnd:read"),
        scope_parameter=parameter,
    )
    flow = SignInFlow(request, lambda url: opened.append(url) or flow.cancel())
    with pytest.raises(SignInCancelledError):
        await flow.run()
    query = parse_qs(urlsplit(opened[0]).query)
    assert query[parameter] == ["users:read dnd:read"]
    assert absent not in query
    assert query["code_challenge_method"] == ["S256"]
