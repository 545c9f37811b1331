"""The ID token an OpenID Connect sign-in brings back (LinkedIn, the test server), checked
against the account its userinfo names.

OpenID Connect Core §5.3.2: the userinfo ``sub`` must be exactly the ID token's ``sub``. The
token comes straight from the token endpoint, on the connection Presence Tray opened, so that
connection vouches for it in place of its signature (§3.1.3.7, point 6); its claims are read,
and its audience, expiry and (where the issuer is known) issuer checked. Sentences never hold
the token or its claims.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Final

from presence_tray.accounts.errors import IdentityCallError

CLOCK_SKEW_SECONDS: Final = 300.0
"""How far the server's clock may be ahead of ours when the token says it expired."""


def id_token_claims(token: str) -> dict[str, object]:
    """The claims (the payload) of a JSON Web Token; ValueError when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:  # noqa: PLR2004 - header, payload, signature
        msg = "not a JSON Web Token"
        raise ValueError(msg)
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        msg = "its claims are not readable"
        raise ValueError(msg) from None
    if not isinstance(claims, dict):
        msg = "its claims are not an object"
        raise ValueError(msg)  # noqa: TRY004 - one kind of error for every unusable token
    return claims


def _problem(
    claims: dict[str, object], *, subject: str, client_id: str, issuer: str | None, now: float
) -> str | None:
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        return "is meant for another app"
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + CLOCK_SKEW_SECONDS < now:
        return "has expired"
    if issuer is not None and claims.get("iss") != issuer:
        return "comes from another server"
    if claims.get("sub") != subject:
        return "names another account than the one that signed in"
    return None


def check_id_token(
    token: str,
    *,
    subject: str,
    client_id: str,
    issuer: str | None,
    now: float,
    server_name: str,
) -> None:
    """Check that ``token`` is ``client_id``'s, unexpired, from ``issuer`` (when known) and
    for ``subject`` (the userinfo ``sub``); IdentityCallError with a sentence otherwise."""
    try:
        claims = id_token_claims(token)
    except ValueError as err:
        problem: str | None = f"is not readable ({err})"
    else:
        problem = _problem(claims, subject=subject, client_id=client_id, issuer=issuer, now=now)
    if problem is not None:
        msg = (
            f"Signed in, but the ID token {server_name} sent {problem}, so nothing was saved. "
            "Press Connect to try again."
        )
        raise IdentityCallError(msg)
