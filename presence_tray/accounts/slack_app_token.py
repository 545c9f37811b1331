"""Check a Slack app-level token (``xapp-…``), the optional extra of a Slack account.

With it Presence Tray can open a Socket Mode connection for the events Slack does push (status
and Do Not Disturb changes). The check is the call Socket Mode starts with:
``POST apps.connections.open`` with the token in the Authorization header. Slack answers
``{"ok": true, "url": "wss://…"}`` or ``{"ok": false, "error": "<code>"}``; the URL is not
used (it expires unused).
"""

from __future__ import annotations

import httpx

from presence_tray.accounts.oauth import safe_error_code
from presence_tray.accounts.token_accounts import (
    DEFAULT_CHECK_TIMEOUT,
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    TooManyAttemptsError,
    UnexpectedAnswerError,
    is_token_text,
    json_object,
    retry_sentence,
    send_checked,
    unexpected_answer,
)

SLACK_API = "https://slack.com/api"
SERVICE = "Slack"
APP_TOKEN_PREFIX = "xapp-"  # noqa: S105 - the kind of token, not a token

_WHERE_TO_GET_ONE = (
    "Create one on your app's Basic Information page under App-Level Tokens, with the "
    "connections:write scope."
)
_REJECTED = (
    "Slack did not accept this app-level token: it is wrong, revoked or expired. "
    + _WHERE_TO_GET_ONE
)
# Slack's error codes for a token it refuses, and what to tell the user for each.
_ERROR_SENTENCES = {
    "invalid_auth": _REJECTED,
    "not_authed": _REJECTED,
    "token_revoked": _REJECTED,
    "token_expired": _REJECTED,
    "account_inactive": _REJECTED,
    "not_allowed_token_type": (
        'This is not an app-level token (those start with "xapp-"). ' + _WHERE_TO_GET_ONE
    ),
    "missing_scope": (
        "This app-level token lacks the connections:write scope. " + _WHERE_TO_GET_ONE
    ),
    "socket_mode_not_enabled": (
        "Socket Mode is off for this Slack app. Turn it on on the app's Socket Mode page, "
        "then try again."
    ),
}


async def verify_slack_app_token(
    token: str,
    *,
    api_base: str = SLACK_API,
    timeout: float = DEFAULT_CHECK_TIMEOUT,  # noqa: ASYNC109 - the HTTP timeout of the call
) -> None:
    """Return if Slack accepts ``token`` for Socket Mode; else raise a SignInError sentence.

    ``api_base`` is Slack's Web API root (a test points it at a local fake).
    """
    token = token.strip()
    if not token.startswith(APP_TOKEN_PREFIX) or not is_token_text(token):
        raise InvalidCredentialsFormatError(
            'Slack app-level tokens start with "xapp-". ' + _WHERE_TO_GET_ONE
        )
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        request = client.build_request(
            "POST",
            f"{api_base.rstrip('/')}/apps.connections.open",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = await send_checked(client, request, service=SERVICE, waited=timeout)
    body = json_object(response)
    if response.status_code == httpx.codes.TOO_MANY_REQUESTS or body.get("error") == "ratelimited":
        seconds = _retry_after(response)
        raise TooManyAttemptsError(retry_sentence(SERVICE, seconds), seconds)
    if body.get("ok") is True:
        return
    if response.status_code != httpx.codes.OK or body.get("ok") is not False:
        raise unexpected_answer(SERVICE, response)
    code = safe_error_code(body)
    sentence = _ERROR_SENTENCES.get(code)
    if sentence is None:
        msg = f"Slack refused the app-level token check ({code}). {_WHERE_TO_GET_ONE}"
        raise UnexpectedAnswerError(msg)
    raise CredentialsRejectedError(sentence)


def _retry_after(response: httpx.Response) -> float:
    """Slack's ``Retry-After`` header in seconds; 0 when missing or not a number."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0
