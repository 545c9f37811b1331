"""Runs every platform client as a task, restarts it sensibly, and reports its health.

A client that fails with a transient error is restarted after a jittered, growing delay; one
that is rate limited waits at least as long as the platform asked; an auth failure parks the
account as needs-reconnect and a permanent failure parks it as failed, each with a message
for the user. Nothing here loops hot, and no task is left behind or fails unobserved.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth, OwnStatusSetter, PlatformClient
from presence_tray.core.errors import (
    AuthError,
    PermanentError,
    PresenceError,
    RateLimitedError,
    TransientError,
)
from presence_tray.core.listeners import add_listener, tell_each
from presence_tray.core.own_status import (
    OwnStatusChoice,
    OwnStatusOutcome,
    OwnStatusResult,
    OwnStatusTracker,
    own_status_for,
)

if TYPE_CHECKING:
    from presence_tray.core.client import OwnStatus
    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import AccountRef, Identity
    from presence_tray.core.presence import PlatformPresence

_log = logging.getLogger(__name__)

STABLE_CONNECTION_SECONDS = 60.0
"""A client that stayed live this long starts its back-off from the beginning again."""
SHUTDOWN_GRACE_SECONDS = 5.0
"""How long a cancelled client may take to finish before it is abandoned with a log line."""
OWN_STATUS_TIMEOUT_SECONDS = 10.0
"""How long one platform may take to set my status before it counts as failed (real time)."""
_PARKED_HEALTH = frozenset(
    {AccountHealth.NEEDS_RECONNECT, AccountHealth.FAILED, AccountHealth.STOPPED}
)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off with "equal jitter": attempt n waits between d/2 and d.

    With d = min(cap, base * 2**n), each attempt's shortest wait is at least the previous
    attempt's longest, so the delays grow while spreading clients apart.
    """

    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before restart number ``attempt`` (0-based)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** min(attempt, 30))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """An account's health with the sentence the user reads."""

    account: AccountRef
    health: AccountHealth
    message: str = ""
    restarts: int = 0
    retry_at: float | None = None


StatusListener = Callable[[AccountStatus], None]


class _AccountSink:
    """The :class:`~presence_tray.core.client.PresenceSink` one client writes to."""

    def __init__(self, supervisor: ClientSupervisor, account: AccountRef) -> None:
        self._supervisor = supervisor
        self._account = account
        self._hub = supervisor.hub
        self.live_since: float | None = None

    def add_contacts(self, identities: Iterable[Identity]) -> None:
        self._hub.add_identities(self._own(identities))

    def replace_contacts(self, identities: Iterable[Identity]) -> None:
        self._hub.replace_contacts(self._account, self._own(identities))

    def _own(self, identities: Iterable[Identity]) -> list[Identity]:
        """The identities of this sink's account; another account's are logged and left out."""
        account = self._account
        own: list[Identity] = []
        for identity in identities:
            if identity.key.account != account:
                _log.warning("%s offered a contact of another account; ignored", account)
                continue
            own.append(identity)
        return own

    def publish(self, presence: PlatformPresence) -> None:
        if presence.identity.account != self._account:
            _log.warning("%s published a value for another account; ignored", self._account)
            return
        self._hub.ingest(presence)

    def report_live(self) -> None:
        if self.live_since is None:
            self.live_since = self._supervisor.now()
        self._supervisor.set_status(AccountStatus(self._account, AccountHealth.LIVE))

    def report_degraded(self, reason: str) -> None:
        self._supervisor.set_status(
            AccountStatus(self._account, AccountHealth.DEGRADED, message=reason)
        )


class ClientSupervisor:
    """Owns one task per platform client."""

    def __init__(
        self,
        hub: PresenceHub,
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        own_status: OwnStatusTracker | None = None,
        own_status_timeout: float = OWN_STATUS_TIMEOUT_SECONDS,
    ) -> None:
        """Create a supervisor that feeds ``hub`` and waits on ``clock``."""
        self.hub = hub
        self.own_status = own_status or OwnStatusTracker()
        """The status the user last asked for (the tray's badge and tooltip)."""
        self._own_status_timeout = own_status_timeout
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._tasks: dict[AccountRef, asyncio.Task[None]] = {}
        self._clients: dict[AccountRef, PlatformClient] = {}
        self._statuses: dict[AccountRef, AccountStatus] = {}
        self._listeners: list[StatusListener] = []
        self._status_changed = asyncio.Event()

    # -- public --------------------------------------------------------------------------

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener`` on every account status change; returns a function that
        unsubscribes."""
        return add_listener(self._listeners, listener)

    def start(self, client: PlatformClient) -> None:
        """Start running ``client``; one client per account."""
        account = client.account
        if account in self._tasks and not self._tasks[account].done():
            msg = f"{account} is already running"
            raise ValueError(msg)
        self._clients[account] = client
        # Recorded now, not when the task first runs, so wait_until_settled() sees it.
        self.set_status(AccountStatus(account, AccountHealth.CONNECTING))
        task = asyncio.create_task(self._run(client), name=f"client {account}")
        self._tasks[account] = task

    def clients(self) -> list[PlatformClient]:
        """Every client started, running or parked."""
        return list(self._clients.values())

    def status(self, account: AccountRef) -> AccountStatus | None:
        """The last known status of one account."""
        return self._statuses.get(account)

    def statuses(self) -> list[AccountStatus]:
        """The status of every account."""
        return list(self._statuses.values())

    async def wait_until_settled(self) -> None:
        """Wait until no account is still making its first connection.

        The command line uses it, under ``asyncio.timeout``, to answer from a first full
        picture rather than an empty one.
        """

        def settled() -> bool:
            return all(
                status.health is not AccountHealth.CONNECTING for status in self._statuses.values()
            )

        while not settled():
            self._status_changed.clear()
            await self._status_changed.wait()

    async def stop(self, account: AccountRef) -> None:
        """Stop one account's client."""
        task = self._tasks.pop(account, None)
        if task is not None:
            await _cancel_and_wait([task])
        self._mark_stopped(account)

    async def aclose(self) -> None:
        """Cancel every client and wait until each has finished."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        await _cancel_and_wait(tasks)
        for account in list(self._statuses):
            self._mark_stopped(account)

    def _mark_stopped(self, account: AccountRef) -> None:
        previous = self._statuses.get(account)
        restarts = 0 if previous is None else previous.restarts
        self.set_status(AccountStatus(account, AccountHealth.STOPPED, restarts=restarts))

    async def choose_own_status(self, choice: OwnStatusChoice) -> list[OwnStatusResult]:
        """Set my status to one of the tray menu's choices, made now (the tray and the local
        API both come this way); one result per account, as :meth:`set_own_status`."""
        return await self.set_own_status(own_status_for(choice, self._clock.now()))

    async def set_own_status(self, status: OwnStatus) -> list[OwnStatusResult]:
        """Set my status on every running account that can, at once; one result per account.

        The request is recorded first (the tray shows it at once, and do-not-disturb holds
        even where no platform could be told). Each account gets its own timeout; a failure
        on one never stops the others, and nothing here raises but cancellation.
        """
        self.own_status.record(status)
        pending: list[tuple[AccountRef, OwnStatusSetter]] = []
        results: dict[AccountRef, OwnStatusResult] = {}
        for account, client in self._clients.items():
            platform = account.platform.display_name
            if not client.capabilities.can_set_own_status or not isinstance(
                client, OwnStatusSetter
            ):
                results[account] = OwnStatusResult(
                    account,
                    OwnStatusOutcome.UNSUPPORTED,
                    f"{platform}: an app cannot set your status",
                )
                continue
            task = self._tasks.get(account)
            health = self._statuses.get(account)
            if task is None or task.done() or (health and health.health in _PARKED_HEALTH):
                results[account] = OwnStatusResult(
                    account, OwnStatusOutcome.NOT_CONNECTED, _not_connected(account, health)
                )
                continue
            pending.append((account, client))
        done = await asyncio.gather(
            *(self._set_one(account, client, status) for account, client in pending)
        )
        results.update((result.account, result) for result in done)
        return [results[account] for account in self._clients if account in results]

    async def _set_one(
        self, account: AccountRef, client: OwnStatusSetter, status: OwnStatus
    ) -> OwnStatusResult:
        platform = account.platform.display_name
        try:
            async with asyncio.timeout(self._own_status_timeout):
                await client.set_own_status(status)
        except TimeoutError:
            message = f"{platform} did not answer within {self._own_status_timeout:g} s"
        except AuthError:
            message = f"{platform} refused the sign-in; reconnect the account in Settings"
        except RateLimitedError as err:
            message = f"{platform} asked to slow down; try again in {err.retry_after:.0f} s"
        except TransientError as err:
            message = f"{platform} could not be reached ({err}); try again later"
        except PermanentError as err:
            message = f"{platform}: {err}"
        except Exception:  # noqa: BLE001 - a client bug must not stop the other accounts
            _log.exception("%s: setting my status failed unexpectedly", account)
            message = f"{platform}: an unexpected error stopped it (see the log)"
        else:
            _log.info("%s: my status is now %s", account, status.state)
            return OwnStatusResult(account, OwnStatusOutcome.SET)
        _log.info("%s: could not set my status: %s", account, message)
        return OwnStatusResult(account, OwnStatusOutcome.FAILED, message)

    def now(self) -> float:
        """The supervisor's clock time."""
        return self._clock.now()

    def set_status(self, status: AccountStatus) -> None:
        """Record an account's status, tell the hub and the listeners."""
        previous = self._statuses.get(status.account)
        if previous == status:
            return
        self._statuses[status.account] = status
        self._status_changed.set()
        self.hub.set_account_health(status.account, status.health)
        tell_each(self._listeners, status, log=_log, what="an account status listener")

    # -- the loop ------------------------------------------------------------------------

    async def _run(self, client: PlatformClient) -> None:
        account = client.account
        attempt = 0
        restarts = 0
        while True:
            sink = _AccountSink(self, account)
            try:
                await client.run(sink)
            except (AuthError, PermanentError) as err:
                self.set_status(_parked_status(account, err, restarts))
                return
            except Exception as err:  # noqa: BLE001 - a client bug must not kill the supervisor
                health, reason, at_least = _restart_reason(account, err)
            else:
                health, reason, at_least = AccountHealth.RECONNECTING, "connection closed", 0.0
            stayed_up = sink.live_since is not None and (
                self._clock.now() - sink.live_since >= STABLE_CONNECTION_SECONDS
            )
            attempt = 0 if stayed_up else attempt
            delay = max(at_least, self._backoff.delay(attempt, self._rng))
            attempt += 1
            restarts += 1
            _log.info("%s: %s; retrying in %.1f s", account, reason, delay)
            self.set_status(
                AccountStatus(
                    account,
                    health,
                    message=reason,
                    restarts=restarts,
                    retry_at=self._clock.now() + delay,
                )
            )
            await self._clock.sleep(delay)
            self.set_status(AccountStatus(account, AccountHealth.RECONNECTING, restarts=restarts))


def _parked_status(
    account: AccountRef, err: AuthError | PermanentError, restarts: int
) -> AccountStatus:
    """The status of an account that must not be retried, with what the user can do."""
    platform = account.platform.display_name
    if isinstance(err, AuthError):
        _log.warning("%s: sign-in refused, needs reconnecting: %s", account, err)
        message = (
            str(err)
            if err.says_what_to_do
            else f"{platform} refused the sign-in ({err}). Reconnect the account in Settings."
        )
        return AccountStatus(
            account, AccountHealth.NEEDS_RECONNECT, message=message, restarts=restarts
        )
    _log.error("%s: stopped for good: %s", account, err)
    return AccountStatus(
        account,
        AccountHealth.FAILED,
        message=f"{platform} stopped working: {err}",
        restarts=restarts,
    )


def _not_connected(account: AccountRef, status: AccountStatus | None) -> str:
    platform = account.platform.display_name
    if status is not None and status.health is AccountHealth.NEEDS_RECONNECT:
        return f"{platform} needs reconnecting first (Settings)"
    if status is not None and status.health is AccountHealth.FAILED:
        return status.message or f"{platform} has stopped working"
    return f"{platform} is not connected"


def _restart_reason(account: AccountRef, err: Exception) -> tuple[AccountHealth, str, float]:
    """Health to show, reason, and the shortest wait before restarting after ``err``."""
    if isinstance(err, RateLimitedError):
        return AccountHealth.DEGRADED, f"rate limited: {err}", err.retry_after
    if isinstance(err, TransientError):
        return AccountHealth.RECONNECTING, str(err), 0.0
    if isinstance(err, PresenceError):
        # A failure the app knows, with a sentence for the user (the keyring is locked, say):
        # shown as the reason, logged without a traceback.
        _log.warning("%s: %s; restarting", account, err)
        return AccountHealth.DEGRADED, str(err), 0.0
    _log.error("%s: unexpected failure; restarting", account, exc_info=err)
    return AccountHealth.RECONNECTING, f"unexpected error: {type(err).__name__}", 0.0


async def _cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in stuck:
        _log.error(
            "%s ignored cancellation for %.0f s; abandoned", task.get_name(), SHUTDOWN_GRACE_SECONDS
        )
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            _log.error("%s ended with %r", task.get_name(), task.exception())
