"""The account secrets in the OS keyring, through the ``keyring`` library; never in a file.

One entry per secret: service ``presence-tray``, user name ``platform:account_id`` for an
account's main secret and ``platform:account_id#name`` for a named extra one, ``webhook:<id>``
for a webhook's signing secret, and ``app:name`` for an app-wide secret of no account (the
local API's token). Every keyring call runs in a worker thread (the Secret Service is
synchronous D-Bus and may wait on an unlock prompt) under a timeout, one call at a time.

A backend that is not a real OS store (none found, the "null" backend, a keyrings.alt
plaintext file) is refused with a sentence telling the user what to install or unlock; the
same goes for a locked keyring or a dismissed prompt. Those sentences are the whole of the
errors raised here: backends may echo their arguments, the secret among them, in their own
exception text, so that text is dropped, never chained, and only its type is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Final, TypeVar

import keyring
from keyring.backends.chainer import ChainerBackend
from keyring.backends.fail import Keyring as FailKeyring
from keyring.backends.null import Keyring as NullKeyring
from keyring.errors import InitError, KeyringLocked, NoKeyringError, PasswordDeleteError

from presence_tray.core.secrets import MAIN_SECRET, SecretStoreUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable

    from keyring.backend import KeyringBackend

    from presence_tray.core.identity import AccountRef

try:  # the Secret Service client keyring uses on Linux; absent on Windows and macOS
    from secretstorage.exceptions import ItemNotFoundException as _VanishedItem
except ImportError:  # pragma: no cover - not on Linux

    class _VanishedItem(Exception):  # type: ignore[no-redef]  # noqa: N818 - its name
        """Stands in for secretstorage's error where there is no secretstorage."""


_log = logging.getLogger(__name__)

_T = TypeVar("_T")

SERVICE_NAME: Final = "presence-tray"
DEFAULT_TIMEOUT_SECONDS: Final = 30.0
VANISHED_ITEM_ATTEMPTS: Final = 3
"""How often one keyring call is tried when an item it found vanished before it was read (another
program, or another run of this one, replaced or deleted it meanwhile): the next try sees the
keyring as it is now."""

# The sentences the UI and the CLI show as they are.
NO_KEYRING_MESSAGE: Final = (
    "No system keyring was found. Install and start GNOME Keyring (gnome-keyring) or KWallet, "
    "or log in to a desktop session, then restart Presence Tray."
)
KEYRING_DISABLED_MESSAGE: Final = (
    "The keyring is switched off: Python's keyring library is set to its null backend, which "
    "stores nothing. Remove that setting (PYTHON_KEYRING_BACKEND or keyringrc.cfg) and make "
    "sure GNOME Keyring or KWallet is running, then restart Presence Tray."
)
PLAINTEXT_KEYRING_MESSAGE: Final = (
    "The only keyring available keeps passwords in a plain file (keyrings.alt), and Presence "
    "Tray will not store secrets that way. Install and start GNOME Keyring (gnome-keyring) or "
    "KWallet, then restart Presence Tray."
)
KEYRING_CONFIG_MESSAGE: Final = (
    "The keyring could not be set up: check the PYTHON_KEYRING_BACKEND setting and "
    "keyringrc.cfg, or remove them to use GNOME Keyring or KWallet, then restart Presence Tray."
)
KEYRING_LOCKED_MESSAGE: Final = (
    "Your keyring is locked. Unlock it (for example by logging in again) and try again."
)
PROMPT_DISMISSED_MESSAGE: Final = (
    "The keyring asked for permission and the request was dismissed. Allow Presence Tray when "
    "the keyring asks, or unlock the keyring (for example by logging in again), and try again."
)
KEYRING_FAILED_MESSAGE: Final = (
    "The system keyring reported an error. Check that GNOME Keyring or KWallet is running and "
    "unlocked, then try again."
)
KEYRING_TIMEOUT_MESSAGE: Final = (
    "The keyring did not answer. It may be waiting for you to unlock it in a password prompt; "
    "otherwise restart GNOME Keyring or KWallet, then try again."
)


def keyring_username(account: AccountRef, name: str = MAIN_SECRET) -> str:
    """The user name of an account's keyring entry: ``platform:account_id`` for the main
    secret, ``platform:account_id#name`` for a named one."""
    base = f"{account.platform}:{account.account_id}"
    return base if name == MAIN_SECRET else f"{base}#{name}"


APP_SECRET_PREFIX: Final = "app:"  # noqa: S105 - a prefix of entry names, no secret
"""The user names of app-wide secrets start so (no platform is called "app")."""


def webhook_username(hook_id: str) -> str:
    """The user name of a webhook's signing secret in the keyring: ``webhook:<id>``."""
    return f"webhook:{hook_id}"


class KeyringWebhookSecrets:
    """Webhook signing secrets (:class:`~presence_tray.core.webhooks.WebhookSecrets`) in the
    OS keyring, through ``store`` (one keyring call at a time with the accounts')."""

    __slots__ = ("_store",)

    def __init__(self, store: KeyringSecretStore) -> None:
        self._store = store

    async def get(self, hook_id: str) -> str | None:
        """The hook's secret, or None if there is none."""
        return await self._store.get_entry(webhook_username(hook_id))

    async def put(self, hook_id: str, secret: str) -> None:
        """Store (or replace) the hook's secret."""
        await self._store.put_entry(webhook_username(hook_id), secret)

    async def delete(self, hook_id: str) -> None:
        """Forget the hook's secret; nothing happens if there is none."""
        await self._store.delete_entry(webhook_username(hook_id))


def check_backend() -> str | None:
    """Why the keyring cannot hold secrets, as a sentence for the user; None if it can.

    Synchronous: the first call detects the backend, which may talk to D-Bus.
    """
    backend = _usable_backend()
    return backend if isinstance(backend, str) else None


def describe_backend() -> str:
    """The keyring backend's class (and a chain's members), for diagnostics; nothing else."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - see _usable_backend
        return "none (the keyring configuration could not be loaded)"
    if isinstance(backend, ChainerBackend):
        members = ", ".join(_class_name(member) for member in _chain(backend))
        return f"{_class_name(backend)}({members})"
    return _class_name(backend)


class KeyringSecretStore:
    """The :class:`~presence_tray.core.secrets.SecretStore` on the OS keyring."""

    __slots__ = ("_lock", "_timeout")

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        # One call at a time: on a locked keyring every concurrent call would open its own
        # unlock prompt, and several accounts ask for their secrets together at start-up.
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"KeyringSecretStore(service={SERVICE_NAME!r}, timeout={self._timeout:g})"

    async def get(self, account: AccountRef, *, name: str = MAIN_SECRET) -> str | None:
        """The account's secret called ``name``, or None if there is none."""
        return await self.get_entry(keyring_username(account, name))

    async def put(self, account: AccountRef, secret: str, *, name: str = MAIN_SECRET) -> None:
        """Store (or replace) the account's secret called ``name``."""
        await self.put_entry(keyring_username(account, name), secret)

    async def delete(self, account: AccountRef, *, name: str = MAIN_SECRET) -> None:
        """Forget the account's secret called ``name``; nothing happens if there is none."""
        await self.delete_entry(keyring_username(account, name))

    async def get_entry(self, username: str) -> str | None:
        """The secret of the keyring entry ``username`` (an account's, a webhook's, the app's)."""
        return await self._call("get", lambda backend: backend.get_password(SERVICE_NAME, username))

    async def put_entry(self, username: str, secret: str) -> None:
        """Store (or replace) the secret of the keyring entry ``username``."""
        await self._call(
            "put", lambda backend: backend.set_password(SERVICE_NAME, username, secret)
        )
        _log.debug("stored the secret of %s in the keyring", username)

    async def delete_entry(self, username: str) -> None:
        """Forget the keyring entry ``username``; nothing happens if there is none."""
        await self._call("delete", lambda backend: _delete_if_present(backend, username))
        _log.debug("no secret of %s left in the keyring", username)

    def app_secret(self, name: str) -> AppSecret:
        """The app-wide secret called ``name`` (user name ``app:name``), kept by this store."""
        return AppSecret(self, f"{APP_SECRET_PREFIX}{name}")

    async def _call(self, operation: str, call: Callable[[KeyringBackend], _T]) -> _T:
        """Run ``call`` on the keyring backend in a worker thread, within the timeout."""
        # On timeout the worker thread cannot be stopped; it ends when the keyring answers
        # (or the prompt is closed), and its result is dropped.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._timeout), self._lock:
                return await asyncio.to_thread(_run_guarded, operation, call)
        _log.warning("keyring %s: no answer within %g s", operation, self._timeout)
        raise SecretStoreUnavailableError(KEYRING_TIMEOUT_MESSAGE)


class AppSecret:
    """One app-wide secret in the keyring (not an account's): read it, or store it."""

    __slots__ = ("_store", "_username")

    def __init__(self, store: KeyringSecretStore, username: str) -> None:
        """The entry ``username`` of ``store``'s service."""
        self._store = store
        self._username = username

    def __repr__(self) -> str:
        return f"AppSecret(username={self._username!r})"

    async def get(self) -> str | None:
        """The secret, or None when there is none yet."""
        return await self._store.get_entry(self._username)

    async def put(self, secret: str) -> None:
        """Store (or replace) the secret."""
        await self._store.put_entry(self._username, secret)


def _run_guarded(operation: str, call: Callable[[KeyringBackend], _T]) -> _T:
    """Run one keyring call (worker thread); any failure becomes a sanitised error."""
    backend = _usable_backend()
    if isinstance(backend, str):
        _log.warning("keyring %s: refused backend %s", operation, describe_backend())
        raise SecretStoreUnavailableError(backend)
    try:
        return _retrying_vanished_items(operation, call, backend)
    # Every exception, not only KeyringError: SecretStorage and D-Bus errors escape the
    # backends too, and whatever escapes here could carry the secret into a log.
    except Exception as err:  # noqa: BLE001
        error_type = type(err)
        message = _message_for(err)
    # Raised outside the except block, so the new error has no __context__ either.
    _log.warning(
        "keyring %s failed: %s.%s", operation, error_type.__module__, error_type.__qualname__
    )
    raise SecretStoreUnavailableError(message)


def _retrying_vanished_items(
    operation: str, call: Callable[[KeyringBackend], _T], backend: KeyringBackend
) -> _T:
    """``call``, tried again (up to :data:`VANISHED_ITEM_ATTEMPTS` in all) while it fails
    because an item vanished between finding and reading it."""
    for _ in range(VANISHED_ITEM_ATTEMPTS - 1):
        try:
            return call(backend)
        except _VanishedItem:
            _log.info("keyring %s: an item changed meanwhile; asking again", operation)
    return call(backend)


def _delete_if_present(backend: KeyringBackend, username: str) -> None:
    """Delete an entry; backends report a missing one with PasswordDeleteError."""
    with contextlib.suppress(PasswordDeleteError):
        backend.delete_password(SERVICE_NAME, username)


def _message_for(error: Exception) -> str:
    """The sentence for the user about a failed keyring call."""
    if isinstance(error, NoKeyringError):
        return NO_KEYRING_MESSAGE
    if isinstance(error, KeyringLocked):
        return KEYRING_LOCKED_MESSAGE
    # The Secret Service backend raises InitError when the unlock prompt was dismissed
    # ("Failed to create the collection: Prompt dismissed").
    if isinstance(error, InitError):
        return PROMPT_DISMISSED_MESSAGE
    return KEYRING_FAILED_MESSAGE


def _usable_backend() -> KeyringBackend | str:
    """The current backend if it is a real OS store, else the sentence saying why not."""
    try:
        backend = keyring.get_keyring()
    # Detection imports whatever PYTHON_KEYRING_BACKEND or keyringrc.cfg names; a wrong name
    # fails with ImportError, AttributeError or RuntimeError.
    except Exception:  # noqa: BLE001
        return KEYRING_CONFIG_MESSAGE
    refusal = _refusal(backend)
    return backend if refusal is None else refusal


def _refusal(backend: KeyringBackend) -> str | None:
    """Why ``backend`` is not a real OS keyring, or None if it is one."""
    if isinstance(backend, FailKeyring):
        return NO_KEYRING_MESSAGE
    if isinstance(backend, NullKeyring):
        return KEYRING_DISABLED_MESSAGE
    if _is_plaintext(backend):
        return PLAINTEXT_KEYRING_MESSAGE
    if isinstance(backend, ChainerBackend):
        # The chain writes to its first member (highest priority) that implements writing,
        # so that member decides. An empty chain stores nothing at all.
        chain = _chain(backend)
        return _refusal(chain[0]) if chain else NO_KEYRING_MESSAGE
    return None


def _is_plaintext(backend: KeyringBackend) -> bool:
    """Whether the backend is one of keyrings.alt's file stores (or built on one)."""
    return any(
        cls.__module__ == "keyrings.alt" or cls.__module__.startswith("keyrings.alt.")
        for cls in type(backend).__mro__
    )


def _chain(backend: ChainerBackend) -> list[KeyringBackend]:
    """The backends a ChainerBackend tries, highest priority first."""
    members: list[KeyringBackend] = list(backend.backends)
    return members


def _class_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"
