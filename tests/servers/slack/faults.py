"""Faults a test can put on cue: each one turns the next answer into a failure of its kind."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tests.servers.http_fake import FakeResponse

_BAD_GATEWAY_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass(frozen=True)
class ServerError:
    """Slack's edge answers with an HTML error page and a 5xx status."""

    status: int = 502


@dataclass(frozen=True)
class SlowAnswer:
    """The right answer, but only after ``seconds`` (a client's timeout should fire first)."""

    seconds: float


@dataclass(frozen=True)
class MalformedJson:
    """HTTP 200 with ``Content-Type: application/json`` and a body cut off mid-object."""


@dataclass(frozen=True)
class DroppedConnection:
    """The socket closes after the request: no status line, no body."""


@dataclass(frozen=True)
class Refusal:
    """HTTP 200 with ``{"ok": false, "error": error}`` and any extra ``fields`` Slack adds
    (``missing_scope`` comes with ``needed`` and ``provided``)."""

    error: str
    fields: dict[str, object] = field(default_factory=dict)


Fault = ServerError | SlowAnswer | MalformedJson | DroppedConnection | Refusal


def apply_fault(fault: Fault, answer: FakeResponse) -> FakeResponse:
    """``answer`` as ``fault`` spoils it."""
    match fault:
        case ServerError(status=status):
            return FakeResponse(status, _BAD_GATEWAY_PAGE, content_type="text/html")
        case SlowAnswer(seconds=seconds):
            return replace(answer, delay=seconds)
        case MalformedJson():
            body = answer.encoded()
            return FakeResponse(200, body[: len(body) // 2])  # a proper prefix of an object
        case DroppedConnection():
            return FakeResponse(200, drop_connection=True)
        case Refusal(error=error, fields=fields):
            return FakeResponse(200, {"ok": False, "error": error, **fields})
