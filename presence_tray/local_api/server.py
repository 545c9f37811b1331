"""The HTTP server: aiohttp on 127.0.0.1, in the running event loop, and the checks every
request passes before an endpoint sees it.

In order: the ``Host`` header must name this server on the loopback (127.0.0.1, localhost
or [::1] with its port; anything else is refused with 421, so a web page that rebinds its
own domain to 127.0.0.1 reaches nothing); a CORS preflight is answered only for an origin the
user allowed; every endpoint but the OpenAPI document needs the bearer token (401 with
``WWW-Authenticate: Bearer`` without it). Errors are JSON objects with one sentence,
``{"error": "..."}``. No access log is kept, so no header is ever written anywhere.

Public routes (a webhook receiver that checks its own signatures) skip the Host and token
checks: they are mounted beside the API with ``public_routes``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from aiohttp import hdrs, web

from presence_tray.local_api.discovery import LOOPBACK
from presence_tray.local_api.listening import listen_on_loopback
from presence_tray.local_api.token import token_matches

if TYPE_CHECKING:
    import socket
    from collections.abc import Collection, Iterable

    from aiohttp.typedefs import Handler

_log = logging.getLogger(__name__)

BODY_LIMIT_BYTES: Final = 256 * 1024
"""The largest request body (413 beyond it): 5,000 names fit many times over."""
SHUTDOWN_SECONDS: Final = 2.0
"""How long a stop waits for requests still being answered."""
CORS_MAX_AGE_SECONDS: Final = 600
HTTP_MISDIRECTED: Final = 421


def error_response(status: int, sentence: str) -> web.Response:
    """A JSON error: ``{"error": sentence}`` with ``status``."""
    response = web.json_response({"error": sentence}, status=status)
    if status == web.HTTPUnauthorized.status_code:
        response.headers[hdrs.WWW_AUTHENTICATE] = 'Bearer realm="presence-tray"'
    return response


_HTTP_SENTENCES: Final = {
    404: "There is nothing at this address; the API's endpoints are in /v1/openapi.json.",
    405: "This address does not take that method; see /v1/openapi.json.",
    413: f"The request body is too large: at most {BODY_LIMIT_BYTES // 1024} KiB.",
}


class LocalApi:
    """The API's routes served on 127.0.0.1 until :meth:`stop`."""

    def __init__(
        self,
        routes: Iterable[web.RouteDef],
        *,
        token: str,
        port: int,
        token_free_paths: Collection[str] = (),
        allowed_origins: Collection[str] = (),
        public_routes: Iterable[web.RouteDef] = (),
    ) -> None:
        """Serve ``routes`` (and, unchecked, ``public_routes``) on ``port`` (0: any free one)
        to whoever presents ``token``; ``token_free_paths`` need none; ``allowed_origins``
        get CORS headers."""
        self._token = token
        self._wanted_port = port
        self._token_free = frozenset(token_free_paths)
        self._origins = frozenset(allowed_origins)
        self._allowed_hosts: frozenset[str] = frozenset()
        self._app = web.Application(middlewares=[self._guard], client_max_size=BODY_LIMIT_BYTES)
        self._app.add_routes(list(routes))
        public = self._app.add_routes(list(public_routes))
        self._public_resources = frozenset(route.resource for route in public)
        self._app.on_response_prepare.append(self._add_cors_headers)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def app(self) -> web.Application:
        """The aiohttp application (tests compare its routes with the OpenAPI document)."""
        return self._app

    @property
    def port(self) -> int | None:
        """The port listened on, once started."""
        return self._port

    @property
    def url(self) -> str | None:
        """``http://127.0.0.1:<port>``, once started."""
        return None if self._port is None else f"http://{LOOPBACK}:{self._port}"

    def set_allowed_origins(self, origins: Collection[str]) -> None:
        """Answer CORS requests from exactly ``origins`` from now on."""
        self._origins = frozenset(origins)

    async def start(self, listener: socket.socket | None = None) -> str:
        """Serve on ``listener`` (a socket listening on 127.0.0.1, which the server then owns)
        or, without one, on a new one on the port given; the URL.
        :class:`~presence_tray.local_api.listening.LocalApiUnavailableError` when the port
        is taken."""
        if listener is None:
            listener = listen_on_loopback(self._wanted_port)
        runner = web.AppRunner(
            self._app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_SECONDS
        )
        await runner.setup()
        try:
            await web.SockSite(runner, listener).start()
        except BaseException:
            await runner.cleanup()
            listener.close()
            raise
        self._runner = runner
        self._port = int(listener.getsockname()[1])
        self._allowed_hosts = frozenset(
            f"{host}:{self._port}" for host in (LOOPBACK, "localhost", "[::1]")
        )
        _log.info("local API listening on %s", self.url)
        return f"http://{LOOPBACK}:{self._port}"

    async def stop(self) -> None:
        """Stop listening and answering (requests under way get a moment to finish)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            _log.info("local API stopped")
        self._port = None

    # -- the checks ----------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.match_info.route.resource in self._public_resources:
            return await handler(request)
        host = request.headers.get(hdrs.HOST, "").lower()
        if host not in self._allowed_hosts:
            return error_response(
                HTTP_MISDIRECTED,
                "This API answers only requests addressed to 127.0.0.1 or localhost with its "
                "port in the Host header.",
            )
        if request.method == hdrs.METH_OPTIONS and hdrs.ACCESS_CONTROL_REQUEST_METHOD in (
            request.headers
        ):
            return self._preflight(request)
        if request.path not in self._token_free and not token_matches(
            self._token, request.headers.get(hdrs.AUTHORIZATION)
        ):
            return error_response(
                web.HTTPUnauthorized.status_code,
                "Send the API's token as 'Authorization: Bearer <token>'; Settings > General "
                "> Local API copies it.",
            )
        try:
            return await handler(request)
        except web.HTTPException as err:
            if err.status < web.HTTPBadRequest.status_code:
                raise
            sentence = _HTTP_SENTENCES.get(err.status, err.reason)
            return error_response(err.status, sentence)

    def _preflight(self, request: web.Request) -> web.Response:
        """A CORS preflight: allowed origins are told what they may send, others refused."""
        if self._allowed_origin(request) is None:
            return error_response(
                web.HTTPForbidden.status_code,
                "This origin may not call the API; allow it in Settings > General > Local API.",
            )
        response = web.Response(status=web.HTTPNoContent.status_code)
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = "GET, POST, PUT"
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = "Authorization, Content-Type"
        response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = str(CORS_MAX_AGE_SECONDS)
        return response

    def _allowed_origin(self, request: web.Request) -> str | None:
        """The request's ``Origin`` when the user allowed it, else None."""
        origin = request.headers.get(hdrs.ORIGIN)
        return origin if origin is not None and origin in self._origins else None

    async def _add_cors_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """Before any response goes out (streams too): CORS headers for an allowed origin."""
        if request.match_info.route.resource in self._public_resources:
            return
        origin = self._allowed_origin(request)
        if origin is not None:
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            response.headers[hdrs.VARY] = hdrs.ORIGIN
