"""Checks that run before Qt is imported, so a broken desktop gets a sentence, not a crash.

When a shared library that Qt's X11 ("xcb") platform plugin links against is missing, Qt
aborts the process with ``Could not load the Qt platform plugin "xcb" ... even though it was
found`` and the real cause is only visible with ``QT_DEBUG_PLUGINS=1``. This module finds those
libraries with the same dynamic loader Qt uses and names the Debian/Ubuntu packages to install.

Standard library only: it must work exactly when PySide6 cannot be loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "QT_LIBRARIES",
    "MissingLibrary",
    "QtLibrary",
    "can_load_library",
    "check_gui_environment",
    "install_hint",
    "missing_qt_libraries",
]

LibraryLoader = Callable[[str], bool]
"""Answers "can the dynamic loader open this soname?"; injectable for tests."""

LibraryFinder = Callable[[str], str | None]
"""Maps a library stem ("xcb-cursor") to an installed soname, like ``ctypes.util.find_library``."""

# Platform plugins that draw nowhere: they need no display and no xcb libraries.
_HEADLESS_QPA_PLATFORMS: Final = frozenset({"offscreen", "minimal"})


@dataclass(frozen=True, slots=True)
class QtLibrary:
    """A shared library Qt needs on Linux, and the Debian package that ships it."""

    soname: str
    package: str
    xcb_only: bool
    """True when only the xcb platform plugin needs it; False when QtGui itself links it."""

    @property
    def stem(self) -> str:
        """The name ``ctypes.util.find_library`` takes: ``libxcb-cursor.so.0`` -> ``xcb-cursor``."""
        name = self.soname.removeprefix("lib")
        return name.split(".so", 1)[0]


@dataclass(frozen=True, slots=True)
class MissingLibrary:
    """A library the loader could not open, with the package to install."""

    soname: str
    package: str
    other_version: str | None = None
    """Another soname of the same library that is installed (wrong version), if any."""


# Found one at a time on a minimal Debian 12 with QT_DEBUG_PLUGINS=1 and mapped with `dpkg -S`;
# xcb_only from `readelf -d` of libQt6Gui.so.6 versus the xcb plugin (PySide6 6.12).
QT_LIBRARIES: Final[tuple[QtLibrary, ...]] = (
    QtLibrary("libGL.so.1", "libgl1", xcb_only=False),
    QtLibrary("libEGL.so.1", "libegl1", xcb_only=False),
    QtLibrary("libxkbcommon.so.0", "libxkbcommon0", xcb_only=False),
    QtLibrary("libglib-2.0.so.0", "libglib2.0-0", xcb_only=False),
    QtLibrary("libfreetype.so.6", "libfreetype6", xcb_only=False),
    QtLibrary("libfontconfig.so.1", "libfontconfig1", xcb_only=False),
    QtLibrary("libdbus-1.so.3", "libdbus-1-3", xcb_only=False),
    QtLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", xcb_only=True),
    QtLibrary("libxcb-cursor.so.0", "libxcb-cursor0", xcb_only=True),
    QtLibrary("libxcb-icccm.so.4", "libxcb-icccm4", xcb_only=True),
    QtLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", xcb_only=True),
    QtLibrary("libxcb-shape.so.0", "libxcb-shape0", xcb_only=True),
)


def can_load_library(soname: str) -> bool:
    """Return True when the dynamic loader can open ``soname`` (and everything it links)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def find_other_version(stem: str) -> str | None:
    """Return the soname ``ctypes.util.find_library`` knows for ``stem``, if any.

    Only called for libraries that failed to load, because it may spawn ``ldconfig``/``gcc``.
    """
    return ctypes.util.find_library(stem)


def missing_qt_libraries(
    *,
    can_load: LibraryLoader = can_load_library,
    find: LibraryFinder = find_other_version,
    include_xcb: bool = True,
) -> list[MissingLibrary]:
    """List the libraries from :data:`QT_LIBRARIES` that cannot be loaded, in table order.

    ``include_xcb=False`` checks only what QtGui itself needs (for headless platform plugins).
    """
    missing: list[MissingLibrary] = []
    for lib in QT_LIBRARIES:
        if (lib.xcb_only and not include_xcb) or can_load(lib.soname):
            continue
        found = find(lib.stem)
        other = found if found and found != lib.soname else None
        missing.append(MissingLibrary(lib.soname, lib.package, other_version=other))
    return missing


def install_hint(missing: Iterable[MissingLibrary]) -> str:
    """Return the apt command that installs ``missing``, or ``""`` when nothing is missing.

    >>> install_hint([MissingLibrary("libxcb-icccm.so.4", "libxcb-icccm4")])
    'sudo apt-get install libxcb-icccm4'
    """
    packages = list(dict.fromkeys(lib.package for lib in missing))  # dedupe, keep order
    if not packages:
        return ""
    return "sudo apt-get install " + " ".join(packages)


def _qpa_platform(environ: Mapping[str, str]) -> str:
    """Return the first platform plugin named by QT_QPA_PLATFORM, without its options.

    Qt accepts a fallback list ``"wayland;xcb"`` and options ``"offscreen:fontengine=..."``.
    """
    value = environ.get("QT_QPA_PLATFORM", "").strip()
    return re.split(r"[;:]", value, maxsplit=1)[0].strip().lower()


def check_gui_environment(
    environ: Mapping[str, str],
    platform: str,
    *,
    can_load: LibraryLoader = can_load_library,
    find: LibraryFinder = find_other_version,
) -> str | None:
    """Return a message for the user when the GUI cannot start here, or None when it can.

    ``environ`` is usually ``os.environ`` and ``platform`` is ``sys.platform``. Only Linux is
    checked: elsewhere Qt ships everything it needs. With a headless platform plugin
    (``QT_QPA_PLATFORM=offscreen`` or ``minimal``) no display and no xcb library is needed, but
    QtGui's own libraries still are (``import PySide6.QtGui`` fails without libGL.so.1); the
    same goes for a Wayland-only session.
    """
    if not platform.startswith("linux"):
        return None
    qpa = _qpa_platform(environ)
    if qpa in _HEADLESS_QPA_PLATFORMS:
        include_xcb = False
    else:
        has_x11 = bool(environ.get("DISPLAY"))
        if not has_x11 and not environ.get("WAYLAND_DISPLAY"):
            return (
                "No graphical session found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the "
                "tray icon cannot be shown.\n"
                "Start Presence Tray from your desktop session, or use the command line from "
                "here, for example: presence-tray status"
            )
        # Qt picks xcb when asked to, or by default whenever an X server is reachable.
        include_xcb = qpa == "xcb" or (qpa != "wayland" and has_x11)
    missing = missing_qt_libraries(can_load=can_load, find=find, include_xcb=include_xcb)
    if not missing:
        return None
    lines = [
        "Qt cannot start because these system libraries are missing:",
        *(_describe(lib) for lib in missing),
        "On Debian or Ubuntu, install them with:",
        f"  {install_hint(missing)}",
    ]
    return "\n".join(lines)


def _describe(lib: MissingLibrary) -> str:
    """One bullet line for the message: soname, package and any wrong version found."""
    line = f"  - {lib.soname} (package {lib.package})"
    if lib.other_version:
        line += f"; found {lib.other_version}, which is a different version"
    return line
