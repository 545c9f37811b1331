"""What sign-in and refresh share: the authlib client, token errors and transport errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client

if TYPE_CHECKING:
    from collections.abc import Mapping

# An OAuth error code is a short ASCII word (RFC 6749 §5.2); anything else is not echoed.
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def public_client(
    client_id: str, *, timeout: float, redirect_uri: str | None = None, scope: str | None = None
) -> AsyncOAuth2Client:
    """An authlib client for a native app: no client secret, PKCE with S256."""
    return AsyncOAuth2Client(
        client_id=client_id,
        token_endpoint_auth_method="none",  # noqa: S106 - a method name, no secret
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge_method="S256",
        timeout=timeout,
        follow_redirects=False,
    )


def safe_error_code(params: Mapping[str, object], key: str = "error") -> str:
    """The OAuth error code in ``params`` if it looks like one, else ``unknown_error``."""
    value = params.get(key)
    if isinstance(value, str) and _ERROR_CODE.fullmatch(value):
        return value
    return "unknown_error"


@dataclass(frozen=True)
class TransportProblem:
    """Why a request to an OAuth server failed below OAuth: a sentence, and whether it was slow."""

    message: str
    timed_out: bool


def transport_problem(err: Exception, server: str, timeout: float) -> TransportProblem | None:
    """Describe an httpx failure talking to ``server``; None if ``err`` is not one.

    httpx's own texts are not included: a status error's text repeats the request URL.
    """
    if isinstance(err, httpx.TimeoutException):
        return TransportProblem(
            f"{server} did not answer within {timeout:g} s. Try again later.", timed_out=True
        )
    if isinstance(err, httpx.HTTPStatusError):
        return TransportProblem(
            f"{server} answered with a server error (HTTP {err.response.status_code}). "
            "Try again later.",
            timed_out=False,
        )
    if isinstance(err, httpx.TransportError):
        return TransportProblem(
            f"{server} could not be reached. Check your network connection and try again.",
            timed_out=False,
        )
    return None
