"""A webhook receiver on 127.0.0.1 over real HTTP (aiohttp), and the keyring's stand-in for
webhook secrets: what the webhook tests deliver to."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from aiohttp import web

RECEIVER_PATH = "/api/webhook/private-hook-id-123"
"""The path holds a "secret" of the receiver's, as Home Assistant's webhook ids do."""


class MemorySecrets:
    """The keyring's stand-in: secrets by hook id, in memory."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    async def get(self, hook_id: str) -> str | None:
        return self.entries.get(hook_id)

    async def put(self, hook_id: str, secret: str) -> None:
        self.entries[hook_id] = secret

    async def delete(self, hook_id: str) -> None:
        self.entries.pop(hook_id, None)


class Receiver:
    """A real HTTP server that records what it is sent and answers as scripted."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        from aiohttp import web

        return web.Response(status=status, headers=headers, text="ok")

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(body) for _, body in self.received]


@contextlib.asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    """A receiver listening on a free port of 127.0.0.1 until the block ends."""
    from aiohttp import web  # not at import: the Qt tests import this module

    recorder = Receiver()
    app = web.Application()
    app.router.add_post(RECEIVER_PATH, recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    recorder.url = f"http://127.0.0.1:{port}{RECEIVER_PATH}"
    try:
        yield recorder
    finally:
        await runner.cleanup()


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait (real time) until ``condition()`` is true."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - polling plain values the service updates
            await asyncio.sleep(0.01)
