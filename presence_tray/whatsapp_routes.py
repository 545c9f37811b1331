"""The WhatsApp webhook's routes on the local API (aiohttp): ``GET``/``POST`` of
:data:`~presence_tray.whatsapp_webhook.WEBHOOK_PATH` over a
:class:`~presence_tray.whatsapp_webhook.WhatsAppInbox`, or the simulated network's refusal.

Apart from the inbox because aiohttp (about 15 MB) is loaded only when the local API is
served (:mod:`~presence_tray.local_api.listening`), while the settings use the inbox's
secrets from the start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from presence_tray.platforms.whatsapp.webhook import SIGNATURE_HEADER
from presence_tray.whatsapp_webhook import SIMULATED_NETWORK_ANSWER, WEBHOOK_PATH

if TYPE_CHECKING:
    from presence_tray.whatsapp_webhook import WhatsAppInbox


def whatsapp_routes(inbox: WhatsAppInbox) -> list[web.RouteDef]:
    """``GET`` (verification) and ``POST`` (deliveries) of :data:`WEBHOOK_PATH`, for the local
    API; they authenticate themselves (verify token, signature), not with its bearer token."""

    async def verify(request: web.Request) -> web.Response:
        answer = await inbox.verify(request.query)
        return web.Response(status=answer.status, text=answer.text)

    async def deliver(request: web.Request) -> web.Response:
        body = await _read_body(request, inbox.max_body_bytes)
        answer = (
            inbox.too_large()
            if body is None
            else await inbox.receive(body, request.headers.get(SIGNATURE_HEADER))
        )
        return web.Response(status=answer.status, text=answer.text)

    return [web.get(WEBHOOK_PATH, verify, allow_head=False), web.post(WEBHOOK_PATH, deliver)]


def simulated_network_routes() -> list[web.RouteDef]:
    """The routes of :data:`WEBHOOK_PATH` while the simulated network shows: nothing is
    recorded (a real person's message has no place among simulated people), and Meta is told
    to deliver again."""

    async def refuse(_request: web.Request) -> web.Response:
        answer = SIMULATED_NETWORK_ANSWER
        return web.Response(status=answer.status, text=answer.text)

    return [web.get(WEBHOOK_PATH, refuse, allow_head=False), web.post(WEBHOOK_PATH, refuse)]


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The raw body (the signature covers its exact bytes), or None when over ``limit``.

    Read here rather than by ``request.read()``, whose limit is the whole local API's.
    """
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
