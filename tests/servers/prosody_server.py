"""A real Prosody (Debian's package) for the XMPP tests, one per test session.

:func:`run_prosody` makes a self-signed certificate for ``localhost``, writes
``prosody/prosody.cfg.lua`` into a temporary folder with a free port on 127.0.0.1 (never 5222:
a system Prosody may hold it), creates users with ``prosodyctl register`` and runs
``prosody -F`` until the test session ends (stopped by PID). Clients trust the certificate
through ``SSL_CERT_FILE`` (see :attr:`ProsodyServer.certificate`).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.servers.processes import free_port, stop

if TYPE_CHECKING:
    from collections.abc import Iterator

CONFIG_TEMPLATE = Path(__file__).parent / "prosody" / "prosody.cfg.lua"
DOMAIN = "localhost"
START_TIMEOUT = 20.0
HOW_TO_INSTALL = "install Debian's prosody and openssl (scripts/system-packages.sh install test)"


def prosody_installed() -> bool:
    """Whether prosody, prosodyctl and openssl are on PATH."""
    return all(shutil.which(tool) for tool in ("prosody", "prosodyctl", "openssl"))


@dataclass(frozen=True)
class ProsodyServer:
    """A running Prosody: where clients connect, its domain, and the certificate to trust."""

    host: str
    port: int
    certificate: Path
    config: Path
    domain: str = DOMAIN
    pid: int | None = None
    """The server's process, for a test that pauses it (SIGSTOP) to play a dead connection."""

    def register(self, user: str, password: str) -> str:
        """Create ``user`` on the server's domain; return the bare JID."""
        subprocess.run(
            ["prosodyctl", "--config", str(self.config), "register", user, self.domain, password],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
        )
        return f"{user}@{self.domain}"


def _make_certificate(folder: Path) -> Path:
    certificate = folder / f"{DOMAIN}.crt"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(folder / f"{DOMAIN}.key"), "-out", str(certificate),
            "-subj", f"/CN={DOMAIN}", "-addext", f"subjectAltName=DNS:{DOMAIN}",
        ],
        check=True,
        capture_output=True,
        timeout=START_TIMEOUT,
    )  # fmt: skip
    return certificate


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Prosody exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"Prosody did not listen within {START_TIMEOUT:g} s:\n{log.read_text()}")


@contextlib.contextmanager
def run_prosody(folder: Path, port: int | None = None) -> Iterator[ProsodyServer]:
    """Start Prosody with its config, data and certificate in ``folder``; stop it afterwards.

    Run it again with the same ``folder`` and ``port`` to restart the same server: its users
    and certificate are kept.
    """
    (folder / "certs").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    certificate = folder / "certs" / f"{DOMAIN}.crt"
    if not certificate.exists():
        certificate = _make_certificate(folder / "certs")
    port = port or free_port()
    config = folder / "prosody.cfg.lua"
    text = CONFIG_TEMPLATE.read_text().replace("@BASE@", str(folder)).replace("@PORT@", str(port))
    config.write_text(text)
    log = folder / "prosody.stdout"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            ["prosody", "--config", str(config), "-F"],
            cwd=folder,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(port, process, log)
        yield ProsodyServer("127.0.0.1", port, certificate, config, pid=process.pid)
    finally:
        stop(process)
