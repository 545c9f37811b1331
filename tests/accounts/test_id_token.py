"""The ID token of an OpenID Connect sign-in: checked against the userinfo's account, for
this app, unexpired and from the server asked; never kept; sentences without its content."""

from __future__ import annotations

import base64
import json

import pytest

from presence_tray.accounts.errors import IdentityCallError
from presence_tray.accounts.id_token import check_id_token, id_token_claims
from presence_tray.accounts.tokenset import TokenSet

NOW = 1_700_000_000.0
ISSUER = "http://127.0.0.1:4000"
GOOD = {"sub": "782bbtaQ", "aud": "desktop-app", "exp": NOW + 3600, "iss": ISSUER}


def jwt(claims: object) -> str:
    """An unsigned JSON Web Token carrying ``claims`` (the signature is not read)."""

    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def check(token: str, *, issuer: str | None = ISSUER) -> None:
    check_id_token(
        token,
        subject="782bbtaQ",
        client_id="desktop-app",
        issuer=issuer,
        now=NOW,
        server_name="LinkedIn",
    )


def test_a_token_for_the_account_that_signed_in_passes() -> None:
    check(jwt(GOOD))
    check(jwt({**GOOD, "aud": ["other", "desktop-app"]}))
    check(jwt({**GOOD, "iss": "https://www.linkedin.com/oauth"}), issuer=None)  # not known
    check(jwt({**GOOD, "exp": NOW - 60}))  # a server clock a minute ahead
    assert id_token_claims(jwt(GOOD)) == GOOD


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (jwt({**GOOD, "sub": "someone-else"}), "names another account than the one that signed in"),
        (jwt({**GOOD, "aud": "another-app"}), "is meant for another app"),
        (jwt({**GOOD, "exp": NOW - 3600}), "has expired"),
        (jwt({k: v for k, v in GOOD.items() if k != "exp"}), "has expired"),
        (jwt({**GOOD, "iss": "http://127.0.0.1:9"}), "comes from another server"),
        ("not-a-token", "is not readable (not a JSON Web Token)"),
        ("a.%%%.c", "is not readable (its claims are not readable)"),
        (jwt(["a", "list"]), "is not readable (its claims are not an object)"),
    ],
)
def test_anything_else_stops_the_sign_in_with_a_sentence(token: str, problem: str) -> None:
    with pytest.raises(IdentityCallError) as stopped:
        check(token)
    assert str(stopped.value) == (
        f"Signed in, but the ID token LinkedIn sent {problem}, so nothing was saved. "
        "Press Connect to try again."
    )


def test_the_id_token_is_read_from_the_answer_and_never_kept() -> None:
    token = jwt(GOOD)
    tokens = TokenSet.from_response({"access_token": "AT-fake", "id_token": token}, now=NOW)
    assert tokens.id_token == token
    assert token not in repr(tokens)
    assert "id_token" not in json.loads(tokens.to_secret())
    assert TokenSet.from_secret(tokens.to_secret()).id_token is None
