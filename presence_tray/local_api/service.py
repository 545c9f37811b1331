"""The local API as the app runs it: on or off and on which port by the preferences, its
token from the keyring, and the discovery file while it listens.

Changes apply at once and one at a time: switching the API off stops the server (every event
stream ends), on starts it, new allowed origins apply to the next request. A new port starts a
listener there first and stops the old one only once the new one listens, so a port that is
taken leaves the API where it was (and the discovery file with it), with a sentence saying so.
What stops it from starting (a port taken, the keyring unusable) is a sentence
(:attr:`LocalApiService.problem`) the settings show; when the API is left not running at all,
it is also a notice, and the app carries on without the API.

:data:`~presence_tray.local_api.discovery.PORT_VARIABLE`, when set, wins over the port
preference (the settings say so).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import PresenceError
from presence_tray.core.listeners import add_listener
from presence_tray.local_api.discovery import (
    DEFAULT_PORT,
    PORT_VARIABLE,
    chosen_port,
    port_override,
    remove_discovery,
    write_discovery,
)
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
        self._port_override = port_override(environ)
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
        """Why the API is not running although it is switched on, or not on the port chosen
        last (a taken port: it still listens where it was), or None."""
        return self._problem

    @property
    def default_port(self) -> int:
        """The port used when neither the preference nor the environment names one."""
        return DEFAULT_PORT

    @property
    def port_variable(self) -> str:
        """The environment variable whose port wins over the preference."""
        return PORT_VARIABLE

    @property
    def port_override(self) -> int | None:
        """The port :attr:`port_variable` sets (0: any free one), or None when it is unset."""
        return self._port_override

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
            chosen_port(self._port_override, preferences.api_port),
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
                if self._problem is not None:  # back to the port it listens on
                    self._problem = None
                    self._tell()
                continue
            if wanted.enabled:
                await self._start(wanted)
                if self._problem is not None and self._wanted == wanted:
                    # Not applied: the same preferences asked again (the port freed, the
                    # keyring unlocked) try again.
                    self._applied = None
                    self._tell()
                    return
            else:
                await self._stop()
            self._tell()

    async def _start(self, wanted: _Wanted) -> None:
        """Listen as ``wanted`` says; the server running until now stops once the new one
        listens, and keeps running when it cannot."""
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
            self._refused(str(err))
            return
        routes.start()
        old_server, old_routes = self._server, self._routes
        self._server, self._routes, self._problem = server, routes, None
        await _close(old_server, old_routes)
        try:
            write_discovery(self._data_dir, url, os.getpid())
        except OSError as err:
            _log.warning("could not write the local API's discovery file: %s", err)

    def _refused(self, reason: str) -> None:
        """The port is taken: say what to do, and whether the API still listens elsewhere."""
        if self._port_override is not None:
            advice = (
                f"Choose another port in the environment variable {PORT_VARIABLE} (it wins "
                "over Settings), or switch the API off in Settings."
            )
        else:
            advice = "Choose another port in Settings > General > Local API, or switch it off."
        _log.warning("local API not started: %s", reason)
        if self.url is not None:
            self._problem = f"{reason} {advice} The API still listens on {self.url}."
            return
        self._problem = f"{reason} {advice}"
        self._on_notice(self._problem)

    async def _stop(self) -> None:
        server, routes = self._server, self._routes
        self._server = self._routes = None
        self._problem = None
        await _close(server, routes)
        if server is not None:
            remove_discovery(self._data_dir, os.getpid())

    def _tell(self) -> None:
        for listener in list(self._listeners):
            listener()


async def _close(server: LocalApi | None, routes: ApiRoutes | None) -> None:
    """Stop a server and its routes (either may be None)."""
    if routes is not None:
        routes.close()  # ends the event streams, so the server need not wait for them
    if server is not None:
        await server.stop()
