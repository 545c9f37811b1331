"""One running app per user and data folder: a second launch brings the first one's window
forward and exits.

The first instance listens on a local socket named after the user and the data folder (so
test runs with their own folder never meet each other, nor the user's real app), in the
user's private runtime folder (``$XDG_RUNTIME_DIR``) where there is one, else in the temporary
folder. A second launch connects, says ``show``, waits for ``ok`` and leaves. A socket file
left behind by a crash accepts no connection; it is removed and the name taken over.

Binding the socket is the lock: no socket options are set, because with them Qt binds in a
private folder and renames the socket into place, which would silently replace a running
instance's socket instead of failing.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

if TYPE_CHECKING:
    from collections.abc import Mapping

_log = logging.getLogger(__name__)

SHOW: Final = b"show\n"
"""What a second launch sends: bring the contacts window forward."""
ACK: Final = b"ok\n"
"""What the running app answers once it has done so."""
CONNECT_TIMEOUT_MS: Final = 500
ANSWER_TIMEOUT_MS: Final = 3000
_MAX_REQUEST_BYTES: Final = 64
ALREADY_RUNNING: Final = "Presence Tray is already running; its window was brought forward."
NO_ANSWER: Final = (
    "Presence Tray seems to be running already but did not answer. "
    "If it is stuck, end it and start it again."
)


def instance_name(data_dir: Path, environ: Mapping[str, str] = os.environ) -> str:
    """The local socket's name for this user and data folder (a path in the user's runtime
    folder when ``$XDG_RUNTIME_DIR`` names one)."""
    user = str(os.getuid()) if hasattr(os, "getuid") else getpass.getuser()
    folder = str(data_dir.expanduser().resolve())
    digest = hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = f"presence-tray-{user}-{digest}"
    runtime_dir = environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and Path(runtime_dir).is_absolute() and Path(runtime_dir).is_dir():
        return str(Path(runtime_dir) / name)
    return name


class Forwarded(Enum):
    """What became of asking a running instance to show itself."""

    NOT_RUNNING = "not running"
    SHOWN = "shown"
    NO_ANSWER = "no answer"


HANDOVER: Final[dict[Forwarded, tuple[int, str]]] = {
    Forwarded.SHOWN: (0, ALREADY_RUNNING),
    Forwarded.NO_ANSWER: (1, NO_ANSWER),
}
"""A second launch's exit code and message, by what the running instance did."""


def forward_to_running(name: str, *, answer_timeout_ms: int = ANSWER_TIMEOUT_MS) -> Forwarded:
    """Ask the instance listening on ``name`` to show its window (blocking, no event loop)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return Forwarded.NOT_RUNNING
    try:
        socket.write(SHOW)
        if not socket.waitForBytesWritten(answer_timeout_ms):
            return Forwarded.NO_ANSWER
        answer = b""
        while ACK not in answer:
            if not socket.waitForReadyRead(answer_timeout_ms):
                return Forwarded.NO_ANSWER
            answer += bytes(socket.readAll().data())
        return Forwarded.SHOWN
    finally:
        socket.abort()


class SingleInstance(QObject):
    """The first instance's side: listens, and reports when another launch asks to be shown."""

    show_requested = Signal()
    """Another launch wants the contacts window brought forward."""

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        """Prepare to listen as ``name`` (see :func:`instance_name`); nothing happens yet."""
        super().__init__(parent)
        self._name = name
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    @property
    def name(self) -> str:
        """The local socket's name."""
        return self._name

    @property
    def listening(self) -> bool:
        """Whether this is the first instance and listening."""
        return self._server.isListening()

    def acquire(self) -> Forwarded | None:
        """Become the first instance (None), or hand over to the one running.

        Returns what came of asking the running instance to show itself when there is one.
        Two launches at the same moment settle it here: the one that loses the name asks the
        winner. A name held by no one (a crash's leftover socket file) is taken over.
        """
        if self._server.listen(self._name):
            _log.info("single instance: listening as %s", self._name)
            return None
        if self._server.serverError() is not QAbstractSocket.SocketError.AddressInUseError:
            self._give_up()
            return None
        forwarded = forward_to_running(self._name)
        if forwarded is not Forwarded.NOT_RUNNING:
            return forwarded
        _log.info("single instance: removing a stale socket %s", self._name)
        QLocalServer.removeServer(self._name)
        if self._server.listen(self._name):
            _log.info("single instance: listening as %s", self._name)
            return None
        self._give_up()
        return None

    def _give_up(self) -> None:
        _log.warning(
            "could not listen as %s (%s); a second launch will start another copy",
            self._name,
            self._server.errorString(),
        )

    def close(self) -> None:
        """Stop listening (the socket file is removed)."""
        self._server.close()
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()

    def _on_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            if socket.bytesAvailable():
                self._on_ready_read(socket)

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > _MAX_REQUEST_BYTES:
                self._forget(socket)
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0] + b"\n"
        if line == SHOW:
            _log.info("single instance: another launch asked for the window")
            self.show_requested.emit()
            socket.write(ACK)
            socket.flush()
        self._buffers[socket] = b""
        socket.disconnectFromServer()

    def _forget(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.abort()
            socket.deleteLater()
