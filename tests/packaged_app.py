"""Where scripts/build-packages.sh leaves the packages: the bundle and the wheel's venv."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACKAGES_ENV = "PRESENCE_TRAY_PACKAGES"
"""The build's output folder, when not the checkout's ``build/packages``."""
REPO_ROOT = Path(__file__).resolve().parent.parent
HOW_TO_BUILD = "build them with scripts/build-packages.sh (scripts/run-tests.sh does)"
HOW_TO_INSTALL_TOOLS = (
    "install desktop-file-utils and appstream (scripts/system-packages.sh install test)"
)


def packages_dir() -> Path:
    """The folder scripts/build-packages.sh wrote to."""
    return Path(os.environ.get(PACKAGES_ENV) or REPO_ROOT / "build" / "packages")


def bundle_executable() -> Path:
    """The PyInstaller bundle's executable."""
    return packages_dir() / "bundle" / "presence-tray" / "presence-tray"


def wheel_executable() -> Path:
    """``presence-tray`` in the fresh venv the wheel was installed into."""
    return packages_dir() / "venv" / "bin" / "presence-tray"


def packages_built() -> bool:
    """Whether the bundle and the wheel's install are both there."""
    return os.access(bundle_executable(), os.X_OK) and os.access(wheel_executable(), os.X_OK)


def packaging_tools_installed() -> bool:
    """Whether the desktop file and metainfo validators are on PATH."""
    return all(shutil.which(tool) for tool in ("desktop-file-validate", "appstreamcli"))
