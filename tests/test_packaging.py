"""What the packages ship: valid desktop files, the Qt modules the bundle keeps, autostart."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import presence_tray
from presence_tray import autostart
from tests.packaged_app import REPO_ROOT

if TYPE_CHECKING:
    from types import ModuleType

LINUX = REPO_ROOT / "packaging" / "linux"
DESKTOP_FILE = LINUX / f"{autostart.APP_ID}.desktop"
METAINFO = LINUX / f"{autostart.APP_ID}.metainfo.xml"


def bundle_policy() -> ModuleType:
    """packaging/bundle_policy.py, loaded by path (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "bundle_policy", LINUX.parent / "bundle_policy.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry_keys(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(text)
    return dict(parser["Desktop Entry"])


def validate_desktop_file(path: Path) -> None:
    done = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout, done.stdout


def qt_modules_imported() -> set[str]:
    """Every ``PySide6.QtX`` the package's source imports."""
    found: set[str] = set()
    for source in Path(presence_tray.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found.update(n.split(".")[1] for n in names if n.startswith("PySide6.Qt"))
    return found


def test_the_bundle_keeps_every_qt_module_the_app_imports():
    policy = bundle_policy()
    assert qt_modules_imported() == set(policy.USED_QT_MODULES)
    assert not set(policy.USED_QT_MODULES) & set(policy.UNUSED_QT_MODULES)


@pytest.mark.packaging_tools
def test_the_desktop_file_and_metainfo_are_valid():
    validate_desktop_file(DESKTOP_FILE)
    done = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.packaging_tools
@pytest.mark.parametrize("frozen", [False, True])
def test_the_autostart_entry_is_valid_and_names_the_app_as_the_menu_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen: bool
):
    if frozen:  # as in the bundle: the executable is the app
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        monkeypatch.setattr(sys, "executable", str(tmp_path / "my apps" / "presence-tray"))
    entry = tmp_path / "autostart" / autostart.ENTRY_NAME
    autostart.set_enabled(enabled=True, path=entry)
    validate_desktop_file(entry)
    written, menu = entry_keys(entry.read_text()), entry_keys(DESKTOP_FILE.read_text())
    for key in ("Type", "Version", "Name", "Comment", "Icon", "Terminal"):
        assert written[key] == menu[key], key
    if frozen:
        assert written["Exec"] == f'"{tmp_path}/my apps/presence-tray"'
        assert written["Path"] == f"{tmp_path}/my apps"
    else:
        assert written["Exec"].endswith(" -m presence_tray")
