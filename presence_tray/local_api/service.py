"""The local API as the app runs it: on or off and on which port by the preferences, its
token from the keyring, and the discovery file while it listens.

Switched on, the API's port is bound at once and the discovery file written, but the HTTP
server and the token are loaded only when a first program connects
(:mod:`~presence_tray.local_api.listening`): an app nobody asks keeps their 25 MB.

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
import contextlib
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import PresenceError
from presence_tray.core.listeners import add_listener
from presence_tray.local_api.discovery import (
    DEFAULT_PORT,
    LOOPBACK,
    PORT_VARIABLE,
    chosen_port,
    port_override,
    remove_discovery,
    write_discovery,
)
from presence_tray.local_api.listening import LocalApiUnavailableError, listen_on_loopback
from presence_tray.local_api.token import load_or_create_token

if TYPE_CHECKING:
    import socket
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


@dataclass(slots=True)
class _Listener:
    """One bound port: dormant until a program connects, then served by ``server``."""

    socket: socket.socket
    port: int
    activation: asyncio.Task[None] | None = None
    server: LocalApi | None = None
    routes: ApiRoutes | None = None


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
        public_routes: Callable[[], Iterable[web.RouteDef]] = tuple,
    ) -> None:
        """Serve ``sources`` with the token ``token_keeper`` keeps; the discovery file goes in
        ``data_dir``; ``on_notice`` tells the user what stopped the API; ``public_routes``
        makes the routes mounted beside the API (called when the server is loaded)."""
        self._sources = sources
        self._keeper = token_keeper
        self._data_dir = data_dir
        self._port_override = port_override(environ)
        self._on_notice = on_notice
        self._public_routes = public_routes
        self._token: str | None = None
        self._token_loading: asyncio.Task[str | None] | None = None
        self._listener: _Listener | None = None
        self._origins: tuple[str, ...] = ()
        self._problem: str | None = None
        self._wanted: _Wanted | None = None
        self._applied: _Wanted | None = None
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []

    # -- what the settings read ----------------------------------------------------------

    @property
    def url(self) -> str | None:
        """``http://127.0.0.1:<port>`` while the API listens, else None."""
        listener = self._listener
        return None if listener is None else f"http://{LOOPBACK}:{listener.port}"

    @property
    def serving(self) -> bool:
        """Whether the HTTP server is loaded (a program has connected since it listens)."""
        return self._listener is not None and self._listener.server is not None

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
        be; :meth:`load_token` loads it)."""
        return self._token

    def load_token(self) -> None:
        """Load (on the first run, make) the token in the background, for the settings to
        copy; listeners hear when it is there, or the problem says why it is not."""
        if self._token is None and self._token_loading is None:
            self._token_loading = asyncio.get_running_loop().create_task(
                self._loaded_token(), name="local API token"
            )

    async def _token_now(self) -> str | None:
        """The token, loading it once however many ask at the same time."""
        if self._token is not None:
            return self._token
        self.load_token()
        assert self._token_loading is not None  # noqa: S101 - load_token just made it
        return await asyncio.shield(self._token_loading)

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
        for task in (self._task, self._token_loading):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self._stop()

    # -- internals -----------------------------------------------------------------------

    async def _follow(self) -> None:
        while self._wanted is not None and self._wanted != self._applied:
            wanted = self._applied = self._wanted
            self._origins = wanted.origins
            listener = self._listener
            if listener is not None and wanted.enabled and wanted.port in (0, listener.port):
                if listener.server is not None:
                    listener.server.set_allowed_origins(wanted.origins)
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
        """Listen as ``wanted`` says; the listener bound until now closes once the new one is
        bound, and stays when it cannot be."""
        try:
            bound = listen_on_loopback(wanted.port)
        except LocalApiUnavailableError as err:
            self._refused(str(err))
            return
        old, self._listener = self._listener, _Listener(bound, int(bound.getsockname()[1]))
        self._problem = None
        await self._close(old)
        self._wait_for_a_first_program(self._listener)
        try:
            write_discovery(self._data_dir, f"http://{LOOPBACK}:{self._listener.port}", os.getpid())
        except OSError as err:
            _log.warning("could not write the local API's discovery file: %s", err)
        _log.info("local API listening on 127.0.0.1:%d", self._listener.port)

    def _wait_for_a_first_program(self, listener: _Listener) -> None:
        """Load the server when the socket has a connection waiting (the loop watches it)."""
        loop = asyncio.get_running_loop()

        def connected() -> None:
            loop.remove_reader(listener.socket.fileno())
            listener.activation = loop.create_task(self._serve(listener), name="local API server")

        loop.add_reader(listener.socket.fileno(), connected)

    async def _serve(self, listener: _Listener) -> None:
        """Load the token and the HTTP server, and serve on ``listener``'s socket (the
        connections waiting there are answered first)."""
        token = await self._token_now()
        if token is None:  # the keyring cannot be used: the problem says so
            self._give_up(listener)
            return
        # aiohttp (about 15 MB) is imported only now.
        from presence_tray.local_api.openapi import OPENAPI_PATH
        from presence_tray.local_api.routes import ApiRoutes
        from presence_tray.local_api.server import LocalApi

        routes = ApiRoutes(self._sources)
        try:
            server = LocalApi(
                routes.table(),
                token=token,
                port=listener.port,
                token_free_paths={OPENAPI_PATH},
                allowed_origins=self._origins,
                public_routes=self._public_routes(),
            )
            await server.start(listener.socket)
        except Exception as err:  # noqa: BLE001 - the app carries on without its API
            _log.warning("the local API could not be served: %r", err)
            self._problem = f"The local API stopped: it could not be served ({type(err).__name__})."
            self._give_up(listener)
            return
        routes.start()
        listener.server, listener.routes = server, routes
        self._tell()

    def _give_up(self, listener: _Listener) -> None:
        """Stop listening on a socket that cannot be served, with a notice saying why."""
        if listener is not self._listener:
            return  # already replaced or stopped
        self._listener = None
        listener.socket.close()
        remove_discovery(self._data_dir, os.getpid())
        self._on_notice(self._problem or "The local API stopped.")
        self._tell()

    async def _loaded_token(self) -> str | None:
        """The token from the keyring (made on the first run); None, with the problem set,
        when the keyring cannot be used."""
        try:
            self._token = await load_or_create_token(self._keeper)
        except PresenceError as err:
            self._problem = f"The local API is off: its token is kept in the system keyring. {err}"
            _log.info("local API not served: the keyring cannot be used")
            self._tell()
            return None
        finally:
            self._token_loading = None
        self._tell()
        return self._token

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
        listener, self._listener = self._listener, None
        self._problem = None
        await self._close(listener)
        if listener is not None:
            remove_discovery(self._data_dir, os.getpid())

    @staticmethod
    async def _close(listener: _Listener | None) -> None:
        """Stop serving on ``listener`` (if any), loading or loaded, and release its port."""
        if listener is None:
            return
        with contextlib.suppress(ValueError, OSError):  # a socket already closed
            asyncio.get_running_loop().remove_reader(listener.socket.fileno())
        if listener.activation is not None and not listener.activation.done():
            listener.activation.cancel()
            await asyncio.gather(listener.activation, return_exceptions=True)
        if listener.routes is not None:
            listener.routes.close()  # ends the event streams, so the server need not wait
        if listener.server is not None:
            await listener.server.stop()  # closes the socket too
        else:
            listener.socket.close()

    def _tell(self) -> None:
        for listener in list(self._listeners):
            listener()
