"""The local API as the app runs it: on or off and on which port by the preferences, its
token from the keyring, and the discovery file while it listens.

Changes apply at once and one at a time: switching the API off stops the server (every event
stream ends), on starts it, a new port restarts it, new allowed origins apply to the next
request. What stops it from starting (a port taken, the keyring unusable) is a sentence
(:attr:`LocalApiService.problem`) the settings show; a taken port is also a notice, and the
app carries on without the API.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import PresenceError
from presence_tray.core.listeners import add_listener
from presence_tray.local_api.discovery import port_from, remove_discovery, write_discovery
from presence_tray.local_api.token import load_or_create_token

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path

    from aiohttp import web

    from presence_tray.core.preferences import Preferences
    from presence_tray.local_api.routes import ApiRoutes
    from presence_tray.local_api.server import LocalApi
    from presence_tray.local_api.sources import ApiSources
    from presence_tray.local_api.token import TokenKeeper

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Wanted:
    enabled: bool
    port: int
    origins: tuple[str, ...]


class LocalApiService:
    """Runs the local API while the preferences want it."""

    def __init__(
        self,
        sources: ApiSources,
        *,
        token_keeper: TokenKeeper,
        data_dir: Path,
        environ: Mapping[str, str],
        on_notice: Callable[[str], None],
        public_routes: Iterable[web.RouteDef] = (),
    ) -> None:
        """Serve ``sources`` with the token ``token_keeper`` keeps; the discovery file goes in
        ``data_dir``; ``on_notice`` tells the user what stopped the API."""
        self._sources = sources
        self._keeper = token_keeper
        self._data_dir = data_dir
        self._environ = environ
        self._on_notice = on_notice
        self._public_routes = list(public_routes)
        self._token: str | None = None
        self._server: LocalApi | None = None
        self._routes: ApiRoutes | None = None
        self._problem: str | None = None
        self._wanted: _Wanted | None = None
        self._applied: _Wanted | None = None
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []

    # -- what the settings read ----------------------------------------------------------

    @property
    def url(self) -> str | None:
        """``http://127.0.0.1:<port>`` while the API listens, else None."""
        return None if self._server is None else self._server.url

    @property
    def problem(self) -> str | None:
        """Why the API is not running although it is switched on, or None."""
        return self._problem

    def token(self) -> str | None:
        """The bearer token, once loaded from the keyring (None before, or when it could not
        be)."""
        return self._token

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Hear when the API starts, stops or fails to start; returns the unsubscriber."""
        return add_listener(self._listeners, listener)

    # -- changes -------------------------------------------------------------------------

    def apply_preferences(self, preferences: Preferences) -> None:
        """Follow ``preferences`` (a settings listener): start, stop or restart soon."""
        self._wanted = _Wanted(
            preferences.api_enabled,
            port_from(self._environ, preferences.api_port),
            preferences.api_allowed_origins,
        )
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._follow(), name="local API switch"
            )

    async def apply(self, preferences: Preferences) -> None:
        """Follow ``preferences`` and wait until that is done."""
        self.apply_preferences(preferences)
        await self.settled()

    async def settled(self) -> None:
        """Wait until the latest preferences are applied."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def aclose(self) -> None:
        """Stop the API and remove the discovery file."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._stop()

    # -- internals -----------------------------------------------------------------------

    async def _follow(self) -> None:
        while self._wanted is not None and self._wanted != self._applied:
            wanted = self._applied = self._wanted
            server = self._server
            if (
                server is not None
                and wanted.enabled
                and server.port is not None
                and (wanted.port in (0, server.port))
            ):
                server.set_allowed_origins(wanted.origins)
                continue
            await self._stop()
            if wanted.enabled:
                await self._start(wanted)
            self._tell()

    async def _start(self, wanted: _Wanted) -> None:
        try:
            if self._token is None:
                self._token = await load_or_create_token(self._keeper)
        except PresenceError as err:
            self._problem = f"The local API is off: its token is kept in the system keyring. {err}"
            _log.info("local API not started: the keyring cannot be used")
            return
        # aiohttp (about 15 MB) is imported only when the API is switched on.
        from presence_tray.local_api.openapi import OPENAPI_PATH
        from presence_tray.local_api.routes import ApiRoutes
        from presence_tray.local_api.server import LocalApi, LocalApiUnavailableError

        routes = ApiRoutes(self._sources)
        server = LocalApi(
            routes.table(),
            token=self._token,
            port=wanted.port,
            token_free_paths={OPENAPI_PATH},
            allowed_origins=wanted.origins,
            public_routes=self._public_routes,
        )
        try:
            url = await server.start()
        except LocalApiUnavailableError as err:
            self._problem = str(err)
            _log.warning("local API not started: %s", err)
            self._on_notice(str(err))
            return
        routes.start()
        self._server, self._routes, self._problem = server, routes, None
        try:
            write_discovery(self._data_dir, url, os.getpid())
        except OSError as err:
            _log.warning("could not write the local API's discovery file: %s", err)

    async def _stop(self) -> None:
        server, routes = self._server, self._routes
        self._server = self._routes = None
        self._problem = None
        if routes is not None:
            routes.close()  # ends the event streams, so the server need not wait for them
        if server is not None:
            await server.stop()
            remove_discovery(self._data_dir, os.getpid())

    def _tell(self) -> None:
        for listener in list(self._listeners):
            listener()
