"""The real app as a separate process, for end-to-end tests on the test desktop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

from presence_tray.storage.paths import DATA_DIR_ENV

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

STOP_TIMEOUT_SECONDS = 15
PYTHON_MODULE_COMMAND = (sys.executable, "-m", "presence_tray")
"""The app from this checkout's Python; a bundle's or a wheel install's executable also works."""


class AppProcess:
    """``COMMAND ARGS`` (``python -m presence_tray`` by default) on the X display, its stderr in
    a file."""

    def __init__(
        self,
        args: Sequence[str],
        stderr_path: Path,
        environment: Mapping[str, str] | None = None,
        command: Sequence[str] = PYTHON_MODULE_COMMAND,
    ) -> None:
        self.stderr_path = stderr_path
        with stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [*command, *args],
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

    def stop_cleanly(self) -> str:
        """Quit, check the app ended as a quit app should, and return its stderr."""
        code = self.stop()
        stderr = self.stderr()
        assert code in (0, 128 + signal.SIGTERM), stderr
        assert "Traceback" not in stderr, stderr
        return stderr


class AppRuns:
    """Starts the app, again and again if a test wants, over one data folder."""

    def __init__(
        self,
        args: Sequence[str],
        data_dir: Path,
        log_dir: Path,
        command: Sequence[str] = PYTHON_MODULE_COMMAND,
    ) -> None:
        self.args = list(args)
        self.command = tuple(command)
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.started: list[AppProcess] = []

    def start(self) -> AppProcess:
        """Start one more run (stderr in ``log_dir/stderr-N.log``)."""
        log = self.log_dir / f"stderr-{len(self.started)}.log"
        environment = {DATA_DIR_ENV: str(self.data_dir)}
        self.started.append(AppProcess(self.args, log, environment, self.command))
        return self.started[-1]

    def stop_all(self) -> list[str]:
        """Stop every run, checking each ended cleanly; their stderr, in order."""
        return [running.stop_cleanly() for running in self.started]
