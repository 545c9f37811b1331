"""Where the data folder is: --data-dir, then the environment, then the platform default."""

from __future__ import annotations

from pathlib import Path

from presence_tray.storage.paths import (
    DATA_DIR_ENV,
    DATABASE_FILE,
    database_path,
    default_data_dir,
    resolve_data_dir,
)


def test_option_beats_environment_beats_default(tmp_path: Path) -> None:
    environ = {DATA_DIR_ENV: str(tmp_path / "env")}
    assert resolve_data_dir(str(tmp_path / "opt"), environ) == tmp_path / "opt"
    assert resolve_data_dir(None, environ) == tmp_path / "env"
    assert resolve_data_dir(None, {}) == default_data_dir()
    assert resolve_data_dir("", {DATA_DIR_ENV: ""}) == default_data_dir()


def test_default_is_the_user_data_folder() -> None:
    assert default_data_dir().name == "presence-tray"
    assert database_path(Path("/x")) == Path("/x") / DATABASE_FILE


def test_home_is_expanded(monkeypatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert resolve_data_dir("~/pt", {}) == Path("/home/someone/pt")
