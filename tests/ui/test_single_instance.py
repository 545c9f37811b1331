"""One running app per user and data folder: the name, the handshake, a crash's leftover
socket, and the real app started twice."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from presence_tray.ui.single_instance import (
    ACK,
    ALREADY_RUNNING,
    SHOW,
    Forwarded,
    SingleInstance,
    forward_to_running,
    instance_name,
    socket_path,
)

if TYPE_CHECKING:
    import logging
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

SECOND_LAUNCH_SECONDS = 10.0
"""Generous for a loaded CI machine; here a second launch takes about 0.7 s."""


@pytest.fixture
def name(tmp_path: Path) -> str:
    return instance_name(tmp_path)


@pytest.fixture
def instance(name: str) -> Iterator[SingleInstance]:
    guard = SingleInstance(name)
    yield guard
    guard.close()


def test_the_name_is_per_user_and_per_data_folder(tmp_path: Path):
    first = instance_name(tmp_path / "a")
    assert first == instance_name(tmp_path / "a")
    assert first != instance_name(tmp_path / "b")
    assert Path(first).name.startswith(f"presence-tray-{os.getuid()}-")
    assert len(first) < 100  # a Unix socket's path has room for about 108 bytes
    runtime = tmp_path / "run"
    runtime.mkdir()
    private = instance_name(tmp_path / "a", {"XDG_RUNTIME_DIR": str(runtime)})
    assert private == str(runtime / Path(first).name)
    assert instance_name(tmp_path / "a", {"XDG_RUNTIME_DIR": "relative"}) == Path(first).name


def test_nobody_running(name: str):
    assert forward_to_running(name) is Forwarded.NOT_RUNNING


def connected(name: str) -> socket.socket:
    """A client connected to the instance listening as ``name`` (blocking, 2 s at most)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(2.0)
    client.connect(str(socket_path(name)))
    return client


def answer_of(client: socket.socket, qtbot: QtBot) -> bytes:
    """What the instance answered, once it has (Qt's event loop runs meanwhile)."""
    client.settimeout(0.0)
    received = bytearray()

    def answered() -> bool:
        with contextlib.suppress(BlockingIOError):
            received.extend(client.recv(64))
        return ACK in received

    qtbot.waitUntil(answered, timeout=2000)
    return bytes(received)


def test_the_first_instance_listens_and_answers_show(
    instance: SingleInstance, name: str, qtbot: QtBot
):
    assert instance.acquire() is None
    assert instance.listening
    assert instance.name == name
    with connected(name) as client:
        with qtbot.waitSignal(instance.show_requested, timeout=2000):
            client.sendall(SHOW)
        assert answer_of(client, qtbot) == ACK


def test_a_request_may_arrive_in_pieces(instance: SingleInstance, name: str, qtbot: QtBot):
    assert instance.acquire() is None
    with connected(name) as client:
        with qtbot.assertNotEmitted(instance.show_requested, wait=100):
            client.sendall(SHOW[:2])
        with qtbot.waitSignal(instance.show_requested, timeout=2000):
            client.sendall(SHOW[2:])
        assert answer_of(client, qtbot) == ACK


def test_anything_but_show_is_ignored(instance: SingleInstance, name: str, qtbot: QtBot):
    assert instance.acquire() is None
    for junk in (b"hello\n", b"x" * 200, b""):
        with connected(name) as client, qtbot.assertNotEmitted(instance.show_requested, wait=100):
            client.sendall(junk)
    # Still listening and answering after the junk (and a client that said nothing).
    with connected(name) as client:
        with qtbot.waitSignal(instance.show_requested, timeout=2000):
            client.sendall(SHOW)
        assert answer_of(client, qtbot) == ACK


def test_a_launch_that_gets_no_answer_says_so(name: str):
    # Something holds the name and accepts, but never answers (a stuck app).
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stuck:
        stuck.bind(str(socket_path(name)))
        stuck.listen()
        assert forward_to_running(name, answer_timeout_ms=200) is Forwarded.NO_ANSWER


def test_a_name_that_cannot_be_had_is_said_and_the_app_runs_on(
    tmp_path: Path, expected_warnings: list[logging.LogRecord]
):
    guard = SingleInstance(str(tmp_path / "no such folder" / "presence-tray"))
    assert guard.acquire() is None  # runs as if first: no second launch can reach it
    assert not guard.listening
    guard.close()
    said = f"could not listen as {guard.name} (No such file or directory)"
    assert [r.getMessage() for r in expected_warnings] == [
        f"{said}; a second launch will start another copy"
    ]


def test_closing_removes_only_its_own_socket(name: str):
    path = socket_path(name)
    bystander = SingleInstance(name)
    path.write_text("someone else's")  # not ours: this instance never listened
    bystander.close()
    assert path.exists()


def test_a_stale_socket_left_by_a_crash_is_taken_over(instance: SingleInstance, name: str):
    path = socket_path(name)
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(path))
    leftover.close()  # the file stays, as after a SIGKILL
    assert path.exists()
    assert forward_to_running(name) is Forwarded.NOT_RUNNING
    assert instance.acquire() is None
    assert instance.listening
    instance.close()
    assert not path.exists()


# -- the real app, twice ---------------------------------------------------------------------


class AppProcess:
    """``python -m presence_tray`` on the offscreen platform, its stderr in a file."""

    def __init__(self, stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        with stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "presence_tray", "--people", "5", "-v"],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr():
                return
            assert self.process.poll() is None, self.stderr()
            time.sleep(0.05)
        pytest.fail(f"the app never logged {text!r}:\n{self.stderr()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def first_app(tmp_path: Path) -> Iterator[AppProcess]:
    running = AppProcess(tmp_path / "first.log")
    yield running
    running.stop()


def second_launch() -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "presence_tray", "--people", "5"],
        capture_output=True,
        text=True,
        timeout=SECOND_LAUNCH_SECONDS * 3,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return done, time.monotonic() - started


def test_a_second_launch_brings_the_first_forward_and_exits(first_app: AppProcess):
    first_app.wait_for_log("single instance: listening as")
    done, seconds = second_launch()
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ALREADY_RUNNING
    assert seconds < SECOND_LAUNCH_SECONDS
    first_app.wait_for_log("another launch asked for the window", timeout=5)
    assert first_app.process.poll() is None, first_app.stderr()
    # The handshake from this process too: a launch that lost the race to listen asks the
    # winner instead (the branch inside SingleInstance.acquire).
    data_dir = Path(os.environ["PRESENCE_TRAY_DATA_DIR"])
    loser = SingleInstance(instance_name(data_dir))
    try:
        assert loser.acquire() is Forwarded.SHOWN
        assert not loser.listening
    finally:
        loser.close()
    assert first_app.process.poll() is None
    assert "Traceback" not in first_app.stderr()
