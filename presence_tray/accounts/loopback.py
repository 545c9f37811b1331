"""The RFC 8252 loopback listener: where the browser brings the sign-in answer back.

An asyncio server on 127.0.0.1 (an ephemeral port unless one is asked for) waits for one
request to the redirect path, hands its query to a judge that returns the authorization code
or raises a :class:`SignInError`, and answers the browser with a small page saying which, and
that the user can go back to Presence Tray. Anything else (a favicon request, junk) gets a
plain 404 or 400 and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, urlsplit

from presence_tray.accounts.errors import LoopbackPortError, SignInError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

HOST: Final = "127.0.0.1"
_READ_TIMEOUT: Final = 10.0  # seconds a browser gets to send its request
_MAX_HEADER_LINES: Final = 100

_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Presence Tray: {title}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 4em auto; line-height: 1.5">
<h1>{title}</h1><p>{message}</p><p>You can go back to Presence Tray and close this tab.</p>
</body></html>
"""


class LoopbackReceiver:
    """Receives the one redirect that ends a sign-in; :meth:`code` waits for its outcome."""

    def __init__(self, judge: Callable[[Mapping[str, str]], str], *, path: str) -> None:
        self._judge = judge
        self._path = path
        self._outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> str:
        """Start listening; return the redirect URI to give the authorization server."""
        try:
            self._server = await asyncio.start_server(self._handle, HOST, port)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                msg = (
                    f"Port {port} on {HOST} is in use by another program, so Presence Tray "
                    "cannot receive the browser's answer. Close that program and try again."
                )
            else:
                msg = (
                    f"Presence Tray could not listen on {HOST} for the browser's answer "
                    f"({err.strerror or type(err).__name__}). Try again."
                )
            raise LoopbackPortError(msg) from None
        bound_port = self._server.sockets[0].getsockname()[1]
        return f"http://{HOST}:{bound_port}{self._path}"

    async def code(self) -> str:
        """Wait for the authorization code; raises the SignInError the answer (or fail) gave."""
        return await asyncio.shield(self._outcome)

    def fail(self, error: SignInError) -> None:
        """End the wait with ``error`` (timeout, cancel) unless an answer already came."""
        if not self._outcome.done():
            self._outcome.set_exception(error)

    async def close(self) -> None:
        """Stop listening. Safe to call more than once."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._outcome.done() and not self._outcome.cancelled():
            self._outcome.exception()  # mark it retrieved: nobody may be waiting any more

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT):
                target = await _read_request_target(reader)
            status, page = self._answer(target)
        except (TimeoutError, ValueError, asyncio.LimitOverrunError, ConnectionError):
            status, page = "400 Bad Request", _page("Bad request", "This was not a sign-in.")
        body = page.encode()
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
            "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode() + body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    def _answer(self, target: str) -> tuple[str, str]:
        parts = urlsplit(target)
        if parts.path != self._path:
            return "404 Not Found", _page("Not found", "This address is not a sign-in answer.")
        if self._outcome.done():
            return "200 OK", _page("Sign-in already finished", "This sign-in has ended.")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        try:
            code = self._judge(query)
        except SignInError as err:
            self._outcome.set_exception(err)
            log.info("sign-in answer refused: %s", type(err).__name__)
            return "200 OK", _page("Sign-in did not finish", html.escape(str(err)))
        self._outcome.set_result(code)
        return "200 OK", _page("Signed in", "Presence Tray received your sign-in.")


async def _read_request_target(reader: asyncio.StreamReader) -> str:
    """The target of a GET request (path and query); ValueError for anything else."""
    request_line = (await reader.readline()).decode("latin-1")
    for _ in range(_MAX_HEADER_LINES):
        if (await reader.readline()) in {b"\r\n", b"\n", b""}:
            break
    else:
        msg = "too many header lines"
        raise ValueError(msg)
    method, target, _version = request_line.split(" ", 2)
    if method != "GET":
        msg = "not a GET request"
        raise ValueError(msg)
    return target


def _page(title: str, message: str) -> str:
    return _PAGE.format(title=title, message=message)
