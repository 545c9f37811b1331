"""The supervisor: restarts with growing delays, parks on auth and permanent errors,
cancels hung clients, leaks no task."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth, Capabilities, PresenceMode, PresenceSink
from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import (
    AuthError,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource, PresenceState
from presence_tray.core.secrets import SecretStoreUnavailableError
from presence_tray.core.supervisor import (
    STABLE_CONNECTION_SECONDS,
    AccountStatus,
    Backoff,
    ClientSupervisor,
)

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

ACCOUNT = AccountRef(Platform.SLACK, "work")
CAPS = Capabilities(PresenceMode.POLLED, can_set_own_status=True, can_list_contacts=True)


class ScriptedClient:
    """A client whose every run does the next step of a script."""

    def __init__(
        self, steps: list[Callable[[PresenceSink, ManualClock], object]], clock: ManualClock
    ) -> None:
        self.steps = steps
        self.clock = clock
        self.runs = 0
        self.finished = asyncio.Event()

    @property
    def account(self) -> AccountRef:
        return ACCOUNT

    @property
    def capabilities(self) -> Capabilities:
        return CAPS

    async def run(self, sink: PresenceSink) -> None:
        step = self.steps[min(self.runs, len(self.steps) - 1)]
        self.runs += 1
        if self.runs >= len(self.steps):
            self.finished.set()
        result = step(sink, self.clock)
        if asyncio.iscoroutine(result):
            await result


def raise_(error: BaseException) -> Callable[[PresenceSink, ManualClock], object]:
    def step(_sink: PresenceSink, _clock: ManualClock) -> object:
        raise error

    return step


async def forever(_sink: PresenceSink, _clock: ManualClock) -> None:
    await asyncio.Event().wait()


async def wait_for(condition: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    pytest.fail("condition never became true")


def health_of(supervisor: ClientSupervisor) -> AccountHealth | None:
    status = supervisor.status(ACCOUNT)
    return None if status is None else status.health


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def hub(clock: ManualClock) -> PresenceHub:
    return PresenceHub(clock)


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base_seconds=1.0, cap_seconds=60.0)
    rng = random.Random(1)
    delays = [backoff.delay(n, rng) for n in range(12)]
    below_cap = delays[:6]  # 1, 2, 4, ... 32 s ceilings, all under the 60 s cap
    assert all(later >= earlier for earlier, later in itertools.pairwise(below_cap))
    assert all(30.0 <= d <= 60.0 for d in delays[6:])
    assert delays[0] >= 0.5
    assert max(delays) <= 60.0
    assert backoff.delay(10_000, rng) <= 60.0


async def test_transient_errors_restart_with_growing_delays(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[object]
) -> None:
    client = ScriptedClient([raise_(TransientError("network down"))] * 6 + [forever], clock)
    supervisor = ClientSupervisor(hub, clock, rng=random.Random(3))
    seen: list[AccountStatus] = []
    supervisor.subscribe(seen.append)
    supervisor.start(client)
    await asyncio.wait_for(client.finished.wait(), 5)
    assert client.runs == 7
    assert len(clock.sleeps) == 6
    assert clock.sleeps == sorted(clock.sleeps)
    assert clock.sleeps[-1] > clock.sleeps[0] * 4
    assert AccountHealth.RECONNECTING in {s.health for s in seen}
    status = supervisor.status(ACCOUNT)
    assert status is not None
    assert status.restarts == 6
    await supervisor.aclose()
    assert supervisor.status(ACCOUNT).health is AccountHealth.STOPPED  # type: ignore[union-attr]
    assert expected_warnings == []


async def test_auth_error_parks_the_account_as_needs_reconnect(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[object]
) -> None:
    client = ScriptedClient([raise_(AuthError("token revoked"))], clock)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    await wait_for(lambda: health_of(supervisor) is AccountHealth.NEEDS_RECONNECT)
    for _ in range(100):
        await asyncio.sleep(0)
    assert client.runs == 1  # never retried
    assert clock.sleeps == []
    status = supervisor.status(ACCOUNT)
    assert status is not None
    assert "Reconnect the account" in status.message
    assert hub.statistics().account_health[ACCOUNT] is AccountHealth.NEEDS_RECONNECT
    assert len(expected_warnings) == 1
    expected_warnings.clear()
    await supervisor.aclose()


async def test_permanent_error_parks_the_account_as_failed(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[object]
) -> None:
    client = ScriptedClient([raise_(PermanentError("this workspace disabled the API"))], clock)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    await wait_for(lambda: health_of(supervisor) is AccountHealth.FAILED)
    assert "disabled the API" in supervisor.status(ACCOUNT).message  # type: ignore[union-attr]
    assert client.runs == 1
    expected_warnings.clear()
    await supervisor.aclose()


async def test_rate_limit_waits_at_least_retry_after(clock: ManualClock, hub: PresenceHub) -> None:
    client = ScriptedClient([raise_(RateLimitedError("429", retry_after=120.0)), forever], clock)
    supervisor = ClientSupervisor(hub, clock)
    seen: list[AccountStatus] = []
    supervisor.subscribe(seen.append)
    supervisor.start(client)
    await asyncio.wait_for(client.finished.wait(), 5)
    assert clock.sleeps[0] >= 120.0
    assert any(s.health is AccountHealth.DEGRADED and s.retry_at for s in seen)
    await supervisor.aclose()


async def test_unexpected_exception_is_logged_and_restarted(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[object]
) -> None:
    client = ScriptedClient([raise_(KeyError("bug")), forever], clock)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    await asyncio.wait_for(client.finished.wait(), 5)
    assert client.runs == 2
    assert any("unexpected failure" in r.getMessage() for r in expected_warnings)  # type: ignore[attr-defined]
    expected_warnings.clear()
    await supervisor.aclose()


async def test_a_known_failure_shows_its_sentence_and_restarts_without_a_traceback(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[logging.LogRecord]
) -> None:
    locked = SecretStoreUnavailableError("The system keyring is locked. Unlock it, then retry.")
    client = ScriptedClient([raise_(locked), forever], clock)
    supervisor = ClientSupervisor(hub, clock)
    seen: list[AccountStatus] = []
    supervisor.subscribe(seen.append)
    supervisor.start(client)
    await asyncio.wait_for(client.finished.wait(), 5)
    assert client.runs == 2
    assert any(
        s.health is AccountHealth.DEGRADED and s.message == str(locked) and s.retry_at for s in seen
    )
    assert [r.levelname for r in expected_warnings] == ["WARNING"]
    assert expected_warnings[0].exc_info is None
    expected_warnings.clear()
    await supervisor.aclose()


async def test_a_run_that_returns_is_restarted(clock: ManualClock, hub: PresenceHub) -> None:
    async def returns(_sink: PresenceSink, _clock: ManualClock) -> None:
        return None

    client = ScriptedClient([returns, forever], clock)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    await asyncio.wait_for(client.finished.wait(), 5)
    assert len(clock.sleeps) == 1
    await supervisor.aclose()


async def test_backoff_starts_over_after_a_stable_connection(
    clock: ManualClock, hub: PresenceHub
) -> None:
    async def live_then_drop(sink: PresenceSink, c: ManualClock) -> None:
        sink.report_live()
        c.advance(STABLE_CONNECTION_SECONDS + 1)
        msg = "dropped"
        raise TransientError(msg)

    fail = raise_(TransientError("down"))
    client = ScriptedClient([fail, fail, fail, live_then_drop, forever], clock)
    supervisor = ClientSupervisor(
        hub, clock, backoff=Backoff(base_seconds=1.0), rng=random.Random(0)
    )
    supervisor.start(client)
    await asyncio.wait_for(client.finished.wait(), 5)
    # The fourth delay is back at the first attempt's size (0.5 to 1 s), not 8 to 16 s.
    assert clock.sleeps[2] >= 2.0
    assert clock.sleeps[3] <= 1.0
    await supervisor.aclose()


async def test_sink_feeds_the_hub_and_reports_health(clock: ManualClock, hub: PresenceHub) -> None:
    key = IdentityKey(Platform.SLACK, "work", "U1")

    async def deliver(sink: PresenceSink, c: ManualClock) -> None:
        sink.add_contacts([Identity(key, "Alice")])
        sink.report_live()
        sink.publish(PlatformPresence(key, PresenceState.ONLINE, c.now(), PresenceSource.POLL))
        sink.report_degraded("polling slower: rate limit close")
        await asyncio.Event().wait()

    client = ScriptedClient([deliver], clock)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    await wait_for(lambda: health_of(supervisor) is AccountHealth.DEGRADED)
    hub.flush()
    person = hub.find_people("alice")[0]
    assert hub.aggregate(person.person_id).state is PresenceState.ONLINE  # type: ignore[union-attr]
    assert [s.account for s in supervisor.statuses()] == [ACCOUNT]
    assert supervisor.clients() == [client]
    await supervisor.aclose()


async def test_sink_rejects_values_of_another_account(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[object]
) -> None:
    foreign = IdentityKey(Platform.TEAMS, "other", "x")

    async def trespass(sink: PresenceSink, c: ManualClock) -> None:
        sink.add_contacts([Identity(foreign, "Mallory")])
        sink.publish(PlatformPresence(foreign, PresenceState.ONLINE, c.now()))
        await asyncio.Event().wait()

    client = ScriptedClient([trespass], clock)
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(client)
    await wait_for(lambda: len(expected_warnings) == 2)
    hub.flush()
    assert hub.people() == []
    assert hub.statistics().updates_total == 0
    expected_warnings.clear()
    await supervisor.aclose()


async def test_starting_the_same_account_twice_is_refused(
    clock: ManualClock, hub: PresenceHub
) -> None:
    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(ScriptedClient([forever], clock))
    with pytest.raises(ValueError, match="already running"):
        supervisor.start(ScriptedClient([forever], clock))
    await supervisor.stop(ACCOUNT)
    assert supervisor.status(ACCOUNT).health is AccountHealth.STOPPED  # type: ignore[union-attr]
    await supervisor.stop(ACCOUNT)  # stopping twice is harmless
    await supervisor.aclose()


async def test_hung_client_is_cancelled_on_shutdown(clock: ManualClock, hub: PresenceHub) -> None:
    cancelled = asyncio.Event()

    async def hang(_sink: PresenceSink, _clock: ManualClock) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(ScriptedClient([hang], clock))
    await asyncio.sleep(0)
    await supervisor.aclose()
    assert cancelled.is_set()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_client_ignoring_cancellation_is_abandoned_with_a_log(
    clock: ManualClock,
    hub: PresenceHub,
    monkeypatch: pytest.MonkeyPatch,
    expected_warnings: list[object],
) -> None:
    import presence_tray.core.supervisor as supervisor_module

    monkeypatch.setattr(supervisor_module, "SHUTDOWN_GRACE_SECONDS", 0.05)
    release = asyncio.Event()

    async def stubborn(_sink: PresenceSink, _clock: ManualClock) -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                continue  # misbehaving on purpose

    supervisor = ClientSupervisor(hub, clock)
    supervisor.start(ScriptedClient([stubborn], clock))
    await asyncio.sleep(0)
    await supervisor.aclose()
    assert any("ignored cancellation" in r.getMessage() for r in expected_warnings)  # type: ignore[attr-defined]
    expected_warnings.clear()
    release.set()
    await asyncio.sleep(0.05)


async def test_a_failing_status_listener_is_contained(
    clock: ManualClock, hub: PresenceHub, expected_warnings: list[object]
) -> None:
    supervisor = ClientSupervisor(hub, clock)

    def broken(_: AccountStatus) -> None:
        msg = "listener bug"
        raise RuntimeError(msg)

    unsubscribe = supervisor.subscribe(broken)
    supervisor.set_status(AccountStatus(ACCOUNT, AccountHealth.LIVE))
    supervisor.set_status(AccountStatus(ACCOUNT, AccountHealth.LIVE))  # unchanged: not repeated
    assert len(expected_warnings) == 1
    expected_warnings.clear()
    unsubscribe()
    unsubscribe()
    supervisor.set_status(AccountStatus(ACCOUNT, AccountHealth.DEGRADED))
    assert expected_warnings == []


async def test_wait_until_settled(clock: ManualClock, hub: PresenceHub) -> None:
    gate = asyncio.Event()

    async def connect_slowly(sink: PresenceSink, _c: ManualClock) -> None:
        await gate.wait()
        sink.report_live()
        await asyncio.Event().wait()

    supervisor = ClientSupervisor(hub, clock)
    await asyncio.wait_for(supervisor.wait_until_settled(), 0.1)  # no account: settled at once
    supervisor.start(ScriptedClient([connect_slowly], clock))
    await asyncio.sleep(0)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(supervisor.wait_until_settled(), 0.01)
    gate.set()
    await asyncio.wait_for(supervisor.wait_until_settled(), 1.0)
    assert supervisor.status(ACCOUNT).health is AccountHealth.LIVE  # type: ignore[union-attr]
    await supervisor.aclose()
