"""One running app per user and data folder: a second launch brings the first one's window
forward and exits.

The first instance listens on a Unix socket named after the user and the data folder (so
test runs with their own folder never meet each other, nor the user's real app), in the
user's private runtime folder (``$XDG_RUNTIME_DIR``) where there is one, else in the temporary
folder. A second launch connects, says ``show``, waits for ``ok`` and leaves. A socket file
left behind by a crash accepts no connection; it is removed and the name taken over.

Binding the socket is the lock: binding fails while the file exists, so a running instance's
socket is never silently replaced. The sockets are Python's own, watched by Qt's event loop
through :class:`QSocketNotifier`: QtNetwork's ``QLocalServer`` did the same, but loading
QtNetwork (and the Kerberos libraries it links) cost the app about 3 MB.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import logging
import os
import socket
import tempfile
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QSocketNotifier, Signal

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
_BACKLOG: Final = 8
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


def socket_path(name: str) -> Path:
    """Where the socket of :func:`instance_name`'s ``name`` lives: the name itself when it is a
    path, else in the temporary folder (where Qt's local sockets put a bare name too)."""
    path = Path(name)
    return path if path.is_absolute() else Path(tempfile.gettempdir()) / name


def forward_to_running(name: str, *, answer_timeout_ms: int = ANSWER_TIMEOUT_MS) -> Forwarded:
    """Ask the instance listening on ``name`` to show its window (blocking, no event loop)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CONNECT_TIMEOUT_MS / 1000)
        try:
            connection.connect(str(socket_path(name)))
        except OSError:  # no file, a crash's leftover file, nobody accepting in time
            return Forwarded.NOT_RUNNING
        connection.settimeout(answer_timeout_ms / 1000)
        try:
            connection.sendall(SHOW)
            answer = b""
            while ACK not in answer:
                chunk = connection.recv(_MAX_REQUEST_BYTES)
                if not chunk or len(answer) > _MAX_REQUEST_BYTES:
                    return Forwarded.NO_ANSWER
                answer += chunk
        except OSError:  # a timeout, or the connection broken
            return Forwarded.NO_ANSWER
    return Forwarded.SHOWN


class SingleInstance(QObject):
    """The first instance's side: listens, and reports when another launch asks to be shown."""

    show_requested = Signal()
    """Another launch wants the contacts window brought forward."""

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        """Prepare to listen as ``name`` (see :func:`instance_name`); nothing happens yet."""
        super().__init__(parent)
        self._name = name
        self._path = socket_path(name)
        self._server: socket.socket | None = None
        self._server_notifier: QSocketNotifier | None = None
        self._clients: dict[socket.socket, tuple[QSocketNotifier, bytes]] = {}

    @property
    def name(self) -> str:
        """The local socket's name."""
        return self._name

    @property
    def listening(self) -> bool:
        """Whether this is the first instance and listening."""
        return self._server is not None

    def acquire(self) -> Forwarded | None:
        """Become the first instance (None), or hand over to the one running.

        Returns what came of asking the running instance to show itself when there is one.
        Two launches at the same moment settle it here: the one that loses the name asks the
        winner. A name held by no one (a crash's leftover socket file) is taken over.
        """
        problem = self._listen()
        if problem is None:
            return None
        if problem.errno != errno.EADDRINUSE:
            self._give_up(problem)
            return None
        forwarded = forward_to_running(self._name)
        if forwarded is not Forwarded.NOT_RUNNING:
            return forwarded
        _log.info("single instance: removing a stale socket %s", self._name)
        self._path.unlink(missing_ok=True)
        problem = self._listen()
        if problem is not None:
            self._give_up(problem)
        return None

    def close(self) -> None:
        """Stop listening (the socket file is removed)."""
        for client in list(self._clients):
            self._forget(client)
        server, self._server = self._server, None
        if self._server_notifier is not None:
            self._server_notifier.setEnabled(False)
            self._server_notifier.deleteLater()
            self._server_notifier = None
        if server is not None:
            server.close()
            self._path.unlink(missing_ok=True)

    # -- internals -------------------------------------------------------------------------

    def _listen(self) -> OSError | None:
        """Bind and listen on the socket path; the error when the name cannot be had."""
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(str(self._path))
            server.listen(_BACKLOG)
        except OSError as err:
            server.close()
            return err
        server.settimeout(0.0)  # non-blocking: Qt's event loop says when to accept
        self._server = server
        self._server_notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        self._server_notifier.activated.connect(self._on_new_connection)
        _log.info("single instance: listening as %s", self._name)
        return None

    def _give_up(self, problem: OSError) -> None:
        _log.warning(
            "could not listen as %s (%s); a second launch will start another copy",
            self._name,
            problem.strerror or problem,
        )

    def _on_new_connection(self, *_args: object) -> None:
        while self._server is not None:
            try:
                client, _ = self._server.accept()
            except OSError:  # BlockingIOError: none left to accept
                return
            client.settimeout(0.0)
            notifier = QSocketNotifier(client.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_args, c=client: self._on_ready_read(c))
            self._clients[client] = (notifier, b"")

    def _on_ready_read(self, client: socket.socket) -> None:
        if client not in self._clients:
            return
        notifier, buffered = self._clients[client]
        try:
            chunk = client.recv(_MAX_REQUEST_BYTES + 1)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        data = buffered + chunk
        if b"\n" not in data:
            if not chunk or len(data) > _MAX_REQUEST_BYTES:  # gone, or not our protocol
                self._forget(client)
            else:
                self._clients[client] = (notifier, data)
            return
        if data.split(b"\n", 1)[0] + b"\n" == SHOW:
            _log.info("single instance: another launch asked for the window")
            self.show_requested.emit()
            with contextlib.suppress(OSError):  # it may have given up waiting
                client.send(ACK)
        self._forget(client)

    def _forget(self, client: socket.socket) -> None:
        entry = self._clients.pop(client, None)
        if entry is not None:
            notifier = entry[0]
            notifier.setEnabled(False)
            notifier.deleteLater()
            client.close()
