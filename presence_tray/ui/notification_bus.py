"""The desktop's notification server over the session bus: jeepney on the app's asyncio loop.

PySide6's QtDBus cannot send ``Notify``, because Python cannot give it the uint32
``replaces_id`` (the server rejects ``sisssava{sv}i``; see the desktop-e2e reference), so the
call goes through jeepney, with no thread and never blocking Qt. This module (and jeepney) is
imported only when the first notification is sent: :mod:`presence_tray.ui.notifications`
decides when to connect and what to do when it cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Final

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

if TYPE_CHECKING:
    from collections.abc import Callable

    from jeepney.io.asyncio import DBusConnection

    from presence_tray.core.notifier import Notification

NOTIFICATIONS: Final = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)
NOTIFY_SIGNATURE: Final = "susssasa{sv}i"
"""app_name, replaces_id (uint32), app_icon, summary, body, actions, hints, expire_timeout."""
DESKTOP_ENTRY: Final = "presence-tray"
DEFAULT_ACTION: Final = "default"
"""The action a click on the notification itself invokes."""
SIGNAL_QUEUE_SIZE: Final = 100

_DBUS_ERRORS: Final = (
    OSError,
    EOFError,
    AuthenticationError,
    DBusErrorResponse,
    RouterClosed,
)
"""What a missing bus, a missing server or a dropped connection raises."""


class NotificationBusError(Exception):
    """The session bus or its notification server cannot be reached (the text says why)."""


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


def _reason(err: BaseException) -> NotificationBusError:
    return NotificationBusError(str(err) or type(err).__name__)


class NotificationBus:
    """One connection to the notification server: ``Notify`` calls, and its signals.

    ``on_clicked(notification_id)`` is called when the user clicks a notification (its
    default action), ``on_closed(notification_id)`` when one goes away.
    """

    def __init__(
        self,
        connection: DBusConnection,
        on_clicked: Callable[[int], None],
        on_closed: Callable[[int], None],
    ) -> None:
        """Use an open ``connection``; :meth:`open` makes one and asks for the server."""
        self._connection = connection
        self._router = DBusRouter(connection)
        self._on_clicked = on_clicked
        self._on_closed = on_closed
        self._listener: asyncio.Task[None] | None = None
        self.server = ""
        """The notification server's name and version ("dunst 1.9.0")."""

    @classmethod
    async def open(
        cls, on_clicked: Callable[[int], None], on_closed: Callable[[int], None]
    ) -> NotificationBus:
        """Connect to the session bus and its notification server (starting it when the bus
        can), or raise :class:`NotificationBusError` saying why not."""
        try:
            connection = await open_dbus_connection("SESSION")
        except (*_DBUS_ERRORS, KeyError, RuntimeError) as err:
            # KeyError: no DBUS_SESSION_BUS_ADDRESS; RuntimeError: a transport jeepney lacks.
            raise _reason(err) from err
        bus = cls(connection, on_clicked, on_closed)
        try:
            await bus._listen_and_ask_server()
        except _DBUS_ERRORS as err:
            await bus.aclose()
            raise _reason(err) from err
        except BaseException:  # a timeout or cancellation: do not leave the socket open
            await bus.aclose()
            raise
        return bus

    async def notify(self, message: Any) -> int:
        """Send a ``Notify`` call (see :func:`notify_message`); the server's id for it."""
        try:
            (notification_id,) = unwrap_msg(await self._router.send_and_get_reply(message))
        except _DBUS_ERRORS as err:
            raise _reason(err) from err
        return int(notification_id)

    async def aclose(self) -> None:
        """Stop listening and disconnect."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        with contextlib.suppress(*_DBUS_ERRORS):
            await self._router.__aexit__(None, None, None)
        with contextlib.suppress(OSError):
            await self._connection.close()

    async def _listen_and_ask_server(self) -> None:
        rules = [
            MatchRule(
                type="signal",
                interface=NOTIFICATIONS.interface,
                path=NOTIFICATIONS.object_path,
                member=member,
            )
            for member in ("ActionInvoked", "NotificationClosed")
        ]
        bus = Proxy(message_bus, self._router)
        for rule in rules:
            await bus.AddMatch(rule)
        # Asking the server who it is also starts it when the bus can activate one.
        info = unwrap_msg(
            await self._router.send_and_get_reply(
                new_method_call(NOTIFICATIONS, "GetServerInformation")
            )
        )
        self.server = f"{info[0]} {info[2]}"
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=SIGNAL_QUEUE_SIZE)
        handles = [self._router.filter(rule, queue=queue) for rule in rules]
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
                    self._on_closed(notification_id)
                elif rest and rest[0] == DEFAULT_ACTION:
                    self._on_clicked(notification_id)
        finally:
            for handle in handles:
                handle.close()
