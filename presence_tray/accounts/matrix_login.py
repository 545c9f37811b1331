"""Sign in to a Matrix homeserver with a password or an access token (client-server API v3).

Password: ``POST /_matrix/client/v3/login`` (``m.login.password``, identifier ``m.id.user``)
creates a device called "Presence Tray"; the password is used once and not kept: the secret
saved is the access token and the device id. Token: ``GET /_matrix/client/v3/account/whoami``
says whose token it is. Either way the account id is the full user id, ``@alice:example.org``.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from presence_tray.accounts.oauth import safe_error_code
from presence_tray.accounts.token_accounts import (
    DEFAULT_CHECK_TIMEOUT,
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    TooManyAttemptsError,
    UnexpectedAnswerError,
    VerifiedAccount,
    is_token_text,
    json_object,
    retry_sentence,
    send_checked,
    unexpected_answer,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DEVICE_NAME = "Presence Tray"
_LOGIN = "/_matrix/client/v3/login"
_WHOAMI = "/_matrix/client/v3/account/whoami"

_LOGIN_REFUSED = (
    "The homeserver did not accept this user name and password. Check both (the user name is "
    "the part between @ and :) and try again."
)
_WHOAMI_REFUSED = (
    "The homeserver did not accept this access token: it is wrong, or that session was signed "
    "out. Copy a current token from your Matrix client, or sign in with your password."
)
_DEACTIVATED = "This Matrix account has been deactivated. Ask your homeserver's admin."


async def sign_in_matrix(
    homeserver: str,
    *,
    user: str = "",
    password: str = "",
    access_token: str = "",
    timeout: float = DEFAULT_CHECK_TIMEOUT,  # noqa: ASYNC109 - the HTTP timeout of each call
) -> VerifiedAccount:
    """Sign in with ``password`` (with ``user``) or check ``access_token``; never both.

    Raises a SignInError sentence when the address, the credentials or the server is wrong.
    """
    base = homeserver_url(homeserver)
    service = f"The homeserver {urlsplit(base).netloc}"
    access_token = access_token.strip()
    if password and access_token:
        msg = "Enter either your password or an access token, not both."
        raise InvalidCredentialsFormatError(msg)
    if access_token and not is_token_text(access_token):
        msg = "That is not an access token. Copy it again from your Matrix client's settings."
        raise InvalidCredentialsFormatError(msg)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, follow_redirects=False) as client:
        if access_token:
            user_id, device_id = await _whoami(client, access_token, service, timeout)
        elif password:
            access_token, user_id, device_id = await _log_in(
                client, user.strip(), password, service, timeout
            )
        else:
            msg = "Enter your Matrix password, or an access token from your Matrix client."
            raise InvalidCredentialsFormatError(msg)
    secret = {"access_token": access_token, "device_id": device_id}
    return VerifiedAccount(
        account_id=user_id,
        label=user_id,
        settings={"homeserver": base, "user_id": user_id},
        secret=json.dumps(secret),
    )


def homeserver_url(text: str) -> str:
    """``text`` as a homeserver base URL: https (assumed when missing), or http on loopback."""
    text = text.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        httpx.URL(text)  # refuses what httpx could not send a request to
    except (ValueError, httpx.InvalidURL):
        parts, host = urlsplit(""), ""
    bad_shape = not host or parts.username or parts.password or parts.query or parts.fragment
    if bad_shape or not text.isprintable() or " " in text or parts.scheme not in {"https", "http"}:
        msg = "Enter the homeserver's address, like https://matrix.example.org."
        raise InvalidCredentialsFormatError(msg)
    if parts.scheme == "http" and not _is_loopback(host):
        msg = (
            "The homeserver's address must start with https:// (plain http is only accepted "
            "for a server on this computer)."
        )
        raise InvalidCredentialsFormatError(msg)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _log_in(
    client: httpx.AsyncClient, user: str, password: str, service: str, waited: float
) -> tuple[str, str, str]:
    """Password login: (access token, user id, device id)."""
    if not user:
        msg = "Enter your Matrix user name, like alice or @alice:example.org."
        raise InvalidCredentialsFormatError(msg)
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "initial_device_display_name": DEVICE_NAME,
    }
    request = client.build_request("POST", _LOGIN, json=body)
    answer = await _matrix_call(client, request, service, waited, rejected=_LOGIN_REFUSED)
    token, user_id, device_id = (answer.get(k) for k in ("access_token", "user_id", "device_id"))
    if not isinstance(token, str) or not token or not isinstance(device_id, str):
        raise _not_matrix(service)
    return token, _user_id(user_id, service), device_id


async def _whoami(
    client: httpx.AsyncClient, token: str, service: str, waited: float
) -> tuple[str, str]:
    """Whose ``token`` is: (user id, device id or "")."""
    request = client.build_request("GET", _WHOAMI, headers={"Authorization": f"Bearer {token}"})
    answer = await _matrix_call(client, request, service, waited, rejected=_WHOAMI_REFUSED)
    device_id = answer.get("device_id")
    return _user_id(answer.get("user_id"), service), device_id if isinstance(device_id, str) else ""


async def _matrix_call(
    client: httpx.AsyncClient,
    request: httpx.Request,
    service: str,
    waited: float,
    *,
    rejected: str,
) -> Mapping[str, object]:
    """Send ``request``; return its JSON object or raise the sentence its Matrix error means."""
    response = await send_checked(client, request, service=service, waited=waited)
    body = json_object(response)
    if response.status_code == httpx.codes.OK and body:
        return body
    errcode = body.get("errcode")
    if errcode == "M_LIMIT_EXCEEDED" or response.status_code == httpx.codes.TOO_MANY_REQUESTS:
        seconds = _retry_after(response, body)
        raise TooManyAttemptsError(retry_sentence(service, seconds), seconds)
    if errcode in {"M_FORBIDDEN", "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"}:
        raise CredentialsRejectedError(rejected)
    if errcode == "M_USER_DEACTIVATED":
        raise CredentialsRejectedError(_DEACTIVATED)
    if isinstance(errcode, str):
        code = safe_error_code(body, "errcode")
        msg = f"{service} refused the sign-in ({code}). Check the address and try again."
        raise UnexpectedAnswerError(msg)
    raise unexpected_answer(service, response)


def _retry_after(response: httpx.Response, body: Mapping[str, object]) -> float:
    """Seconds to wait: the Retry-After header, else the deprecated ``retry_after_ms``."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        pass
    millis = body.get("retry_after_ms")
    return max(0.0, millis / 1000) if isinstance(millis, int | float) else 0.0


def _user_id(value: object, service: str) -> str:
    if isinstance(value, str) and value.startswith("@") and ":" in value:
        return value
    raise _not_matrix(service)


def _not_matrix(service: str) -> UnexpectedAnswerError:
    return UnexpectedAnswerError(
        f"{service} did not answer like a Matrix homeserver. Check the address and try again."
    )
