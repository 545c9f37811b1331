"""The real OAuth 2.0 server for the sign-in tests: panva oidc-provider on 127.0.0.1.

:func:`run_oidc_server` starts ``tests/servers/oidc/server.mjs`` with node on a free port (the
server writes the port to a file), waits for its discovery document, and stops it by PID
afterwards. The ``oidc_server`` fixture (tests/servers/fixtures.py) runs one per test
session; tests using it carry ``@pytest.mark.oidc`` (see tests/conftest.py), so they skip
where node or the npm packages are missing, and fail in CI instead.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.servers.processes import stop

if TYPE_CHECKING:
    from collections.abc import Iterator

SERVER_DIR = Path(__file__).with_name("oidc")
ACCESS_TTL = 4  # seconds an access token lives: short, so the tests can watch it expire
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class OidcServer:
    """A running oidc-provider: its issuer and endpoints (from discovery)."""

    issuer: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    revocation_url: str
    client_id: str = "desktop-app"


def _wait_for_port(port_file: Path, process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the OAuth server exited: {log.read_text()}", pytrace=False)
        text = port_file.read_text().strip() if port_file.exists() else ""
        if text:
            return int(text)
        time.sleep(0.05)
    pytest.fail(f"the OAuth server did not start: {log.read_text()}", pytrace=False)


@contextlib.contextmanager
def run_oidc_server(folder: Path) -> Iterator[OidcServer]:
    """Start the test OAuth server with its port file and log in ``folder``; stop it after."""
    port_file, log = folder / "port", folder / "server.log"
    env = {**os.environ, "OIDC_PORT": "0", "OIDC_PORT_FILE": str(port_file)}
    env["ACCESS_TTL"] = str(ACCESS_TTL)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            ["node", str(SERVER_DIR / "server.mjs")],
            cwd=SERVER_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        port = _wait_for_port(port_file, process, log)
        issuer = f"http://127.0.0.1:{port}"
        meta = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        yield OidcServer(
            issuer=meta["issuer"],
            authorize_url=meta["authorization_endpoint"],
            token_url=meta["token_endpoint"],
            userinfo_url=meta["userinfo_endpoint"],
            revocation_url=meta["revocation_endpoint"],
        )
    finally:
        stop(process)
