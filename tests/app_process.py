"""The real app as a separate process, for end-to-end tests on the test desktop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

STOP_TIMEOUT_SECONDS = 15


class AppProcess:
    """``python -m presence_tray ARGS`` on the X display, its stderr in a file."""

    def __init__(
        self,
        args: Sequence[str],
        stderr_path: Path,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.stderr_path = stderr_path
        with stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "presence_tray", *args],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, "QT_QPA_PLATFORM": "xcb", **(environment or {})},
            )

    def stderr(self) -> str:
        """Everything the app wrote to stderr so far."""
        return self.stderr_path.read_text()

    def stop(self) -> int:
        """Quit with SIGTERM (SIGKILL if it hangs); return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()
