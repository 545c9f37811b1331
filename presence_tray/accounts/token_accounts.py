"""What the token and password sign-ins share: the verified account, their errors, their HTTP.

Discord bot tokens, Slack app-level tokens, Matrix and XMPP logins are not OAuth flows: the
user pastes a token or types a password, and Presence Tray checks it against the service once
before saving anything. Each check ends with a :class:`VerifiedAccount` (what to show, what to
save, what goes to the keyring) or a :class:`~presence_tray.accounts.errors.SignInError` whose
message is a sentence the user can act on and never contains the secret.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from presence_tray.accounts.errors import ServerTooSlowError, ServerUnreachableError, SignInError
from presence_tray.accounts.oauth import transport_problem

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_CHECK_TIMEOUT = 20.0  # seconds a service has to answer a token or password check


@dataclass(frozen=True)
class VerifiedAccount:
    """An account whose token or password the service has just accepted."""

    account_id: str  # stable id: Discord bot user id, "@alice:example.org", bare JID
    label: str  # what the user sees: "PresenceBot (Discord bot)", "@alice:example.org"
    settings: Mapping[str, str]  # non-secret settings to save (homeserver URL, address...)
    secret: str = field(repr=False)  # what goes to the keyring; never shown by repr()
    note: str = ""  # a sentence to show beside the account, e.g. "the presence intent is off"


class CredentialsRejectedError(SignInError):
    """The service refused the token or password: it is wrong, expired, revoked or reset."""


class InvalidCredentialsFormatError(SignInError):
    """What the user entered cannot be right (wrong token kind, not an address, no password)."""


class TooManyAttemptsError(SignInError):
    """The service asked us to slow down; ``retry_after`` is in seconds (0 when not said)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class UnexpectedAnswerError(SignInError):
    """The service answered, but not as documented (wrong server, or an error we don't know)."""


def is_token_text(text: str) -> bool:
    """Whether ``text`` can be a token: printable ASCII without blanks (it goes in a header)."""
    return bool(text) and text.isascii() and text.isprintable() and " " not in text


def retry_sentence(service: str, retry_after: float) -> str:
    """'<service> asks to wait ... before trying again.' with the delay rounded up to seconds."""
    if retry_after <= 0:
        return f"{service} received too many attempts. Wait a minute, then try again."
    seconds = max(1, math.ceil(retry_after))
    unit = "second" if seconds == 1 else "seconds"
    return f"{service} received too many attempts. Wait {seconds} {unit}, then try again."


def json_object(response: httpx.Response) -> dict[str, object]:
    """The response's body as a JSON object, or ``{}`` when it is not one."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


async def send_checked(
    client: httpx.AsyncClient, request: httpx.Request, *, service: str, waited: float
) -> httpx.Response:
    """Send ``request``; a network failure or timeout becomes a :class:`SignInError` sentence.

    ``waited`` is the client's timeout in seconds, for the message. HTTP error statuses are
    returned, not raised: each caller knows what its service means by them. A 5xx is the
    exception: it is always "try again later".
    """
    try:
        response = await client.send(request)
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            response.raise_for_status()
    except httpx.HTTPError as err:
        problem = transport_problem(err, service, waited)
        if problem is None:  # an httpx error that is neither transport nor status
            msg = f"{service} could not be reached. Check your network connection and try again."
            raise ServerUnreachableError(msg) from err
        kind = ServerTooSlowError if problem.timed_out else ServerUnreachableError
        raise kind(problem.message) from err
    return response


def unexpected_answer(service: str, response: httpx.Response) -> UnexpectedAnswerError:
    """The error for an answer the check does not know how to read."""
    return UnexpectedAnswerError(
        f"{service} gave an unexpected answer (HTTP {response.status_code}). Check the server "
        "address, or try again later."
    )
