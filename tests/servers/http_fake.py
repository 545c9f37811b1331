"""A small real HTTP/1.1 server on 127.0.0.1 for fake platform APIs (Discord, Slack...).

Requests are parsed by h11 (already in the venv: httpx's HTTP/1.1 engine), so the code under
test talks real HTTP over a real socket. A fake is a function from :class:`FakeRequest` to
:class:`FakeResponse`; :class:`FakeHttpServer` runs it on a free port and keeps every request
it saw, so tests can check what was sent (headers included). A response can also stand for a
fault: answered late (``delay``) or never (``drop_connection``: the socket closes instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import h11

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_READ_SIZE = 65536


@dataclass(frozen=True)
class FakeRequest:
    """One request as the fake saw it; header names are lower case."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class FakeResponse:
    """What a fake answers: a status, a JSON body and extra headers."""

    status: int
    body: object = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0  # seconds to wait before answering: a slow server (aclose waits it out)
    drop_connection: bool = False  # close the socket without answering: a dropped connection

    def encoded(self) -> bytes:
        """The body as sent: JSON, or the bytes themselves."""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


class FakeHttpServer:
    """Serves ``handler`` on 127.0.0.1 (free port) until :meth:`aclose`."""

    def __init__(self, handler: Callable[[FakeRequest], FakeResponse]) -> None:
        self.handler = handler
        self.requests: list[FakeRequest] = []
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> FakeHttpServer:
        """Listen on a free port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def aclose(self) -> None:
        """Stop listening, close the open connections and wait for their handlers to end."""
        if self._server is None:
            return
        self._server.close()
        for writer in self._connections.values():
            writer.close()  # the handler reads end-of-stream and returns
        await asyncio.gather(*self._connections)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            await self._serve_connection(reader, writer)
        except (ConnectionError, h11.RemoteProtocolError):
            pass  # the client went away mid-request (or mid-body): nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            del self._connections[task]

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        connection = h11.Connection(h11.SERVER)
        while True:
            request = await self._read_request(connection, reader)
            if request is None:
                return
            self.requests.append(request)
            answer = self.handler(request)
            if answer.delay:
                await asyncio.sleep(answer.delay)
            if answer.drop_connection:
                return  # _serve closes the socket: the client reads end-of-stream, no response
            body = answer.encoded()
            headers = [
                ("Content-Type", answer.content_type),
                ("Content-Length", str(len(body))),
                *answer.headers.items(),
            ]
            writer.write(connection.send(h11.Response(status_code=answer.status, headers=headers)))
            writer.write(connection.send(h11.Data(data=body)))
            writer.write(connection.send(h11.EndOfMessage()))
            await writer.drain()
            if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                return
            connection.start_next_cycle()

    @staticmethod
    async def _read_request(
        connection: h11.Connection, reader: asyncio.StreamReader
    ) -> FakeRequest | None:
        start: h11.Request | None = None
        body = b""
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(await reader.read(_READ_SIZE))
            elif isinstance(event, h11.Request):
                start = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and start is not None:
                target = urlsplit(start.target.decode())
                return FakeRequest(
                    method=start.method.decode(),
                    path=target.path,
                    query=parse_qs(target.query),
                    headers={k.decode().lower(): v.decode() for k, v in start.headers},
                    body=body,
                )
            else:  # ConnectionClosed, or anything a well-behaved client does not send
                return None
