"""Start at login: the XDG autostart entry, its Exec quoting, its state and its errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from presence_tray import autostart
from presence_tray.autostart import AutostartError, autostart_path, exec_quote, is_enabled

if TYPE_CHECKING:
    import logging


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG_CONFIG_HOME."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def read_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:])


def unquote_exec(value: str) -> list[str]:
    """Read an Exec value back as a desktop would: the string value's escapes first, then
    arguments split on spaces, double quotes with backslash escapes, ``%%`` as ``%``."""
    unescaped = value.replace("\\\\", "\0").replace("\\n", "\n").replace("\0", "\\")
    arguments: list[str] = []
    current: list[str] | None = None
    quoted = escaped = False
    for char in unescaped:
        if escaped:
            current = [*(current or []), char]
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
            current = current or []
        elif char == " " and not quoted:
            if current is not None:
                arguments.append("".join(current))
            current = None
        else:
            current = [*(current or []), char]
    if current is not None:
        arguments.append("".join(current))
    return [argument.replace("%%", "%") for argument in arguments]


def test_the_entry_goes_under_xdg_config_home(config_home: Path) -> None:
    assert autostart_path() == config_home / "autostart" / "presence-tray.desktop"


@pytest.mark.parametrize("value", ["", "relative/config"])
def test_an_unset_or_relative_xdg_config_home_means_dot_config(value: str) -> None:
    assert autostart_path({"XDG_CONFIG_HOME": value}) == (
        Path.home() / ".config" / "autostart" / "presence-tray.desktop"
    )


def test_switching_on_writes_an_entry_that_runs_this_python(config_home: Path) -> None:
    assert not is_enabled()
    autostart.set_enabled(enabled=True)
    assert is_enabled()
    entry = read_entry(autostart_path())
    assert entry["Type"] == "Application"
    assert unquote_exec(entry["Exec"]) == [sys.executable, "-m", "presence_tray"]
    assert Path(entry["Path"], "presence_tray", "__init__.py").is_file()
    autostart.set_enabled(enabled=False)
    assert not is_enabled()
    assert not autostart_path().exists()
    autostart.set_enabled(enabled=False)  # switching off twice is fine


@pytest.mark.parametrize(
    ("argument", "written"),
    [
        ("/usr/bin/python3", "/usr/bin/python3"),
        ("/home/a b/python", '"/home/a b/python"'),
        ("/opt/$HOME/py", '"/opt/\\\\$HOME/py"'),
        ('say "hi"', '"say \\\\"hi\\\\""'),
        ("C:\\py", '"C:\\\\\\\\py"'),  # a literal backslash is four in the file
        ("100%", "100%%"),
        ("", '""'),
    ],
)
def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says(
    argument: str, written: str
) -> None:
    assert exec_quote(argument) == written
    assert unquote_exec(written) == [argument]


@pytest.mark.parametrize(
    ("text", "enabled"),
    [
        ("[Desktop Entry]\nExec=x\nHidden=true\n", False),
        ("[Desktop Entry]\nExec=x\nX-GNOME-Autostart-enabled=false\n", False),
        ("[Desktop Entry]\nExec=x\n", True),
    ],
)
def test_the_state_is_what_the_file_says(config_home: Path, text: str, enabled: bool) -> None:
    path = autostart_path()
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    assert is_enabled() is enabled


def test_a_read_only_folder_is_a_sentence_not_a_crash(
    config_home: Path, expected_warnings: list[logging.LogRecord]
) -> None:
    # A file where the autostart folder should be: refused even for root, unlike chmod.
    config_home.mkdir()
    (config_home / "autostart").write_text("not a folder", encoding="utf-8")
    with pytest.raises(AutostartError, match="start at login is unchanged") as caught:
        autostart.set_enabled(enabled=True)
    assert "Check that the folder is yours and writable" in str(caught.value)
    assert not is_enabled()  # unreadable counts as off
    assert [record.getMessage().split(" ", 3)[:3] for record in expected_warnings] == [
        ["could", "not", "write"],
        ["could", "not", "read"],
    ]
