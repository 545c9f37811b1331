"""The local API costs nothing until a program uses it: switched on, it binds its port and
writes its discovery file, but aiohttp (about 15 MB) and the keyring client (about 10 MB) are
loaded only when a first program connects.

Each check runs in a fresh interpreter, as the app starts, and lists the modules loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

HEAVY = ("aiohttp", "keyring", "secretstorage", "httpx")

RUN_THE_API = """
import asyncio, http.client, json, sys
from pathlib import Path

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.preferences import Preferences
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.local_api.discovery import read_discovery
from presence_tray.local_api.service import LocalApiService
from presence_tray.local_api.sources import ApiSources
from presence_tray.running_app import KeyringToken

HEAVY = {heavy!r}

class Kept:
    token = None
    async def get(self):
        return self.token
    async def put(self, secret):
        self.token = secret

def loaded():
    return sorted(name for name in HEAVY if name in sys.modules)

async def keyring():
    raise AssertionError("not asked")

def ask(url):
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/v1/openapi.json")
    return connection.getresponse().status

async def main(data_dir):
    clock = ManualClock(1_700_000_000.0)
    hub = PresenceHub(clock)
    KeyringToken()  # made at start-up: reads nothing yet
    service = LocalApiService(
        ApiSources(hub, ClientSupervisor(hub, clock), clock, keyring=keyring),
        token_keeper=Kept(),
        data_dir=data_dir,
        environ={{"PRESENCE_TRAY_API_PORT": "0"}},
        on_notice=print,
    )
    await service.apply(Preferences())
    listening = {{"url": service.url, "discovery": read_discovery(data_dir), "loaded": loaded()}}
    status = await asyncio.to_thread(ask, service.url)
    served = {{"status": status, "loaded": loaded()}}
    await service.aclose()
    print(json.dumps({{"listening": listening, "served": served}}))

asyncio.run(main(Path(sys.argv[1])))
"""


def test_the_api_loads_its_server_and_keyring_client_only_for_a_first_program(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUN_THE_API.format(heavy=HEAVY), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    listening, served = seen["listening"], seen["served"]
    assert listening["url"].startswith("http://127.0.0.1:")
    assert listening["discovery"]["url"] == listening["url"]
    assert listening["loaded"] == []  # bound, announced, and nothing heavy loaded
    assert served["status"] == 200
    assert served["loaded"] == ["aiohttp"]  # the test's keeper stands in for the keyring
