"""Faults a test can put on cue for the fake Zoom: the Slack fake's kinds, and a 429.

A 5xx page from the edge, a slow answer, a body cut off mid-object and a dropped connection
are the same on every platform, so they are :mod:`tests.servers.slack.faults`' own. Zoom's
limits are shared by every app of the account, so a 429 can come whatever this client spent:
:class:`RateLimited` is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.servers.slack.faults import DroppedConnection, MalformedJson, ServerError, SlowAnswer
from tests.servers.slack.faults import apply_fault as _spoil
from tests.servers.zoom.errors import too_many_requests

if TYPE_CHECKING:
    from tests.servers.http_fake import FakeResponse


@dataclass(frozen=True)
class RateLimited:
    """HTTP 429 with ``Retry-After``: another app of the account spent the limit."""

    retry_after: int = 5


Fault = ServerError | SlowAnswer | MalformedJson | DroppedConnection | RateLimited


def apply_fault(fault: Fault, answer: FakeResponse) -> FakeResponse:
    """``answer`` as ``fault`` spoils it."""
    if isinstance(fault, RateLimited):
        message = "You have reached the maximum per-second rate limit for this API."
        return too_many_requests(fault.retry_after, message).response()
    return _spoil(fault, answer)


__all__ = [
    "DroppedConnection",
    "Fault",
    "MalformedJson",
    "RateLimited",
    "ServerError",
    "SlowAnswer",
    "apply_fault",
]
