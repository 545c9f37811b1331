"""The command line's way to the running app: its local API, found by the discovery file.

``status``, ``available`` and ``stats`` ask the app that runs (it knows what every connected
account says right now) and fall back to the saved statuses when none runs. An app is
running when ``local-api.json`` in the data folder names a live process and its API answers
with the token from the keyring. Anything else — no file, a file left by a crash, the API
switched off, no keyring, a refused token — is a reason to fall back, said in one sentence;
only the token never appears in it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import httpx

from presence_tray.core.secrets import SecretStoreUnavailableError
from presence_tray.local_api.discovery import read_discovery
from presence_tray.local_api.token import TOKEN_SECRET_NAME

if TYPE_CHECKING:
    from pathlib import Path

    from presence_tray.local_api.token import TokenKeeper

_log = logging.getLogger(__name__)

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
            None, "Presence Tray is running, but its API token is not in the system keyring."
        )
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
    if response.status_code == httpx.codes.UNAUTHORIZED:
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


async def _token(token_keeper: TokenKeeper | None) -> str | None:
    """The API token (None when it is not in the keyring or the keyring cannot be used)."""
    from presence_tray.storage.secrets import KeyringSecretStore

    keeper = token_keeper or KeyringSecretStore().app_secret(TOKEN_SECRET_NAME)
    try:
        return await keeper.get()
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
