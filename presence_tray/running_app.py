"""The command line's way to the running app: its local API, found by the discovery file.

``status``, ``available`` and ``stats`` ask the app that runs (it knows what every connected
account says right now) and fall back to the saved statuses when none runs. An app is
running when ``local-api.json`` in the data folder names a live process and its API answers
with the token from the keyring. Anything else — no file, a file left by a crash, the API
switched off, no keyring, a refused token — is a reason to fall back, said in one sentence;
only the token never appears in it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from presence_tray.core.secrets import SecretStoreUnavailableError
from presence_tray.local_api.discovery import read_discovery
from presence_tray.local_api.token import TOKEN_SECRET_NAME, load_or_create_token

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from presence_tray.local_api.token import TokenKeeper

_log = logging.getLogger(__name__)

HTTP_UNAUTHORIZED: Final = 401
"""The answer to a token the app refused."""

ASK_TIMEOUT_SECONDS: Final = 5.0
"""How long the command waits for the running app before answering from the saved data."""

LOOPBACK_PREFIXES: Final = ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")
"""Where a discovery file may point: the API listens on this computer only, and the token
must never be sent anywhere else."""


@dataclass(frozen=True, slots=True)
class AppAnswer:
    """What the running app answered, or why it could not be asked."""

    report: dict[str, Any] | None
    """The JSON report, when the app answered."""
    reason: str | None = None
    """Why the saved data answers instead (None when no app runs: the usual case)."""


async def ask_running_app(
    data_dir: Path,
    method: str,
    path: str,
    *,
    body: object = None,
    params: dict[str, list[str]] | None = None,
    token_keeper: TokenKeeper | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AppAnswer:
    """Send one request to the app running on ``data_dir``; its JSON answer, or the reason
    the caller must answer from the saved data itself."""
    discovery = read_discovery(data_dir)
    if discovery is None:
        return AppAnswer(None)
    url, pid = discovery.get("url"), discovery.get("pid")
    if not isinstance(url, str) or not url.startswith(LOOPBACK_PREFIXES):
        return AppAnswer(None, "The running app's address file is not readable.")
    if not isinstance(pid, int) or not _process_exists(pid):
        return AppAnswer(None)  # left by an app that did not stop cleanly
    token = await _token(token_keeper)
    if token is None:
        return AppAnswer(
            None,
            "Presence Tray is running, but the system keyring that keeps its API token "
            "cannot be used.",
        )
    import httpx  # here: the app imports this module for KeyringToken at start-up

    try:
        async with httpx.AsyncClient(
            base_url=url, timeout=ASK_TIMEOUT_SECONDS, transport=transport
        ) as client:
            response = await client.request(
                method,
                path,
                json=body,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.HTTPError as error:
        _log.info("the running app did not answer: %s", type(error).__name__)
        return AppAnswer(None, "Presence Tray is running, but its local API did not answer.")
    return _read(response)


def _read(response: httpx.Response) -> AppAnswer:
    if response.status_code == HTTP_UNAUTHORIZED:
        return AppAnswer(
            None, "Presence Tray is running, but refused the API token kept in the keyring."
        )
    try:
        report = response.json()
    except ValueError:
        report = None
    if response.is_success and isinstance(report, dict):
        return AppAnswer(report)
    _log.info("the running app answered %s", response.status_code)
    return AppAnswer(
        None, f"Presence Tray is running, but its local API answered {response.status_code}."
    )


class KeyringToken:
    """The token's entry in the system keyring (``app:local-api-token``); the keyring client
    (about 10 MB) is loaded at the first use, in a worker thread so the window stays
    responsive, not when the app starts."""

    def __init__(self) -> None:
        """An entry not yet read."""
        self._entry: TokenKeeper | None = None

    async def _kept(self) -> TokenKeeper:
        if self._entry is None:
            self._entry = await asyncio.to_thread(_keyring_entry)
        return self._entry

    async def get(self) -> str | None:
        """The token kept, or None when there is none yet."""
        return await (await self._kept()).get()

    async def put(self, secret: str) -> None:
        """Keep ``secret`` as the token."""
        await (await self._kept()).put(secret)


def _keyring_entry() -> TokenKeeper:
    from presence_tray.storage.secrets import KeyringSecretStore

    return KeyringSecretStore().app_secret(TOKEN_SECRET_NAME)


async def _token(token_keeper: TokenKeeper | None) -> str | None:
    """The API token, made here when there is none yet (the app reads the token only when a
    first program connects, so on the very first use this may be first); None when the
    keyring cannot be used."""
    keeper = token_keeper or KeyringToken()
    try:
        return await load_or_create_token(keeper)
    except SecretStoreUnavailableError:
        return None


def _process_exists(pid: int) -> bool:
    """Whether a process with ``pid`` runs (a signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: exists, though not likely ours
    return True
