"""Desktop notifications: freedesktop ``Notify`` on the session bus, or the tray's balloon.

D-Bus goes through jeepney on the app's one asyncio loop (no thread, never blocking Qt):
PySide6's QtDBus cannot send ``Notify``, because Python cannot give it the uint32
``replaces_id`` (the server rejects ``sisssava{sv}i``; see the desktop-e2e reference).
With no session bus or no notification server, the balloon callable given to
:class:`DesktopNotifier` shows them instead (``QSystemTrayIcon.showMessage``).

Clicking a notification (its "default" action) calls ``on_open`` with the person it is about.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from jeepney import (
    AuthenticationError,
    DBusAddress,
    DBusErrorResponse,
    HeaderFields,
    MatchRule,
    message_bus,
    new_method_call,
)
from jeepney.io.asyncio import DBusRouter, Proxy, open_dbus_connection
from jeepney.io.common import RouterClosed
from jeepney.wrappers import unwrap_msg

from presence_tray.ui import APP_NAME

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.notifier import Notification

_log = logging.getLogger(__name__)

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)
NOTIFY_SIGNATURE = "susssasa{sv}i"
"""app_name, replaces_id (uint32), app_icon, summary, body, actions, hints, expire_timeout."""
DESKTOP_ENTRY = "presence-tray"
DEFAULT_ACTION = "default"
CALL_TIMEOUT_SECONDS = 5.0
REMEMBERED_NOTIFICATIONS = 200
"""How many sent notifications' people are kept for a later click."""

_DBUS_ERRORS = (
    OSError,
    EOFError,
    TimeoutError,
    AuthenticationError,
    DBusErrorResponse,
    RouterClosed,
)
"""What a missing bus, a missing server or a dropped connection raises."""


def notify_message(app_name: str, notification: Notification, *, sound: bool = True) -> Any:
    """The ``Notify`` method call for ``notification``, with its exact D-Bus signature
    (``sound`` False asks the server not to play its sound)."""
    hints: dict[str, tuple[str, object]] = {"desktop-entry": ("s", DESKTOP_ENTRY)}
    if not sound:
        hints["suppress-sound"] = ("b", True)
    return new_method_call(
        NOTIFICATIONS,
        "Notify",
        NOTIFY_SIGNATURE,
        (
            app_name,
            0,  # replaces_id: a new notification
            "",  # app_icon: the desktop entry's icon
            notification.title,
            notification.body,
            [DEFAULT_ACTION, "Open"],
            hints,
            -1,  # expire_timeout: the server's default
        ),
    )


class DesktopNotifier:
    """Shows :class:`~presence_tray.core.notifier.Notification` values on the desktop.

    Call :meth:`start` once (it connects to the session bus and asks for the notification
    server); :meth:`send` may be called before it finishes and never blocks. :meth:`aclose`
    disconnects.
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
        self._router: DBusRouter | None = None
        self._connection: Any = None
        self._ready = asyncio.Event()
        self._use_fallback = False
        self._server: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._people: OrderedDict[int, str] = OrderedDict()

    @property
    def using_dbus(self) -> bool:
        """Notifications go to the desktop's notification server (not the balloon)."""
        return self._ready.is_set() and not self._use_fallback

    @property
    def server(self) -> str | None:
        """The notification server's name and version, once connected ("dunst 1.9.0")."""
        return self._server

    async def start(self) -> None:
        """Connect to the session bus and the notification server, or settle for the balloon."""
        if self._ready.is_set():
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._connect()
        except (*_DBUS_ERRORS, KeyError, RuntimeError) as err:
            # KeyError: no DBUS_SESSION_BUS_ADDRESS; RuntimeError: a transport jeepney lacks.
            await self._disconnect()
            self._fall_back(err)
        else:
            _log.info("desktop notifications go to %s", self._server)
        finally:
            self._ready.set()

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
        await self._ready.wait()
        router = self._router
        if router is None or self._use_fallback:
            self._show_balloon(notification)
            return None
        try:
            async with asyncio.timeout(self._timeout):
                sound = self._sound is None or self._sound()
                reply = await router.send_and_get_reply(
                    notify_message(self._app_name, notification, sound=sound)
                )
                (notification_id,) = unwrap_msg(reply)
        except _DBUS_ERRORS as err:
            self._fall_back(err)
            await self._disconnect()
            self._show_balloon(notification)
            return None
        if notification.person_id is not None:
            self._people[notification_id] = notification.person_id
            while len(self._people) > REMEMBERED_NOTIFICATIONS:
                self._people.popitem(last=False)
        return int(notification_id)

    async def aclose(self) -> None:
        """Let sends in flight finish (briefly), then disconnect."""
        if not self._ready.is_set():  # closed before start() finished (or was ever called)
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

    async def _connect(self) -> None:
        self._connection = await open_dbus_connection("SESSION")
        self._router = router = DBusRouter(self._connection)
        bus = Proxy(message_bus, router)
        rules = [
            MatchRule(
                type="signal",
                interface=NOTIFICATIONS.interface,
                path=NOTIFICATIONS.object_path,
                member=member,
            )
            for member in ("ActionInvoked", "NotificationClosed")
        ]
        for rule in rules:
            await bus.AddMatch(rule)
        # Asking the server who it is also starts it when the bus can activate one.
        info = unwrap_msg(
            await router.send_and_get_reply(new_method_call(NOTIFICATIONS, "GetServerInformation"))
        )
        self._server = f"{info[0]} {info[2]}"
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=100)
        handles = [router.filter(rule, queue=queue) for rule in rules]
        self._listener = asyncio.get_running_loop().create_task(
            self._listen(queue, handles), name="notification clicks"
        )

    async def _listen(self, queue: asyncio.Queue[Any], handles: list[Any]) -> None:
        try:
            while True:
                message = await queue.get()
                member = message.header.fields.get(HeaderFields.member)
                notification_id, *rest = message.body
                if member == "NotificationClosed":
                    self._people.pop(notification_id, None)
                elif rest and rest[0] == DEFAULT_ACTION:
                    person_id = self._people.get(notification_id)
                    if person_id is not None and self._on_open is not None:
                        _log.debug(
                            "notification %s clicked: opening %s", notification_id, person_id
                        )
                        self._on_open(person_id)
        finally:
            for handle in handles:
                handle.close()

    async def _disconnect(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        router, self._router = self._router, None
        if router is not None:
            with contextlib.suppress(*_DBUS_ERRORS):
                await router.__aexit__(None, None, None)
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                await connection.close()

    def _fall_back(self, err: BaseException) -> None:
        if not self._use_fallback:
            # INFO, not WARNING: a desktop without a notification server is a fine desktop.
            reason = str(err) or type(err).__name__
            _log.info("desktop notifications unavailable (%s); using the tray's messages", reason)
        self._use_fallback = True

    def _show_balloon(self, notification: Notification) -> None:
        self._fallback(notification.title, notification.body)
