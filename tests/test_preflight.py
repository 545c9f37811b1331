"""Tests for presence_tray.preflight: the Qt-free check that runs before the GUI starts."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from presence_tray import preflight
from presence_tray.preflight import (
    QT_LIBRARIES,
    MissingLibrary,
    check_gui_environment,
    install_hint,
    missing_qt_libraries,
)

if TYPE_CHECKING:
    from collections.abc import Callable

X11 = {"DISPLAY": ":1"}
ALL_SONAMES = {lib.soname for lib in QT_LIBRARIES}
XCB_ONLY = {lib.soname for lib in QT_LIBRARIES if lib.xcb_only}


def loader_without(*absent: str) -> Callable[[str], bool]:
    """A fake loader that can open every library except ``absent``."""
    return lambda soname: soname not in absent


def no_other_version(_stem: str) -> str | None:
    """A fake find_library that finds nothing."""
    return None


def test_table_covers_the_libraries_qt_xcb_needs() -> None:
    packages = {lib.soname: lib.package for lib in QT_LIBRARIES}
    assert packages == {
        "libxcb-cursor.so.0": "libxcb-cursor0",
        "libxcb-icccm.so.4": "libxcb-icccm4",
        "libxcb-keysyms.so.1": "libxcb-keysyms1",
        "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
        "libxkbcommon.so.0": "libxkbcommon0",
        "libEGL.so.1": "libegl1",
        "libGL.so.1": "libgl1",
        "libfontconfig.so.1": "libfontconfig1",
        "libdbus-1.so.3": "libdbus-1-3",
        "libxcb-shape.so.0": "libxcb-shape0",
        "libglib-2.0.so.0": "libglib2.0-0",
        "libfreetype.so.6": "libfreetype6",
    }


@pytest.mark.parametrize(
    ("soname", "stem"),
    [
        ("libxcb-cursor.so.0", "xcb-cursor"),
        ("libGL.so.1", "GL"),
        ("libglib-2.0.so.0", "glib-2.0"),
        ("libdbus-1.so.3", "dbus-1"),
    ],
)
def test_stem_is_what_find_library_takes(soname: str, stem: str) -> None:
    (lib,) = [lib for lib in QT_LIBRARIES if lib.soname == soname]
    assert lib.stem == stem


def test_nothing_missing_when_everything_loads() -> None:
    assert missing_qt_libraries(can_load=lambda _: True, find=no_other_version) == []


def test_missing_libraries_keep_table_order_and_name_packages() -> None:
    missing = missing_qt_libraries(
        can_load=loader_without("libxcb-keysyms.so.1", "libxcb-icccm.so.4"),
        find=no_other_version,
    )
    assert missing == [
        MissingLibrary("libxcb-icccm.so.4", "libxcb-icccm4"),
        MissingLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ]


def test_nothing_loads_reports_every_library() -> None:
    missing = missing_qt_libraries(can_load=lambda _: False, find=no_other_version)
    assert {m.soname for m in missing} == ALL_SONAMES


def test_without_xcb_only_gui_core_libraries_are_checked() -> None:
    checked: list[str] = []

    def spy(soname: str) -> bool:
        checked.append(soname)
        return True

    missing_qt_libraries(can_load=spy, find=no_other_version, include_xcb=False)
    assert set(checked) == ALL_SONAMES - XCB_ONLY


def test_a_different_installed_version_is_reported() -> None:
    missing = missing_qt_libraries(
        can_load=loader_without("libxcb-cursor.so.0"),
        find=lambda stem: "libxcb-cursor.so.1" if stem == "xcb-cursor" else None,
    )
    assert missing == [
        MissingLibrary("libxcb-cursor.so.0", "libxcb-cursor0", other_version="libxcb-cursor.so.1")
    ]


def test_find_returning_the_same_soname_is_not_another_version() -> None:
    missing = missing_qt_libraries(
        can_load=loader_without("libGL.so.1"),
        find=lambda _stem: "libGL.so.1",
    )
    assert missing == [MissingLibrary("libGL.so.1", "libgl1")]


def test_install_hint_is_the_exact_apt_line() -> None:
    missing = [
        MissingLibrary("libxcb-icccm.so.4", "libxcb-icccm4"),
        MissingLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ]
    assert install_hint(missing) == "sudo apt-get install libxcb-icccm4 libxcb-keysyms1"


def test_install_hint_deduplicates_packages() -> None:
    missing = [MissingLibrary("libA.so.1", "pkg-a"), MissingLibrary("libA.so.2", "pkg-a")]
    assert install_hint(missing) == "sudo apt-get install pkg-a"


def test_install_hint_is_empty_when_nothing_is_missing() -> None:
    assert install_hint([]) == ""


@pytest.mark.parametrize("platform", ["win32", "darwin", "freebsd14"])
def test_non_linux_is_never_checked(platform: str) -> None:
    def must_not_load(soname: str) -> bool:
        raise AssertionError(soname)

    assert check_gui_environment({}, platform, can_load=must_not_load) is None


def test_linux_with_display_and_all_libraries_is_fine() -> None:
    assert check_gui_environment(X11, "linux", can_load=lambda _: True) is None


@pytest.mark.parametrize("environ", [{}, {"DISPLAY": ""}, {"DISPLAY": "", "WAYLAND_DISPLAY": ""}])
def test_no_graphical_session_suggests_the_cli(environ: dict[str, str]) -> None:
    message = check_gui_environment(environ, "linux", can_load=lambda _: True)
    assert message is not None
    assert "No graphical session" in message
    assert "presence-tray status" in message


def test_no_session_wins_over_missing_libraries() -> None:
    message = check_gui_environment({}, "linux", can_load=lambda _: False, find=no_other_version)
    assert message is not None
    assert "No graphical session" in message
    assert "apt-get" not in message


def test_missing_libraries_give_the_install_hint() -> None:
    message = check_gui_environment(
        X11,
        "linux",
        can_load=loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1"),
        find=no_other_version,
    )
    assert message is not None
    assert "libxcb-icccm.so.4" in message
    assert "libxcb-keysyms.so.1" in message
    assert message.splitlines()[-1].strip() == "sudo apt-get install libxcb-icccm4 libxcb-keysyms1"


def test_message_mentions_a_wrong_version() -> None:
    message = check_gui_environment(
        X11,
        "linux",
        can_load=loader_without("libxcb-cursor.so.0"),
        find=lambda _stem: "libxcb-cursor.so.1",
    )
    assert message is not None
    assert "found libxcb-cursor.so.1" in message


@pytest.mark.parametrize(
    "qpa", ["offscreen", "minimal", "OFFSCREEN", " offscreen ", "offscreen:fontengine=freetype"]
)
def test_headless_platform_needs_no_display_nor_xcb_libraries(qpa: str) -> None:
    environ = {"QT_QPA_PLATFORM": qpa}  # and no DISPLAY
    assert check_gui_environment(environ, "linux", can_load=loader_without(*XCB_ONLY)) is None


def test_headless_platform_still_needs_qtgui_libraries() -> None:
    message = check_gui_environment(
        {"QT_QPA_PLATFORM": "offscreen"},
        "linux",
        can_load=loader_without("libGL.so.1"),
        find=no_other_version,
    )
    assert message is not None
    assert "sudo apt-get install libgl1" in message


def test_wayland_only_session_skips_xcb_libraries() -> None:
    environ = {"WAYLAND_DISPLAY": "wayland-0"}
    assert check_gui_environment(environ, "linux", can_load=loader_without(*XCB_ONLY)) is None


def test_explicit_wayland_skips_xcb_libraries_even_with_xwayland() -> None:
    environ = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "wayland;xcb"}
    assert check_gui_environment(environ, "linux", can_load=loader_without(*XCB_ONLY)) is None


def test_explicit_xcb_checks_xcb_libraries() -> None:
    environ = {"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}
    message = check_gui_environment(
        environ, "linux", can_load=loader_without("libxcb-shape.so.0"), find=no_other_version
    )
    assert message is not None
    assert "libxcb-shape0" in message


def test_real_loader_rejects_a_library_that_does_not_exist() -> None:
    assert preflight.can_load_library("libpresence-tray-does-not-exist.so.0") is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux shared libraries")
def test_real_loader_opens_libc() -> None:
    assert preflight.can_load_library("libc.so.6") is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux shared libraries")
def test_real_finder_knows_libc() -> None:
    found = preflight.find_other_version("c")
    assert found is not None
    assert found.startswith("libc.so")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux shared libraries")
def test_this_machine_has_every_qt_library() -> None:
    """scripts/system-packages.sh installs the runtime set; after it nothing may be missing."""
    missing = missing_qt_libraries()
    assert missing == [], install_hint(missing)


def test_preflight_does_not_import_qt() -> None:
    """It must run where PySide6 cannot load, so importing it must not pull Qt in."""
    code = (
        "import sys, presence_tray.preflight as p; p.missing_qt_libraries(); "
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'}); "
        "print(qt, file=sys.stderr); sys.exit(bool(qt))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
