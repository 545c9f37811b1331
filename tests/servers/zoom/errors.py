"""Zoom's error answers: an HTTP status and the body ``{"code": <int>, "message": <text>}``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.servers.http_fake import FakeResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

INVALID_ACCESS_TOKEN = 124
"""401: a missing, unknown, expired or revoked access token."""
INVALID_FIELD = 300
"""400: a query parameter or body field that is not valid."""
USER_NOT_FOUND = 1001
"""404: no such user (or contact) on the account."""
STATUS_UPDATE_FAILED = 5301
"""400: ``PUT presence_status`` with a status or duration Zoom does not accept.
(Zoom documents codes 5301 and 5411 for this call without saying which means what; the fake
gives 5301 to a bad request and 5411 to a user without a Zoom client.)"""
NOT_SIGNED_IN_TO_CLIENT = 5411
"""400: ``PUT presence_status`` for a user who is not signed in to a Zoom client."""
TOO_MANY_REQUESTS = 429


class ZoomError(Exception):
    """Raised inside the fake to answer with Zoom's error body."""

    def __init__(
        self, status: int, code: int, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> FakeResponse:
        """The answer Zoom gives."""
        body = {"code": self.code, "message": self.message}
        return FakeResponse(self.status, body, headers=self.headers)


def too_many_requests(retry_after: int, message: str) -> ZoomError:
    """A 429 asking to wait ``retry_after`` whole seconds."""
    return ZoomError(
        429, TOO_MANY_REQUESTS, message, headers={"Retry-After": str(max(1, retry_after))}
    )


def invalid_field(message: str) -> ZoomError:
    """A 400 for a bad parameter."""
    return ZoomError(400, INVALID_FIELD, message)
