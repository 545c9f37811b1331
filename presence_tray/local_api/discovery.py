"""Where the local API listens: its port, and the discovery file that tells the command line.

``local-api.json`` in the data folder holds ``{"url": ..., "pid": ...}`` (never the token:
that stays in the keyring), readable by the user alone (0600). It is written when the API
starts and removed when it stops cleanly; a file left by a crash names a process that is
gone, which a reader can check.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

_log = logging.getLogger(__name__)

LOOPBACK: Final = "127.0.0.1"
DEFAULT_PORT: Final = 47563
"""Where the API listens unless the preference or :data:`PORT_VARIABLE` says otherwise (in
the dynamic range, registered to nothing)."""
PORT_VARIABLE: Final = "PRESENCE_TRAY_API_PORT"
"""Environment variable overriding the port (0: any free port, as the tests use)."""
MAX_PORT: Final = 65535
DISCOVERY_FILE: Final = "local-api.json"
_PRIVATE: Final = 0o600


def port_override(environ: Mapping[str, str]) -> int | None:
    """The port :data:`PORT_VARIABLE` names (0: any free one), which wins over the
    preference; None when it is not set (or is not a port, which is logged)."""
    text = environ.get(PORT_VARIABLE, "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and int(text) <= MAX_PORT:
        return int(text)
    _log.warning("%s=%r is not a port (0 to %d); ignored", PORT_VARIABLE, text, MAX_PORT)
    return None


def chosen_port(override: int | None, preferred: int | None) -> int:
    """The port to listen on: the override when there is one, else the preference, else
    :data:`DEFAULT_PORT`."""
    if override is not None:
        return override
    return DEFAULT_PORT if preferred is None else preferred


def port_from(environ: Mapping[str, str], preferred: int | None) -> int:
    """The port to listen on: :data:`PORT_VARIABLE` when set to a port (0: any free one),
    else the preference, else :data:`DEFAULT_PORT`."""
    return chosen_port(port_override(environ), preferred)


def write_discovery(data_dir: Path, url: str, pid: int) -> Path:
    """Write the file (replacing an old one in one step); its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DISCOVERY_FILE
    partial = path.with_suffix(".json.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"url": url, "pid": pid}, file)
    partial.replace(path)
    return path


def read_discovery(data_dir: Path) -> dict[str, object] | None:
    """The file's content, or None when there is none or it cannot be read."""
    try:
        content = json.loads((data_dir / DISCOVERY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def remove_discovery(data_dir: Path, pid: int) -> None:
    """Remove the file if it is this process's (another run may have written its own)."""
    content = read_discovery(data_dir)
    if content is not None and content.get("pid") == pid:
        with contextlib.suppress(FileNotFoundError):
            (data_dir / DISCOVERY_FILE).unlink()
