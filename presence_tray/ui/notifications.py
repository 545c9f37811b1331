"""Desktop notifications: freedesktop ``Notify`` on the session bus, or the tray's balloon.

The session bus is reached only when the first notification is sent (or
:meth:`DesktopNotifier.start` is called): an app that never notifies never loads jeepney nor
holds a bus connection. The bus side is :mod:`presence_tray.ui.notification_bus`. With no
session bus or no notification server, the balloon callable given to
:class:`DesktopNotifier` shows them instead (``QSystemTrayIcon.showMessage``).

Clicking a notification (its "default" action) calls ``on_open`` with the person it is about.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from presence_tray.ui import APP_NAME

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.notifier import Notification
    from presence_tray.ui.notification_bus import NotificationBus

_log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 5.0
REMEMBERED_NOTIFICATIONS = 200
"""How many sent notifications' people are kept for a later click."""


class DesktopNotifier:
    """Shows :class:`~presence_tray.core.notifier.Notification` values on the desktop.

    The first notification connects to the session bus and asks for the notification server
    (:meth:`start` does so at once); :meth:`send` never blocks, and notifications sent while
    it connects wait for it. :meth:`aclose` disconnects.
    """

    def __init__(
        self,
        fallback: Callable[[str, str], None],
        *,
        on_open: Callable[[str], None] | None = None,
        app_name: str = APP_NAME,
        timeout_seconds: float = CALL_TIMEOUT_SECONDS,
        sound: Callable[[], bool] | None = None,
    ) -> None:
        """``fallback(title, body)`` shows a notification when D-Bus cannot (the tray's
        balloon); ``on_open(person_id)`` is called when the user clicks one about a person;
        ``sound()`` says whether the server should play its sound (asked for each one)."""
        self._fallback = fallback
        self._sound = sound
        self._on_open = on_open
        self._app_name = app_name
        self._timeout = timeout_seconds
        self._bus: NotificationBus | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._use_fallback = False
        self._server: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._people: OrderedDict[int, str] = OrderedDict()

    @property
    def using_dbus(self) -> bool:
        """Notifications go to the desktop's notification server (not the balloon)."""
        return self._bus is not None and not self._use_fallback

    @property
    def bus_tried(self) -> bool:
        """Whether the session bus has been tried yet (at the first notification, or
        :meth:`start`)."""
        return self._connecting is not None

    @property
    def server(self) -> str | None:
        """The notification server's name and version, once connected ("dunst 1.9.0")."""
        return self._server

    async def start(self) -> None:
        """Connect to the session bus and the notification server now (otherwise the first
        notification does), or settle for the balloon."""
        if self._connecting is None:
            if self._ready.is_set():  # closed before anything was sent
                return
            self._connecting = asyncio.get_running_loop().create_task(
                self._connect_or_fall_back(), name="desktop notifications: connect"
            )
        connecting = self._connecting
        # Waited for, not awaited: a notification given up on (at shutdown) does not stop the
        # connecting, and connecting stopped by aclose() leaves the notification to the balloon.
        await asyncio.wait({connecting})
        if not connecting.cancelled():
            connecting.result()  # a failure other than "no bus" (those fall back) is raised

    def send(self, notification: Notification) -> None:
        """Show ``notification`` (returns at once; the D-Bus call runs on the loop)."""
        if self._ready.is_set() and self._use_fallback:
            self._show_balloon(notification)
            return
        task = asyncio.get_running_loop().create_task(
            self._notify_quietly(notification), name="desktop notification"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify_quietly(self, notification: Notification) -> None:
        await self.notify(notification)

    async def notify(self, notification: Notification) -> int | None:
        """Show ``notification`` and return the server's id for it (None: the balloon)."""
        await self.start()
        bus = self._bus
        if bus is None or self._use_fallback:
            self._show_balloon(notification)
            return None
        from presence_tray.ui.notification_bus import NotificationBusError, notify_message

        sound = self._sound is None or self._sound()
        try:
            async with asyncio.timeout(self._timeout):
                notification_id = await bus.notify(
                    notify_message(self._app_name, notification, sound=sound)
                )
        except (NotificationBusError, TimeoutError) as err:
            self._fall_back(err)
            await self._disconnect()
            self._show_balloon(notification)
            return None
        if notification.person_id is not None:
            self._people[notification_id] = notification.person_id
            while len(self._people) > REMEMBERED_NOTIFICATIONS:
                self._people.popitem(last=False)
        return notification_id

    async def aclose(self) -> None:
        """Let sends in flight finish (briefly), then disconnect."""
        connecting = self._connecting
        if connecting is not None and not connecting.done():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
        if not self._ready.is_set() or self._bus is None:  # never connected: the balloon
            self._use_fallback = True
            self._ready.set()
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._timeout):
                    await asyncio.gather(*self._tasks, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await self._disconnect()

    # -- internals -------------------------------------------------------------------------

    async def _connect_or_fall_back(self) -> None:
        from presence_tray.ui.notification_bus import NotificationBus, NotificationBusError

        try:
            async with asyncio.timeout(self._timeout):
                self._bus = await NotificationBus.open(self._clicked, self._closed)
        except (NotificationBusError, TimeoutError) as err:
            self._fall_back(err)
        else:
            self._server = self._bus.server
            _log.info("desktop notifications go to %s", self._server)
        finally:
            self._ready.set()

    def _clicked(self, notification_id: int) -> None:
        person_id = self._people.get(notification_id)
        if person_id is not None and self._on_open is not None:
            _log.debug("notification %s clicked: opening %s", notification_id, person_id)
            self._on_open(person_id)

    def _closed(self, notification_id: int) -> None:
        self._people.pop(notification_id, None)

    async def _disconnect(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            await bus.aclose()

    def _fall_back(self, err: BaseException) -> None:
        if not self._use_fallback:
            # INFO, not WARNING: a desktop without a notification server is a fine desktop.
            reason = str(err) or type(err).__name__
            _log.info("desktop notifications unavailable (%s); using the tray's messages", reason)
        self._use_fallback = True

    def _show_balloon(self, notification: Notification) -> None:
        self._fallback(notification.title, notification.body)
