"""Who signed in: one call with the new access token, and its answer read per platform.

The account a sign-in yields is identified by who signed in (Slack: the workspace and the
user), so two workspaces or two users become two accounts side by side, and signing the same
person in again renews that account. Each ``*_identity`` function reads one documented answer
(pure, table-tested); :func:`fetch_identity` makes the call and turns every failure into an
:class:`IdentityCallError` sentence with no token in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import httpx

from presence_tray.accounts.errors import IdentityCallError
from presence_tray.accounts.oauth import safe_error_code, transport_problem
from presence_tray.core.identity import Platform

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

HTTP_OK: Final = 200


@dataclass(frozen=True)
class SignedIn:
    """Who an access token belongs to: our stable account id and the label the user reads."""

    account_id: str
    label: str


@dataclass(frozen=True)
class IdentityCall:
    """The platform's "who am I" endpoint and how to read its answer."""

    url: str
    read: Callable[[Mapping[str, object]], SignedIn]


def _text(payload: Mapping[str, object], *names: str) -> str:
    """The first non-empty string among ``names`` in ``payload``, else ""."""
    for name in names:
        value = payload.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return ""


def _required(payload: Mapping[str, object], *names: str) -> str:
    value = _text(payload, *names)
    if not value:
        msg = f"the answer has no {names[0]}"
        raise ValueError(msg)
    return value


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def slack_identity(payload: Mapping[str, object]) -> SignedIn:
    """Slack ``auth.test``: the workspace and user ids; "alice · Acme"."""
    if payload.get("ok") is not True:
        msg = f"Slack answered {safe_error_code(payload)}"
        raise ValueError(msg)
    team_id, user_id = _required(payload, "team_id"), _required(payload, "user_id")
    return SignedIn(
        f"{team_id}:{user_id}", _joined(_text(payload, "user") or user_id, _text(payload, "team"))
    )


def graph_identity(payload: Mapping[str, object]) -> SignedIn:
    """Microsoft Graph ``/me``: the user's object id; "megan@contoso.com"."""
    user_id = _required(payload, "id")
    label = _text(payload, "userPrincipalName", "mail", "displayName") or user_id
    return SignedIn(user_id, label)


def zoom_identity(payload: Mapping[str, object]) -> SignedIn:
    """Zoom ``/v2/users/me``: the user id; the e-mail address."""
    user_id = _required(payload, "id")
    return SignedIn(user_id, _text(payload, "email", "display_name") or user_id)


def discord_identity(payload: Mapping[str, object]) -> SignedIn:
    """Discord ``/users/@me``: the user's snowflake; the user name."""
    user_id = _required(payload, "id")
    return SignedIn(user_id, _text(payload, "username", "global_name") or user_id)


def openid_identity(payload: Mapping[str, object]) -> SignedIn:
    """An OpenID Connect userinfo answer (LinkedIn, the test server): ``sub``; the name and
    e-mail ("Ada Lovelace (ada@example.org)") when both are shared, else either."""
    subject = _required(payload, "sub")
    name, email = _text(payload, "name"), _text(payload, "email")
    if name and email:
        return SignedIn(subject, f"{name} ({email})")
    return SignedIn(subject, email or _text(payload, "preferred_username", "name") or subject)


IDENTITY_CALLS: Final[dict[Platform, IdentityCall]] = {
    Platform.SLACK: IdentityCall("https://slack.com/api/auth.test", slack_identity),
    Platform.TEAMS: IdentityCall("https://graph.microsoft.com/v1.0/me", graph_identity),
    Platform.ZOOM: IdentityCall("https://api.zoom.us/v2/users/me", zoom_identity),
    Platform.DISCORD: IdentityCall("https://discord.com/api/v10/users/@me", discord_identity),
    Platform.LINKEDIN: IdentityCall("https://api.linkedin.com/v2/userinfo", openid_identity),
}


async def fetch_identity(
    call: IdentityCall, access_token: str, *, server_name: str, http_timeout: float
) -> SignedIn:
    """Ask the platform who ``access_token`` belongs to; IdentityCallError (a sentence) if
    it cannot say."""
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    try:
        async with httpx.AsyncClient(timeout=http_timeout, follow_redirects=False) as client:
            response = await client.get(call.url, headers=headers)
    except httpx.HTTPError as err:
        problem = transport_problem(err, server_name, http_timeout)
        message = problem.message if problem else f"{server_name} could not be reached."
        msg = f"Signed in, but asking {server_name} who you are failed: {message}"
        raise IdentityCallError(msg) from None
    try:
        if response.status_code != HTTP_OK:
            msg = f"HTTP {response.status_code}"
            raise ValueError(msg)  # noqa: TRY301 - one sentence for every unusable answer
        payload = response.json()
        if not isinstance(payload, dict):
            msg = "not a JSON object"
            raise TypeError(msg)  # noqa: TRY301
        return call.read(payload)
    except (ValueError, TypeError) as err:
        msg = (
            f"Signed in, but {server_name} did not say who you are ({err}), so nothing was "
            "saved. Check that the app registration grants the scopes listed in the guide, "
            "then press Connect again."
        )
        raise IdentityCallError(msg) from None
