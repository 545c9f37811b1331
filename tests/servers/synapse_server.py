"""A real Synapse homeserver for the Matrix tests, started from tests/servers/synapse/.venv.

:func:`run_synapse` generates a config in a temporary folder (server name ``localhost``,
SQLite), adds ``synapse/overrides.yaml`` (a free port on 127.0.0.1, the registration shared
secret, the rate limits the tests rely on), starts Synapse, waits for
``/_matrix/client/versions`` and stops it by PID afterwards. Users are registered through the
shared-secret admin API (:meth:`SynapseServer.register`). The venv is installed by
scripts/run-tests.sh; :func:`synapse_installed` tells whether it is there.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.servers.processes import free_port, stop

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SYNAPSE_DIR = Path(__file__).parent / "synapse"
SYNAPSE_PYTHON = SYNAPSE_DIR / ".venv" / "bin" / "python"
INSTALLED_STAMP = SYNAPSE_DIR / ".venv" / "requirements.installed"
SHARED_SECRET = "test-registration-shared-secret"  # the test server's, in synapse/overrides.yaml
START_TIMEOUT = 60.0
HOW_TO_INSTALL = (
    "run scripts/run-tests.sh, or `python3 -m venv tests/servers/synapse/.venv && "
    "tests/servers/synapse/.venv/bin/pip install -r tests/servers/synapse/requirements.txt && "
    "cp tests/servers/synapse/requirements.txt tests/servers/synapse/.venv/requirements.installed`"
)


def synapse_installed() -> bool:
    """Whether the Synapse venv is installed from the current requirements file."""
    requirements = SYNAPSE_DIR / "requirements.txt"
    return (
        SYNAPSE_PYTHON.exists()
        and INSTALLED_STAMP.exists()
        and INSTALLED_STAMP.read_bytes() == requirements.read_bytes()
    )


@dataclass(frozen=True)
class SynapseServer:
    """A running homeserver: its base URL and server name."""

    url: str
    server_name: str = "localhost"
    restart: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)
    """Stop the server and start it again on the same port and data (blocks until ready)."""

    def register(self, user: str, password: str, *, admin: bool = False) -> str:
        """Create ``user`` with the shared secret; return the full user id."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10).json()["nonce"]
        role = "admin" if admin else "notadmin"
        message = b"\x00".join(part.encode() for part in (nonce, user, password, role))
        mac = hmac.new(SHARED_SECRET.encode(), message, hashlib.sha1).hexdigest()
        body = {"nonce": nonce, "username": user, "password": password, "admin": admin, "mac": mac}
        answer = httpx.post(endpoint, json=body, timeout=10)
        answer.raise_for_status()
        return str(answer.json()["user_id"])

    def deactivate(self, user_id: str, *, admin_token: str) -> None:
        """Deactivate ``user_id`` through the admin API (``admin_token`` is an admin's)."""
        answer = httpx.post(
            f"{self.url}/_synapse/admin/v1/deactivate/{user_id}",
            headers={"Authorization": f"Bearer {admin_token}"},
            json={"erase": False},
            timeout=10,
        )
        answer.raise_for_status()


def _generate_config(folder: Path) -> list[Path]:
    generated = folder / "homeserver.yaml"
    subprocess.run(
        [
            str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "--server-name", "localhost",
            "--config-path", str(generated), "--generate-config", "--report-stats=no",
            "--data-directory", str(folder / "data"), "--config-directory", str(folder),
        ],
        cwd=folder,  # the generated log config names homeserver.log relative to it
        check=True,
        capture_output=True,
        timeout=START_TIMEOUT,
    )  # fmt: skip
    return [generated, folder / "overrides.yaml"]


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/_matrix/client/versions", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"Synapse did not start within {START_TIMEOUT:g} s:\n{log.read_text()}")


@contextlib.contextmanager
def run_synapse(folder: Path, *, extra_config: str = "") -> Iterator[SynapseServer]:
    """Start a homeserver whose config and data live in ``folder``; stop it afterwards.

    ``extra_config`` (YAML, top-level keys) is added after the test overrides.
    """
    port = free_port()
    (folder / "data").mkdir(parents=True, exist_ok=True)
    overrides = (SYNAPSE_DIR / "overrides.yaml").read_text() + extra_config
    overrides = overrides.replace("@PORT@", str(port)).replace("@DATA@", str(folder / "data"))
    (folder / "overrides.yaml").write_text(overrides)
    command = [str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver"]
    for config in _generate_config(folder):
        command += ["-c", str(config)]
    log = folder / "synapse.log"
    url = f"http://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        with log.open("ab") as log_file:
            processes.append(
                subprocess.Popen(command, cwd=folder, stdout=log_file, stderr=subprocess.STDOUT)
            )
        _wait_until_ready(url, processes[-1], log)

    def restart() -> None:
        stop(processes[-1], timeout=15)
        start()

    try:
        start()
        yield SynapseServer(url, restart=restart)
    finally:
        if processes:
            stop(processes[-1], timeout=15)
