"""A stand-in system browser for the end-to-end tests: the app's ``webbrowser.open`` runs it.

``$BROWSER`` names an executable (see :func:`write_browser_command`) that runs
``python -m tests.accounts.browser_cli URL``. Python's ``webbrowser`` waits for that command,
so it returns at once and plays the scripted user (:class:`tests.accounts.browser.ScriptedUser`:
log in, consent, fetch the loopback redirect) in a detached process. What happened goes to the
file named by ``$PRESENCE_TRAY_TEST_BROWSER_LOG``: ``done <status>`` when the app's page was
fetched, or the error.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.accounts.browser import ScriptedUser

LOG_ENV = "PRESENCE_TRAY_TEST_BROWSER_LOG"
USER_ENV = "PRESENCE_TRAY_TEST_BROWSER_USER"
REPO_ROOT = Path(__file__).resolve().parents[2]


def write_browser_command(folder: Path) -> Path:
    """An executable in ``folder`` that ``$BROWSER`` can name (it takes no arguments itself)."""
    command = folder / "scripted-browser"
    command.write_text(
        "#!/bin/sh\n"
        f"cd {shlex.quote(str(REPO_ROOT))} && "
        f'exec {shlex.quote(sys.executable)} -m tests.accounts.browser_cli "$1"\n'
    )
    command.chmod(0o755)
    return command


def _log(line: str) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with Path(path).open("a") as log:
            log.write(line + "\n")


async def _play(url: str) -> None:
    user = ScriptedUser(username=os.environ.get(USER_ENV, "alice"))
    await user.play(url)
    status = user.final_page.status_code if user.final_page is not None else "no page"
    _log(f"done {status}")


def main(argv: list[str]) -> int:
    """``URL``: start playing in the background and return; ``--play URL``: play."""
    if argv[:1] == ["--play"] and len(argv) == 2:
        try:
            asyncio.run(_play(argv[1]))
        except Exception as err:  # noqa: BLE001 (the test reads the log)
            _log(f"failed {type(err).__name__}: {err}")
            return 1
        return 0
    if len(argv) != 1:
        _log(f"usage: browser_cli URL (got {argv!r})")
        return 2
    _log("opened")
    subprocess.Popen(
        [sys.executable, "-m", "tests.accounts.browser_cli", "--play", argv[0]],
        cwd=REPO_ROOT,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
