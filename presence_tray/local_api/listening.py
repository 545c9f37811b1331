"""The local API's listening socket: bound when the API is switched on, served on demand.

Binding a socket costs nothing; the HTTP server (aiohttp, about 15 MB) and the token's
keyring client (about 10 MB more) are loaded only when a first program connects. Until then
the kernel keeps arriving connections in the socket's backlog, so the first request is
answered as soon as they are loaded (a fraction of a second), and an app nobody asks stays
as small as it was before the API existed. The port is held from the start: a taken port is
found at once, and the discovery file can say where the API is before anything is loaded.
"""

from __future__ import annotations

import errno
import socket
from typing import Final

from presence_tray.local_api.discovery import LOOPBACK

BACKLOG: Final = 128
"""Connections the kernel holds for the API while it is being loaded (and after)."""


class LocalApiUnavailableError(Exception):
    """The API could not start (its port is taken, say); the message is a sentence."""


def listen_on_loopback(port: int) -> socket.socket:
    """A non-blocking socket listening on 127.0.0.1:``port`` (0: any free port).

    Raises :class:`LocalApiUnavailableError` (a sentence) when the port cannot be had.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As aiohttp does: a port left in TIME_WAIT by the last run can be taken again at
        # once; one another program listens on still cannot.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, port))
        listener.listen(BACKLOG)
        listener.setblocking(False)  # noqa: FBT003 - the socket API's own flag
    except OSError as err:
        listener.close()
        where = f"The local API could not listen on {LOOPBACK}:{port}"
        if err.errno == errno.EADDRINUSE:
            msg = f"{where}: another program is using that port."
        else:
            msg = f"{where} ({err.strerror or type(err).__name__})."
        raise LocalApiUnavailableError(msg) from err
    return listener
