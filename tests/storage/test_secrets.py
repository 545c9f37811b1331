"""The keyring secret store: real Secret Service round trips, refused backends, clean errors.

The ``keyring``-marked tests talk to the test desktop's unlocked gnome-keyring; the others
swap in small backends (``keyring.set_keyring``, restored afterwards) and run anywhere.
"""

# The test backends keep keyring's method signatures, whose arguments they often ignore.
# ruff: noqa: ARG002

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.backends.fail import Keyring as FailKeyring
from keyring.backends.null import Keyring as NullKeyring
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordDeleteError,
)
from secretstorage.exceptions import ItemNotFoundException

from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.secrets import SecretStore, SecretStoreUnavailableError
from presence_tray.storage.secrets import (
    KEYRING_CONFIG_MESSAGE,
    KEYRING_DISABLED_MESSAGE,
    KEYRING_FAILED_MESSAGE,
    KEYRING_LOCKED_MESSAGE,
    KEYRING_TIMEOUT_MESSAGE,
    NO_KEYRING_MESSAGE,
    PLAINTEXT_KEYRING_MESSAGE,
    PROMPT_DISMISSED_MESSAGE,
    SERVICE_NAME,
    VANISHED_ITEM_ATTEMPTS,
    KeyringSecretStore,
    KeyringWebhookSecrets,
    check_backend,
    describe_backend,
    keyring_username,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

SECRET = "FAKE-TEST-TOKEN-4f1d2c9e-do-not-leak"  # obviously fake, recognisable if it leaks
WORK = AccountRef(Platform.SLACK, "work")
HOME = AccountRef(Platform.SLACK, "home")


# ------------------------------------------------------------------------- test backends
# Every test backend has a negative priority: KeyringBackend subclasses register themselves
# globally, and keyring's own detection (or a ChainerBackend) must never pick one of these.


class MemoryBackend(KeyringBackend):
    """A dict, standing in for a real OS store."""

    priority = -10

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            msg = "No such password!"
            raise PasswordDeleteError(msg)


class FakePlaintextKeyring(MemoryBackend):
    """Claims to be keyrings.alt's base64-in-a-file store."""

    __module__ = "keyrings.alt.file"


class PlaintextSubclass(FakePlaintextKeyring):
    """A backend built on a keyrings.alt store, from another module."""

    __module__ = "somebody.else"


class FailingBackend(MemoryBackend):
    """Every call raises ``error_type`` with a message that echoes the secret, as some do."""

    def __init__(self, error_type: type[Exception]) -> None:
        super().__init__()
        self.error_type = error_type

    def _fail(self, username: str) -> None:
        msg = f"cannot use {username} with {SECRET}"
        raise self.error_type(msg)

    def get_password(self, service: str, username: str) -> str | None:
        self._fail(username)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._fail(username)

    def delete_password(self, service: str, username: str) -> None:
        self._fail(username)


class BlockingBackend(MemoryBackend):
    """get_password hangs, like a keyring waiting on an unlock prompt, until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(timeout=10)
        return SECRET


class CountingBackend(MemoryBackend):
    """Records how many calls ran at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.most = 0
        self._guard = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._guard:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02)
        with self._guard:
            self.running -= 1
        return None


class PlaintextOnlyChain(ChainerBackend):
    priority = -10
    backends: ClassVar[list[KeyringBackend]] = [FakePlaintextKeyring()]


class EmptyChain(ChainerBackend):
    priority = -10
    backends: ClassVar[list[KeyringBackend]] = []


class PlaintextFirstChain(ChainerBackend):
    priority = -10
    backends: ClassVar[list[KeyringBackend]] = [FakePlaintextKeyring(), MemoryBackend()]


class RealFirstChain(ChainerBackend):
    priority = -10
    backends: ClassVar[list[KeyringBackend]] = [MemoryBackend(), FakePlaintextKeyring()]


@pytest.fixture
def use_backend() -> Iterator[Callable[[KeyringBackend], None]]:
    """Set the process-wide keyring backend for one test; the previous one comes back after."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def assert_no_secret(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """The secret is nowhere in the error, its chain, its traceback or the log."""
    assert error.__cause__ is None
    assert error.__context__ is None
    text = [str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text]
    assert not [part for part in text if SECRET in part]


# ------------------------------------------------------------------------- anywhere


def test_the_store_matches_the_core_protocol() -> None:
    store: SecretStore = KeyringSecretStore()
    assert SECRET not in repr(store)
    assert "presence-tray" in repr(store)


def test_one_entry_per_account_named_platform_colon_account() -> None:
    assert SERVICE_NAME == "presence-tray"
    assert keyring_username(WORK) == "slack:work"
    assert keyring_username(AccountRef(Platform.MATRIX, "@me:example.org")) == (
        "matrix:@me:example.org"
    )


async def test_round_trip_on_an_os_store(use_backend: Callable[[KeyringBackend], None]) -> None:
    backend = MemoryBackend()
    use_backend(backend)
    store = KeyringSecretStore()
    assert check_backend() is None
    assert await store.get(WORK) is None
    await store.put(WORK, SECRET)
    await store.put(HOME, "other")
    assert backend.entries == {
        ("presence-tray", "slack:work"): SECRET,
        ("presence-tray", "slack:home"): "other",
    }
    assert await store.get(WORK) == SECRET
    await store.delete(WORK)
    await store.delete(WORK)  # the backend says "No such password!": nothing to forget is fine
    assert await store.get(WORK) is None
    assert await store.get(HOME) == "other"


async def test_webhook_secrets_are_entries_named_webhook_colon_id(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    backend = MemoryBackend()
    use_backend(backend)
    hooks = KeyringWebhookSecrets(KeyringSecretStore())
    assert await hooks.get("h1") is None
    await hooks.put("h1", SECRET)
    assert backend.entries == {("presence-tray", "webhook:h1"): SECRET}
    assert await hooks.get("h1") == SECRET
    await hooks.delete("h1")
    await hooks.delete("h1")  # nothing to forget is fine
    assert backend.entries == {}


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        pytest.param(FailKeyring(), NO_KEYRING_MESSAGE, id="none-found"),
        pytest.param(NullKeyring(), KEYRING_DISABLED_MESSAGE, id="null"),
        pytest.param(FakePlaintextKeyring(), PLAINTEXT_KEYRING_MESSAGE, id="keyrings.alt"),
        pytest.param(PlaintextSubclass(), PLAINTEXT_KEYRING_MESSAGE, id="built-on-keyrings.alt"),
        pytest.param(PlaintextOnlyChain(), PLAINTEXT_KEYRING_MESSAGE, id="chain-of-plaintext"),
        pytest.param(PlaintextFirstChain(), PLAINTEXT_KEYRING_MESSAGE, id="chain-plaintext-first"),
        pytest.param(EmptyChain(), NO_KEYRING_MESSAGE, id="empty-chain"),
    ],
)
async def test_a_backend_that_is_no_os_store_is_refused_with_what_to_do(
    use_backend: Callable[[KeyringBackend], None],
    caplog: pytest.LogCaptureFixture,
    expected_warnings: list[logging.LogRecord],
    backend: KeyringBackend,
    message: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    use_backend(backend)
    assert check_backend() == message
    store = KeyringSecretStore()
    with pytest.raises(SecretStoreUnavailableError) as put_error:
        await store.put(WORK, SECRET)
    with pytest.raises(SecretStoreUnavailableError) as get_error:
        await store.get(WORK)
    with pytest.raises(SecretStoreUnavailableError):
        await store.delete(WORK)
    for error in (put_error.value, get_error.value):
        assert str(error) == message
        assert_no_secret(error, caplog)
    stores = backend.backends if isinstance(backend, ChainerBackend) else [backend]
    assert not [store for store in stores if getattr(store, "entries", None)]  # nothing written
    assert len(expected_warnings) == 3
    assert all("refused backend" in record.getMessage() for record in expected_warnings)


def test_no_keyring_message_says_what_to_install() -> None:
    assert NO_KEYRING_MESSAGE == (
        "No system keyring was found. Install and start GNOME Keyring (gnome-keyring) or "
        "KWallet, or log in to a desktop session, then restart Presence Tray."
    )


def test_a_chain_led_by_an_os_store_is_accepted(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    use_backend(RealFirstChain())
    assert check_backend() is None
    assert describe_backend() == (
        "tests.storage.test_secrets.RealFirstChain("
        "tests.storage.test_secrets.MemoryBackend, keyrings.alt.file.FakePlaintextKeyring)"
    )


def test_describe_backend_names_the_class_only(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    use_backend(FailKeyring())
    assert describe_backend() == "keyring.backends.fail.Keyring"


async def test_a_broken_keyring_configuration_is_explained(
    monkeypatch: pytest.MonkeyPatch, expected_warnings: list[logging.LogRecord]
) -> None:
    def bad_configuration() -> KeyringBackend:
        # What keyring raises for PYTHON_KEYRING_BACKEND=no.such.Backend.
        msg = "No module named 'no'"
        raise ModuleNotFoundError(msg)

    monkeypatch.setattr(keyring, "get_keyring", bad_configuration)
    assert check_backend() == KEYRING_CONFIG_MESSAGE
    assert describe_backend().startswith("none")
    with pytest.raises(SecretStoreUnavailableError, match="PYTHON_KEYRING_BACKEND"):
        await KeyringSecretStore().get(WORK)
    assert len(expected_warnings) == 1


@pytest.mark.parametrize(
    ("error_type", "message"),
    [
        pytest.param(KeyringLocked, KEYRING_LOCKED_MESSAGE, id="locked"),
        pytest.param(InitError, PROMPT_DISMISSED_MESSAGE, id="prompt-dismissed"),
        pytest.param(NoKeyringError, NO_KEYRING_MESSAGE, id="no-keyring"),
        pytest.param(KeyringError, KEYRING_FAILED_MESSAGE, id="keyring-error"),
        # SecretStorage and D-Bus errors escape the backends unwrapped.
        pytest.param(ValueError, KEYRING_FAILED_MESSAGE, id="other-error"),
    ],
)
async def test_keyring_failures_become_a_sentence_without_the_secret(
    use_backend: Callable[[KeyringBackend], None],
    caplog: pytest.LogCaptureFixture,
    expected_warnings: list[logging.LogRecord],
    error_type: type[Exception],
    message: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    use_backend(FailingBackend(error_type))
    assert check_backend() is None  # the backend is a fine one; the calls fail
    store = KeyringSecretStore()
    for call in (store.put(WORK, SECRET), store.get(WORK), store.delete(WORK)):
        with pytest.raises(SecretStoreUnavailableError) as caught:
            await call
        assert str(caught.value) == message
        assert_no_secret(caught.value, caplog)
    logged = [record.getMessage() for record in expected_warnings]
    assert logged == [
        f"keyring {operation} failed: {error_type.__module__}.{error_type.__qualname__}"
        for operation in ("put", "get", "delete")
    ]


def test_the_locked_and_dismissed_sentences_say_what_to_do() -> None:
    assert KEYRING_LOCKED_MESSAGE == (
        "Your keyring is locked. Unlock it (for example by logging in again) and try again."
    )
    assert PROMPT_DISMISSED_MESSAGE.startswith(
        "The keyring asked for permission and the request was dismissed."
    )


async def test_a_keyring_that_does_not_answer_times_out(
    use_backend: Callable[[KeyringBackend], None],
    expected_warnings: list[logging.LogRecord],
) -> None:
    backend = BlockingBackend()
    use_backend(backend)
    store = KeyringSecretStore(timeout=0.05)
    started = time.monotonic()
    try:
        with pytest.raises(SecretStoreUnavailableError) as caught:
            await store.get(WORK)
        assert time.monotonic() - started < 1
    finally:
        backend.release.set()  # let the abandoned worker thread end
    assert str(caught.value) == KEYRING_TIMEOUT_MESSAGE
    assert str(caught.value).startswith("The keyring did not answer")
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert [r.getMessage() for r in expected_warnings] == ["keyring get: no answer within 0.05 s"]
    # The store is not stuck: the next call runs.
    use_backend(MemoryBackend())
    assert await store.get(WORK) is None


async def test_calls_reach_the_keyring_one_at_a_time(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    # Several accounts ask at start-up; on a locked keyring each call would open a prompt.
    backend = CountingBackend()
    use_backend(backend)
    store = KeyringSecretStore()
    accounts = [AccountRef(Platform.SLACK, f"team{n}") for n in range(4)]
    await asyncio.gather(*(store.get(account) for account in accounts))
    assert backend.most == 1


class VanishingBackend(MemoryBackend):
    """The first ``vanishing`` calls fail as secretstorage does when another program deletes
    or replaces the item between finding and reading it."""

    def __init__(self, vanishing: int) -> None:
        super().__init__()
        self.vanishing = vanishing

    def _maybe_vanish(self) -> None:
        if self.vanishing > 0:
            self.vanishing -= 1
            msg = "Item does not exist!"
            raise ItemNotFoundException(msg)

    def get_password(self, service: str, username: str) -> str | None:
        self._maybe_vanish()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_vanish()
        super().set_password(service, username, password)


async def test_an_item_that_vanishes_while_read_is_asked_for_again(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    backend = VanishingBackend(vanishing=0)
    use_backend(backend)
    store = KeyringSecretStore()
    await store.put(WORK, "work-token")
    backend.vanishing = VANISHED_ITEM_ATTEMPTS - 1
    assert await store.get(WORK) == "work-token"
    backend.vanishing = VANISHED_ITEM_ATTEMPTS - 1
    await store.put(WORK, "work-token-2")
    assert await store.get(WORK) == "work-token-2"


async def test_an_item_that_keeps_vanishing_is_a_keyring_error(
    use_backend: Callable[[KeyringBackend], None],
    expected_warnings: list[logging.LogRecord],
) -> None:
    use_backend(VanishingBackend(vanishing=VANISHED_ITEM_ATTEMPTS))
    with pytest.raises(SecretStoreUnavailableError):
        await KeyringSecretStore().get(WORK)
    assert "ItemNotFoundException" in expected_warnings[-1].getMessage()


async def test_keyring_calls_run_off_the_event_loop(
    use_backend: Callable[[KeyringBackend], None],
) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []

    class Recording(MemoryBackend):
        def get_password(self, service: str, username: str) -> str | None:
            seen.append(threading.get_ident())
            return None

    use_backend(Recording())
    await KeyringSecretStore().get(WORK)
    assert seen
    assert loop_thread not in seen


# ------------------------------------------------------------------------- real keyring


@pytest.fixture
async def real_store() -> AsyncIterator[KeyringSecretStore]:
    """The store on the test desktop's gnome-keyring; test entries are removed afterwards."""
    assert check_backend() is None, check_backend()
    assert describe_backend() == "keyring.backends.SecretService.Keyring"
    store = KeyringSecretStore()
    await store.delete(WORK)
    await store.delete(HOME)
    yield store
    await store.delete(WORK)
    await store.delete(HOME)


def secret_tool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["secret-tool", *args], input=stdin, capture_output=True, text=True, timeout=10, check=False
    )


@pytest.mark.keyring
async def test_real_round_trip_side_by_side_replace_and_delete(
    real_store: KeyringSecretStore,
) -> None:
    assert await real_store.get(WORK) is None
    await real_store.put(WORK, "work-token-1")
    await real_store.put(HOME, "home-token")
    assert await real_store.get(WORK) == "work-token-1"
    assert await real_store.get(HOME) == "home-token"
    await real_store.put(WORK, "work-token-2")
    assert await real_store.get(WORK) == "work-token-2"
    # Replaced, not added beside: one item for the account.
    found = secret_tool("search", "--all", "service", SERVICE_NAME, "username", "slack:work")
    assert found.stderr.count("secret = ") + found.stdout.count("secret = ") == 1
    await real_store.delete(WORK)
    assert await real_store.get(WORK) is None
    assert await real_store.get(HOME) == "home-token"
    await real_store.delete(WORK)  # already gone: fine


@pytest.mark.keyring
async def test_a_webhook_secret_is_in_the_os_keyring(real_store: KeyringSecretStore) -> None:
    hooks = KeyringWebhookSecrets(real_store)
    await hooks.put("test-hook", SECRET)
    try:
        looked_up = secret_tool(
            "lookup", "service", "presence-tray", "username", "webhook:test-hook"
        )
        assert looked_up.stdout == SECRET
        assert await hooks.get("test-hook") == SECRET
    finally:
        await hooks.delete("test-hook")
    assert await hooks.get("test-hook") is None


@pytest.mark.keyring
async def test_the_entry_is_in_the_os_keyring(real_store: KeyringSecretStore) -> None:
    await real_store.put(WORK, SECRET)
    looked_up = secret_tool("lookup", "service", "presence-tray", "username", "slack:work")
    assert looked_up.returncode == 0, looked_up.stderr
    assert looked_up.stdout == SECRET
    # And the other way: what another Secret Service client stores, we read.
    stored = secret_tool(
        "store",
        "--label=test",
        "service",
        "presence-tray",
        "username",
        "slack:home",
        stdin="fromtool",
    )
    assert stored.returncode == 0, stored.stderr
    assert await real_store.get(HOME) == "fromtool"
    await real_store.delete(WORK)
    gone = secret_tool("lookup", "service", "presence-tray", "username", "slack:work")
    assert gone.returncode != 0
    assert gone.stdout == ""


@pytest.mark.keyring
async def test_a_planted_token_is_in_no_file_in_plaintext(real_store: KeyringSecretStore) -> None:
    token = f"pt-canary-{uuid.uuid4().hex}"
    xdg = {
        name: Path(os.environ[name])
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
        if os.environ.get(name)
    }
    assert "XDG_DATA_HOME" in xdg
    keyring_file = xdg["XDG_DATA_HOME"] / "keyrings" / "login.keyring"
    before = keyring_file.read_bytes() if keyring_file.exists() else b""

    await real_store.put(WORK, token)
    assert await real_store.get(WORK) == token

    # The token went into gnome-keyring's encrypted file...
    assert keyring_file.read_bytes() != before
    # ...and is in no file under the XDG folders, that one included, raw or base64 (the
    # encoding keyrings.alt's plaintext store uses).
    needles = (token.encode(), base64.b64encode(token.encode()))
    scanned = 0
    for root in xdg.values():
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                content = path.read_bytes()
                scanned += 1
                assert not [n for n in needles if n in content], f"token found in {path}"
    assert scanned > 0


# A locked keyring and a dismissed prompt, for real: a private session bus of our own, with no
# display, so gnome-keyring's prompter cannot show and every prompt ends "dismissed".


def bus_call(method: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Ask the session bus daemon itself (org.freedesktop.DBus.<method>)."""
    return subprocess.run(
        [
            "dbus-send",
            "--session",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            f"org.freedesktop.DBus.{method}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# keyring's SecretService backend raises InitError and KeyringLocked without closing its D-Bus
# connection (keyring 25.7); jeepney connections sit in a reference cycle, so the garbage
# collector closes the socket later, with a ResourceWarning. The app never sees that warning
# (Python ignores ResourceWarning by default); these tests collect it in their own teardown.
leaves_a_dbus_connection_open = pytest.mark.filterwarnings(
    "ignore:unclosed <socket.socket:ResourceWarning"
)


@pytest.fixture
def promptless_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A private session bus (and XDG folders) without a display; yields its environment.

    Stops the bus and whatever owns the Secret Service on it afterwards, by PID.
    """
    assert check_backend() is None  # detect the backend on the desktop's bus first
    # Short: a unix socket path must fit in 107 bytes, and tmp_path can be longer.
    folder = Path(tempfile.mkdtemp(prefix="pt-keyring-"))
    (folder / "runtime").mkdir(mode=0o700)
    (folder / "data").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env |= {
        "DBUS_SESSION_BUS_ADDRESS": f"unix:path={folder / 'bus'}",
        "XDG_RUNTIME_DIR": str(folder / "runtime"),
        "XDG_DATA_HOME": str(folder / "data"),
    }
    # Services the bus activates (gnome-keyring, its prompter) inherit the daemon's environment.
    started = subprocess.run(
        [
            "dbus-daemon",
            "--session",
            f"--address={env['DBUS_SESSION_BUS_ADDRESS']}",
            "--fork",
            "--print-pid=1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    bus_pid = int(started.stdout.split()[0])
    for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    try:
        wait_until(lambda: bus_call("GetId").returncode == 0)
        yield env
    finally:
        gc.collect()  # the connections keyring left open, while their warning is ignored
        owner = bus_call("GetConnectionUnixProcessID", "string:org.freedesktop.secrets")
        if owner.returncode == 0:
            os.kill(int(owner.stdout.split()[-1]), signal.SIGTERM)
        os.kill(bus_pid, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


def start_unlocked_keyring(env: dict[str, str]) -> None:
    """Start gnome-keyring on the private bus with an unlocked login keyring."""
    unlocked = subprocess.run(
        ["gnome-keyring-daemon", "--replace", "--unlock", "--components=secrets"],
        input="test-password",
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert unlocked.returncode == 0, unlocked.stderr
    wait_until(lambda: "true" in bus_call("NameHasOwner", "string:org.freedesktop.secrets").stdout)


@pytest.mark.keyring
@leaves_a_dbus_connection_open
async def test_a_dismissed_unlock_prompt_is_explained(
    promptless_bus: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    expected_warnings: list[logging.LogRecord],
) -> None:
    # Nothing unlocked gnome-keyring: the bus starts it locked, it asks to create the login
    # keyring, and with no display the prompt is dismissed (keyring raises InitError).
    with pytest.raises(SecretStoreUnavailableError) as caught:
        await KeyringSecretStore().put(WORK, SECRET)
    assert str(caught.value) == PROMPT_DISMISSED_MESSAGE
    assert_no_secret(caught.value, caplog)
    assert [r.getMessage() for r in expected_warnings] == [
        "keyring put failed: keyring.errors.InitError"
    ]


@pytest.mark.keyring
@leaves_a_dbus_connection_open
async def test_a_locked_keyring_is_explained(
    promptless_bus: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    expected_warnings: list[logging.LogRecord],
) -> None:
    import secretstorage  # Linux only, like the Secret Service

    start_unlocked_keyring(promptless_bus)
    store = KeyringSecretStore()
    await store.put(WORK, SECRET)
    connection = secretstorage.dbus_init()
    try:
        secretstorage.get_default_collection(connection).lock()
    finally:
        connection.close()

    with pytest.raises(SecretStoreUnavailableError) as caught:
        await store.get(WORK)
    assert str(caught.value) == KEYRING_LOCKED_MESSAGE
    assert_no_secret(caught.value, caplog)
    assert [r.getMessage() for r in expected_warnings] == [
        "keyring get failed: keyring.errors.KeyringLocked"
    ]
