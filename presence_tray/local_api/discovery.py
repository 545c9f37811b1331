"""The discovery file: where the running app's API listens, for the command line to find.

``local-api.json`` in the data folder holds ``{"url": ..., "pid": ...}`` (never the token:
that stays in the keyring), readable by the user alone (0600). It is written when the API
starts and removed when it stops cleanly; a file left by a crash names a process that is
gone, which a reader can check.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

DISCOVERY_FILE: Final = "local-api.json"
_PRIVATE: Final = 0o600


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
