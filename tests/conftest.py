"""Session-wide test plumbing: desktop/keyring markers and "a WARNING fails the test".

Markers (registered in pyproject.toml):

* ``@pytest.mark.desktop`` needs a real X display with a tray host; ``@pytest.mark.keyring``
  needs a real Secret Service. Both are available when ``PRESENCE_TRAY_DESKTOP=1``, which
  ``scripts/desktop-session.sh`` writes into its env file. Otherwise such tests are skipped,
  except under ``PRESENCE_TRAY_REQUIRE_DESKTOP=1`` (set by ``scripts/run-tests.sh``) or ``CI``,
  where a missing desktop is an error: a green run must not hide skipped end-to-end tests.
* ``@pytest.mark.oidc`` needs ``node`` and the test OAuth server's npm packages
  (``tests/servers/oidc/node_modules``, installed by ``scripts/run-tests.sh``); skipped without
  them, an error under the same two variables. ``@pytest.mark.synapse`` (the Matrix homeserver's
  venv, ``tests/servers/synapse/.venv``), ``@pytest.mark.prosody`` (Debian's ``prosody``),
  ``packages`` and ``packaging_tools`` (``tests/packaged_app.py``) work the same way.

Logging: any record at WARNING or above from the ``presence_tray`` logger tree, or at ERROR
from ``asyncio`` (a leaked or unobserved task; tests run in asyncio debug mode), fails the
test that caused it. A test that expects warnings requests the ``expected_warnings`` fixture.

Feature fixtures belong in the sub-directories' own conftest.py files; keep this one small.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from presence_tray.local_api.discovery import PORT_VARIABLE
from tests import packaged_app
from tests.servers import prosody_server, synapse_server

pytest_plugins = ["tests.servers.fixtures"]  # the prosody and trusted fixtures

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from presence_tray.storage.local_store import LocalStore

_ENV_MARKERS = ("desktop", "keyring")
_HOW_TO_RUN = (
    "start the test desktop first: run scripts/run-tests.sh, or "
    "`scripts/desktop-session.sh start` and source the env file it writes"
)


_OIDC_SERVER = Path(__file__).parent / "servers" / "oidc"
_HOW_TO_INSTALL_OIDC = (
    "install node (>= 20) and run `npm ci` in tests/servers/oidc, or run scripts/run-tests.sh"
)


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no"}


def _must_not_skip() -> bool:
    return _truthy("PRESENCE_TRAY_REQUIRE_DESKTOP") or _truthy("CI")


def _oidc_server_installed() -> bool:
    return bool(shutil.which("node")) and (_OIDC_SERVER / "node_modules" / "oidc-provider").is_dir()


# marker -> (is its real server installed?, how to install it); see tests/servers/.
_REAL_SERVERS: dict[str, tuple[Callable[[], bool], str]] = {
    "synapse": (synapse_server.synapse_installed, synapse_server.HOW_TO_INSTALL),
    "prosody": (prosody_server.prosody_installed, prosody_server.HOW_TO_INSTALL),
    "packages": (packaged_app.packages_built, packaged_app.HOW_TO_BUILD),
    "packaging_tools": (packaged_app.packaging_tools_installed, packaged_app.HOW_TO_INSTALL_TOOLS),
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, or fail, tests whose marker asks for a desktop/keyring/server that is not there."""
    if item.get_closest_marker("oidc") and not _oidc_server_installed():
        if _must_not_skip():
            pytest.fail(
                f"this oidc test needs the test OAuth server; {_HOW_TO_INSTALL_OIDC}", pytrace=False
            )
        pytest.skip(f"needs the test OAuth server; {_HOW_TO_INSTALL_OIDC}")
    for marker, (installed, how_to_install) in _REAL_SERVERS.items():
        if item.get_closest_marker(marker) and not installed():
            if _must_not_skip():
                pytest.fail(f"this {marker} test needs its server; {how_to_install}", pytrace=False)
            pytest.skip(f"needs the {marker} server; {how_to_install}")
    needed = [name for name in _ENV_MARKERS if item.get_closest_marker(name)]
    if not needed or os.environ.get("PRESENCE_TRAY_DESKTOP") == "1":
        return
    what = " and ".join(needed)
    if _must_not_skip():
        pytest.fail(f"this {what} test needs PRESENCE_TRAY_DESKTOP=1; {_HOW_TO_RUN}", pytrace=False)
    pytest.skip(f"needs a {what} session (PRESENCE_TRAY_DESKTOP=1); {_HOW_TO_RUN}")


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty data folder (``PRESENCE_TRAY_DATA_DIR``, so app processes
    a test starts use it too): none reads or writes the user's real one. Request it by name
    for its path."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("PRESENCE_TRAY_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _local_api_on_a_free_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local API of every app a test runs (in this process or started as a process)
    listens on a free port, never the default one: suites run side by side, and a user's
    running app may hold it. A test wanting a given port sets the variable itself."""
    monkeypatch.setenv(PORT_VARIABLE, "0")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[LocalStore]:
    """The app's real local store over a new SQLite file, closed after the test."""
    from presence_tray.storage.local_store import LocalStore

    opened = await LocalStore.open(tmp_path / "presence.sqlite3")
    yield opened
    await opened.aclose()


class _WarningCollector(logging.Handler):
    """Keeps every record at WARNING or above that reaches it."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def report(self) -> str:
        return "\n".join(f"  {r.levelname} {r.name}: {r.getMessage()}" for r in self.records)


_COLLECTOR_KEY = pytest.StashKey[_WarningCollector]()


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test during which a ``presence_tray`` logger logged WARNING or above.

    Records from the test body fail the test itself (see ``pytest_runtest_call``); records from
    fixture teardown are reported here, as a teardown error. Requesting ``expected_warnings``
    hands the records to the test and turns this check off for it.
    """
    collector = _WarningCollector()
    logger = logging.getLogger("presence_tray")
    logger.addHandler(collector)
    # asyncio's own ERRORs ("Task was destroyed but it is pending", "exception was never
    # retrieved") mean a leaked or unobserved task: they fail the test too. Its WARNINGs
    # (debug mode's slow-callback notes) do not.
    asyncio_errors = _WarningCollector()
    asyncio_errors.setLevel(logging.ERROR)
    asyncio_errors.records = collector.records
    asyncio_logger = logging.getLogger("asyncio")
    asyncio_logger.addHandler(asyncio_errors)
    request.node.stash[_COLLECTOR_KEY] = collector
    try:
        yield
    finally:
        logger.removeHandler(collector)
        asyncio_logger.removeHandler(asyncio_errors)
    if collector.records and "expected_warnings" not in request.fixturenames:
        pytest.fail(f"unexpected warnings were logged:\n{collector.report()}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test (not just its teardown) when its body logged an unexpected warning."""
    collector = item.stash.get(_COLLECTOR_KEY, None)
    try:
        result = yield
    except BaseException:
        # The test already failed; its log is in pytest's "Captured log" section. Don't
        # report the same warnings again as a teardown error.
        if collector is not None:
            collector.records.clear()
        raise
    if (
        collector is not None
        and collector.records
        and "expected_warnings" not in getattr(item, "fixturenames", ())
    ):
        report = collector.report()
        collector.records.clear()  # reported once, not again at teardown
        pytest.fail(f"unexpected warnings were logged:\n{report}", pytrace=False)
    return result


@pytest.fixture
def expected_warnings(request: pytest.FixtureRequest) -> list[logging.LogRecord]:
    """The WARNING+ records logged by ``presence_tray`` loggers during this test (live list).

    Requesting this fixture means the test owns those records: the automatic "unexpected
    warning" failure is off for it, so it must assert on them itself, for example::

        def test_bad_payload_is_logged(expected_warnings):
            parse(b"garbage")
            assert [r.getMessage() for r in expected_warnings] == ["dropped bad payload"]
    """
    collector: _WarningCollector = request.node.stash[_COLLECTOR_KEY]
    return collector.records
