"""Where the database lives: a command-line option, an environment variable, or the default."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

import platformdirs

if TYPE_CHECKING:
    from collections.abc import Mapping

DATA_DIR_ENV: Final = "PRESENCE_TRAY_DATA_DIR"
"""Environment variable naming the data folder (tests, portable installs)."""

DATABASE_FILE: Final = "presence-tray.sqlite3"
"""The database's file name inside the data folder."""

SIMULATED_DATABASE_FILE: Final = "simulated-network.sqlite3"
"""The simulated network's own database: trying the app never mixes invented people (or
its faster clock) into the data of real accounts."""


def default_data_dir() -> Path:
    """The user data folder the platform recommends (``~/.local/share/presence-tray``)."""
    return Path(platformdirs.user_data_dir("presence-tray", appauthor=False))


def resolve_data_dir(option: str | None, environ: Mapping[str, str]) -> Path:
    """The data folder: ``--data-dir`` first, then ``$PRESENCE_TRAY_DATA_DIR``, else the default."""
    if option:
        return Path(option).expanduser()
    from_environment = environ.get(DATA_DIR_ENV)
    if from_environment:
        return Path(from_environment).expanduser()
    return default_data_dir()


def database_path(data_dir: Path, *, simulated: bool = False) -> Path:
    """The database file inside ``data_dir`` (the simulated network's, if ``simulated``)."""
    return data_dir / (SIMULATED_DATABASE_FILE if simulated else DATABASE_FILE)
