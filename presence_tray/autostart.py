"""Start at login on Linux desktops: an XDG autostart entry, written or removed.

The entry is ``$XDG_CONFIG_HOME/autostart/presence-tray.desktop`` (``~/.config`` when the
variable is unset or not absolute, as the XDG Base Directory spec says). Its state is read from
the file every time, so what the settings show is what the desktop will do.

The command is the running interpreter's absolute path with ``-m presence_tray``, not the
``presence-tray`` script: at login the session's ``PATH`` often lacks ``~/.local/bin`` or a
virtual environment's ``bin``, the script may not be installed at all (a checkout run with
``python -m``), and the script would only start this same interpreter anyway. ``Path=`` names
the folder the package is imported from, so a checkout that is not installed starts too.

In a PyInstaller bundle (``sys.frozen``) the command is the bundle's own executable and
``Path=`` its folder. The entry carries the same name, comment and icon as the desktop file
the packages install (``packaging/linux``); tests/test_packaging.py validates both with
``desktop-file-validate``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

import presence_tray

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_log = logging.getLogger(__name__)

ENTRY_NAME: Final = "presence-tray.desktop"
_EXEC_RESERVED: Final = frozenset(" \t\n\"'\\><~|&;$*?#()`")
"""Characters that make the Desktop Entry spec require an argument to be quoted."""
_QUOTED_ESCAPES: Final = frozenset('"`$\\')
"""Characters escaped with a backslash inside a quoted argument."""


class AutostartError(Exception):
    """The autostart entry could not be read, written or removed; the message is a sentence."""


def autostart_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the autostart entry lives."""
    environ = os.environ if environ is None else environ
    config = environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if config and Path(config).is_absolute() else Path.home() / ".config"
    return base / "autostart" / ENTRY_NAME


APP_ID: Final = "io.github.presencetray.PresenceTray"
"""The desktop file's name and the icon's name in the hicolor theme (packaging/linux)."""


def is_bundle() -> bool:
    """Whether this run is a PyInstaller bundle's executable rather than a Python install."""
    return bool(getattr(sys, "frozen", False))


def launch_command() -> list[str]:
    """The command that starts this app the way it runs now (see the module's docstring)."""
    if is_bundle():
        return [sys.executable]
    return [sys.executable, "-m", "presence_tray"]


def working_folder() -> Path:
    """The ``Path=`` of the entry: the bundle's folder, or where the package is imported from."""
    if is_bundle():
        return Path(sys.executable).resolve().parent
    return Path(presence_tray.__file__).resolve().parent.parent


def exec_quote(argument: str) -> str:
    """One argument as the Desktop Entry spec's ``Exec`` key wants it.

    Quoted (with ``"``, ```` ` ````, ``$`` and ``\\`` escaped) when it holds a reserved
    character; ``%`` doubled (field codes); then, because ``Exec`` is a string value, every
    backslash doubled once more.
    """
    text = argument.replace("%", "%%")
    if any(char in _EXEC_RESERVED for char in text) or not text:
        text = '"' + "".join(f"\\{c}" if c in _QUOTED_ESCAPES else c for c in text) + '"'
    # Exec is a string value: its own escapes apply first when it is read.
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def desktop_entry(command: Sequence[str], working_dir: Path) -> str:
    """The text of the autostart entry for ``command`` run in ``working_dir``."""
    exec_line = " ".join(exec_quote(argument) for argument in command)
    # Path is a plain string value: only its backslashes and line breaks need escaping.
    path_line = str(working_dir).replace("\\", "\\\\").replace("\n", "\\n")
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        # 1.4: nothing newer is used, and Debian 12's desktop-file-validate knows no 1.5.
        "Version=1.4\n"
        "Name=Presence Tray\n"
        "Comment=Everyone's availability across chat platforms, in one tray icon\n"
        f"Exec={exec_line}\n"
        f"Path={path_line}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_enabled(path: Path | None = None) -> bool:
    """Whether the desktop will start the app at login: the entry exists and is not hidden
    or switched off. An unreadable entry counts as off (and is logged)."""
    path = path or autostart_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as err:
        _log.warning("could not read the autostart entry %s: %s", path, err)
        return False
    keys = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    return (
        keys.get("Hidden", "false").strip() != "true"
        and keys.get("X-GNOME-Autostart-enabled", "true").strip() != "false"
    )


def set_enabled(*, enabled: bool, path: Path | None = None) -> None:
    """Write (``enabled``) or remove the autostart entry.

    Raises :class:`AutostartError` with a sentence for the user when the file system refuses.
    """
    path = path or autostart_path()
    if enabled and not sys.executable:
        msg = "Start at login needs to know which Python runs Presence Tray, and it cannot tell."
        raise AutostartError(msg)
    try:
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            text = desktop_entry(launch_command(), working_folder())
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as err:
        action = "write" if enabled else "remove"
        reason = err.strerror or type(err).__name__
        _log.warning("could not %s the autostart entry %s: %s", action, path, err)
        msg = (
            f"Could not {action} {path} ({reason}), so start at login is unchanged. "
            "Check that the folder is yours and writable, then try again."
        )
        raise AutostartError(msg) from err
