"""The real app on the test desktop serves the local API: found through the discovery file,
opened with the token from the real keyring; a taken port leaves the app running without it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.local_api.discovery import DISCOVERY_FILE, PORT_VARIABLE, read_discovery
from presence_tray.local_api.token import TOKEN_SECRET_NAME
from presence_tray.storage.paths import DATA_DIR_ENV
from presence_tray.storage.secrets import KeyringSecretStore
from tests.app_process import AppProcess
from tests.desktop import wait_until

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.desktop, pytest.mark.keyring]
NETWORK = ["--people", "12"]


def start(data_dir: Path, tmp_path: Path, port: int) -> AppProcess:
    return AppProcess(
        NETWORK,
        tmp_path / "stderr.log",
        {DATA_DIR_ENV: str(data_dir), PORT_VARIABLE: str(port)},
    )


def command(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``presence-tray ARGS`` as a person runs it beside the app (same data folder)."""
    return subprocess.run(
        [sys.executable, "-m", "presence_tray", *args],
        env={**os.environ, DATA_DIR_ENV: str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_asks_the_running_app_and_answers_alone_without_it(
    data_dir: Path, tmp_path: Path
) -> None:
    app = start(data_dir, tmp_path, 0)
    try:
        wait_until("the discovery file", lambda: read_discovery(data_dir), timeout=30)
        asked = command(data_dir, *NETWORK, "stats", "--json")
        status = command(data_dir, *NETWORK, "status")
    finally:
        app.stop_cleanly()
    assert asked.returncode == 0, asked.stderr
    assert "event_stream" in json.loads(asked.stdout)  # only the running app's API says this
    assert status.returncode == 0, status.stderr
    assert len(status.stdout.splitlines()) >= 12  # everyone, with their platforms

    alone = command(data_dir, *NETWORK, "stats", "--json")
    assert alone.returncode == 0, alone.stderr
    assert "event_stream" not in json.loads(alone.stdout)  # a short simulated run answered
    assert alone.stderr == ""


def test_the_running_app_answers_with_the_keyrings_token(data_dir: Path, tmp_path: Path) -> None:
    app = start(data_dir, tmp_path, 0)
    try:
        found = wait_until("the discovery file", lambda: read_discovery(data_dir), timeout=30)
        assert found["pid"] == app.process.pid
        url = found["url"]
        assert isinstance(url, str)
        token = asyncio.run(KeyringSecretStore().app_secret(TOKEN_SECRET_NAME).get())
        assert token is not None
        assert token not in (data_dir / DISCOVERY_FILE).read_text()
        headers = {"Authorization": f"Bearer {token}"}
        people = wait_until(
            "everyone listed",
            lambda: (
                body
                if len((body := httpx.get(f"{url}/v1/people", headers=headers).json())["people"])
                == 12
                else None
            ),
        )
        assert {p["state"] for p in people["people"]} - {
            "online",
            "idle",
            "busy",
            "away",
            "offline",
            "unknown",
        } == set()
        assert httpx.get(f"{url}/v1/people").status_code == 401
        # The simulated network records no real person's WhatsApp message; Meta retries later.
        whatsapp = httpx.post(f"{url}/webhooks/whatsapp", content=b"{}")
        assert whatsapp.status_code == 503
        assert "simulated network" in whatsapp.text
        answer = httpx.put(f"{url}/v1/me/status", json={"status": "busy"}, headers=headers)
        assert answer.status_code == 200
        assert answer.json()["accounts"]  # the simulated accounts say what they did
    finally:
        stderr = app.stop_cleanly()
    assert token not in stderr
    assert not (data_dir / DISCOVERY_FILE).exists()


def test_a_taken_port_leaves_the_app_running_without_the_api(
    data_dir: Path, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = start(data_dir, tmp_path, port)
        try:
            wait_until(
                "the reason in the log",
                lambda: "local API not started" in app.stderr() or None,
                timeout=30,
            )
            assert app.process.poll() is None  # still running
            assert not (data_dir / DISCOVERY_FILE).exists()
        finally:
            stderr = app.stop_cleanly()
    assert f"127.0.0.1:{port}" in stderr
