"""Outgoing webhooks delivered: subscribed to the hub and to my own status, one queue each.

Each hook has its own bounded queue and worker task, so a slow receiver never holds up the
hub or another hook; when a queue is full the oldest change is dropped and counted. A
delivery is one POST (signed by :mod:`presence_tray.core.webhook_body`, sent by
:mod:`presence_tray.webhook_delivery`), tried up to
``max_attempts`` times: a 5xx, a 429 (waiting at least its ``Retry-After``), a timeout or a
network error are tried again after a growing wait; another 4xx, a redirect or a hook whose
secret cannot be read give up at once. Each hook's counters and its last failure, as a
sentence, are kept for the settings dialog and the stats (:meth:`WebhookService.statistics`).

Only a URL's scheme and host are ever logged or put in a sentence: the rest may hold a secret
(an IFTTT key, a Home Assistant webhook id). Signing secrets live in the keyring, made with
``secrets.token_urlsafe(32)``, and are read once per run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeVar

from presence_tray.core.client import OwnStatus
from presence_tray.core.errors import PresenceError
from presence_tray.core.listeners import add_listener
from presence_tray.core.presence import PresenceState
from presence_tray.core.webhook_body import (
    EVENT_HEADER,
    MAX_ATTEMPTS,
    body_for,
    iso_time,
    retry_wait,
    signed_headers,
)
from presence_tray.core.webhooks import (
    ME,
    PersonChanges,
    Webhook,
    WebhookEvent,
    destination,
    event_for_own_status,
    test_event,
)
from presence_tray.webhook_delivery import REQUEST_TIMEOUT_SECONDS, Outcome, WebhookSender

if TYPE_CHECKING:
    from collections.abc import Awaitable, Sequence

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceChanged, PresenceHub
    from presence_tray.core.own_status import OwnStatusTracker
    from presence_tray.core.webhooks import WebhookSecrets
    from presence_tray.storage.repositories import WebhooksRepository

_log = logging.getLogger(__name__)

Listener = Callable[[], None]

QUEUE_LIMIT: Final = 100
"""Changes waiting per hook; beyond this the oldest is dropped (and counted)."""

_T = TypeVar("_T")
_A = TypeVar("_A")


@dataclass
class HookStatistics:
    """One hook's delivery counters, and its last success and failure."""

    delivered: int = 0
    failed: int = 0
    """Changes given up on (after the last try, or at once for a 4xx)."""
    retries: int = 0
    dropped: int = 0
    """Changes dropped because the queue was full."""
    last_error: str | None = None
    last_error_at: float | None = None
    last_success_at: float | None = None


@dataclass
class _Lane:
    """A hook's queue, its worker and its counters."""

    hook: Webhook
    queue: deque[WebhookEvent]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    stats: HookStatistics = field(default_factory=HookStatistics)
    task: asyncio.Task[None] | None = None


class WebhookService:
    """The user's webhooks: saved, fired by status changes, delivered with retries."""

    def __init__(
        self,
        clock: Clock,
        secrets_store: WebhookSecrets,
        repository: WebhooksRepository | None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        queue_limit: int = QUEUE_LIMIT,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """Hooks saved through ``repository`` (None: for this run only), secrets in
        ``secrets_store``; waits and timestamps on ``clock`` (the real one in the app: a
        receiver checks the timestamp against its own clock)."""
        self._clock = clock
        self._secrets = secrets_store
        self._repository = repository
        self._max_attempts = max(1, max_attempts)
        self._queue_limit = max(1, queue_limit)
        self._jitter = jitter
        self._lanes: dict[str, _Lane] = {}
        self._secret_cache: dict[str, str] = {}
        self._person_changes = PersonChanges()
        self._watched: frozenset[str] = frozenset()
        self._listeners: list[Listener] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self._own_status: OwnStatusTracker | None = None
        self._dnd_end: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._sender = WebhookSender(
            clock,
            timeout=timeout,
            hosts=lambda: {destination(lane.hook.url) for lane in self._lanes.values()},
        )

    # -- set-up --------------------------------------------------------------------------

    async def load(self) -> None:
        """Read the saved hooks (none when storage cannot be read: logged)."""
        if self._repository is None:
            return
        from presence_tray.storage.database import StorageError

        try:
            hooks = await asyncio.to_thread(self._repository.list)
        except StorageError as err:
            _log.warning("could not read the webhooks: %s", err)
            return
        for hook in hooks:
            self._start_lane(hook)
        self._rewatch()

    def attach(self, hub: PresenceHub, own_status: OwnStatusTracker) -> None:
        """Fire on ``hub``'s changes and on my status as ``own_status`` records it."""
        self._own_status = own_status
        self._unsubscribe += [
            hub.subscribe(self.on_changes),
            own_status.subscribe(self.on_own_status),
        ]

    @property
    def remembers(self) -> bool:
        """Whether hooks are saved (False: no database this run)."""
        return self._repository is not None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Hear when a hook or its health changes; returns the unsubscriber."""
        return add_listener(self._listeners, listener)

    # -- what the settings dialog reads and does -----------------------------------------

    def hooks(self) -> list[Webhook]:
        """Every hook, oldest first."""
        return [lane.hook for lane in self._lanes.values()]

    def health(self, hook_id: str) -> str:
        """A sentence on how the hook's deliveries went, for the settings list."""
        lane = self._lanes.get(hook_id)
        if lane is None:
            return ""
        stats = lane.stats
        if stats.last_error is not None and (
            stats.last_success_at is None or (stats.last_error_at or 0) >= stats.last_success_at
        ):
            return f"Failed at {_clock_time(stats.last_error_at)}: {stats.last_error}"
        if stats.last_success_at is not None:
            return f"Delivered at {_clock_time(stats.last_success_at)}."
        return "Nothing sent yet."

    async def save(self, hook: Webhook) -> Webhook:
        """Add ``hook`` (an empty ``hook_id``: a new one, with a new signing secret) or
        replace the one with its id. Raises ValueError with a sentence for a bad hook, a
        keyring or a storage failure (then nothing changed)."""
        problem = hook.problem()
        if problem is not None:
            raise ValueError(problem)
        hook = replace(hook, url=hook.url.strip())
        if not hook.hook_id:
            hook = replace(hook, hook_id=uuid.uuid4().hex, created_at=self._clock.now())
            secret = secrets.token_urlsafe(32)
            await self._keyring(self._secrets.put(hook.hook_id, secret))
            self._secret_cache[hook.hook_id] = secret
        elif hook.hook_id in self._lanes:
            hook = replace(hook, created_at=self._lanes[hook.hook_id].hook.created_at)
        else:
            msg = "That webhook was removed in the meantime."
            raise ValueError(msg)
        try:
            await self._store(self._repository.save if self._repository else None, hook)
        except ValueError:
            if hook.hook_id not in self._lanes:  # a new hook: leave no secret behind
                self._secret_cache.pop(hook.hook_id, None)
                with contextlib.suppress(ValueError):
                    await self._keyring(self._secrets.delete(hook.hook_id))
            raise
        lane = self._lanes.get(hook.hook_id)
        if lane is None:
            self._start_lane(hook)
        else:
            lane.hook = hook
        self._rewatch()
        _log.info("webhook %s to %s saved", hook.hook_id, destination(hook.url))
        self._changed()
        return hook

    async def remove(self, hook_id: str) -> None:
        """Stop and forget a hook and its secret. Raises ValueError with a sentence when the
        keyring or storage failed (then it keeps running)."""
        await self._store(self._repository.delete if self._repository else None, hook_id)
        lane = self._lanes.pop(hook_id, None)
        if lane is not None and lane.task is not None:
            lane.task.cancel()
            await asyncio.gather(lane.task, return_exceptions=True)
        self._secret_cache.pop(hook_id, None)
        self._rewatch()
        self._changed()
        await self._keyring(self._secrets.delete(hook_id))

    async def secret(self, hook_id: str) -> str:
        """The hook's signing secret, to show its owner. Raises ValueError with a sentence."""
        cached = self._secret_cache.get(hook_id)
        if cached is not None:
            return cached
        found = await self._keyring(self._secrets.get(hook_id))
        if found is None:
            msg = (
                "This webhook's signing secret is missing from the keyring. Remove the webhook "
                "and add it again to make a new secret."
            )
            raise ValueError(msg)
        self._secret_cache[hook_id] = found
        return found

    async def send_test(self, hook_id: str) -> str:
        """Send one test change (my status, Available) now, once: the sentence says how it
        went. Counted in the hook's statistics like any delivery."""
        lane = self._lanes.get(hook_id)
        if lane is None:
            return "That webhook was removed in the meantime."
        where = destination(lane.hook.url)
        outcome = await self._try_once(lane, test_event(self._clock.now()))
        self._count(lane, outcome, tries=1)
        if outcome.delivered:
            return f"The test was delivered to {where}."
        return f"The test was not delivered: {outcome.problem}"

    # -- statistics ----------------------------------------------------------------------

    def statistics(self) -> dict[str, object]:
        """Every hook's counters and totals, as plain JSON-ready values (no URL path, no
        secret): ``{"hooks": [{"id", "destination", "delivered", "failed", "retries",
        "dropped", "queued", "last_error", "last_error_at", "last_success_at"}, ...],
        "delivered", "failed", "retries", "dropped"}``; times are ISO 8601 UTC or None."""
        hooks: list[dict[str, object]] = []
        for lane in self._lanes.values():
            stats = lane.stats
            hooks.append(
                {
                    "id": lane.hook.hook_id,
                    "destination": destination(lane.hook.url),
                    "delivered": stats.delivered,
                    "failed": stats.failed,
                    "retries": stats.retries,
                    "dropped": stats.dropped,
                    "queued": len(lane.queue),
                    "last_error": stats.last_error,
                    "last_error_at": iso_time(stats.last_error_at) or None,
                    "last_success_at": iso_time(stats.last_success_at) or None,
                }
            )
        totals = {
            name: sum(getattr(lane.stats, name) for lane in self._lanes.values())
            for name in ("delivered", "failed", "retries", "dropped")
        }
        return {"hooks": hooks, **totals}

    # -- firing --------------------------------------------------------------------------

    def on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        """Queue the changes of watched people for their hooks (subscribed to the hub)."""
        if not self._watched:
            return
        for event in self._person_changes.events(changes, self._watched, self._clock.now()):
            self._fire(event)

    def on_own_status(self, status: OwnStatus | None) -> None:
        """Queue my new status for the own-status hooks; a timed do-not-disturb also fires
        Available when it ends (subscribed to the own-status tracker)."""
        if status is None:
            return
        now = self._clock.now()
        self._fire(event_for_own_status(status, now))
        if self._dnd_end is not None:
            self._dnd_end.cancel()
            self._dnd_end = None
        if status.until is not None and status.until > now:
            self._dnd_end = asyncio.get_running_loop().create_task(
                self._fire_when_over(status), name="webhooks: end of do-not-disturb"
            )

    async def _fire_when_over(self, status: OwnStatus) -> None:
        assert status.until is not None  # noqa: S101 - checked by the caller
        await self._clock.sleep(status.until - self._clock.now())
        if self._own_status is None or self._own_status.requested is status:
            self._fire(event_for_own_status(OwnStatus(PresenceState.ONLINE), self._clock.now()))

    def _fire(self, event: WebhookEvent) -> None:
        for lane in self._lanes.values():
            if lane.hook.fires_for(event.person_id):
                if len(lane.queue) == lane.queue.maxlen:
                    lane.stats.dropped += 1
                    _log.info("webhook %s: queue full, oldest change dropped", lane.hook.hook_id)
                lane.queue.append(event)
                lane.wake.set()

    def _rewatch(self) -> None:
        self._watched = frozenset(
            person for lane in self._lanes.values() for person in lane.hook.person_ids
        ) - {ME}

    # -- delivery ------------------------------------------------------------------------

    def _start_lane(self, hook: Webhook) -> None:
        lane = _Lane(hook, deque(maxlen=self._queue_limit))
        self._lanes[hook.hook_id] = lane
        lane.task = asyncio.get_running_loop().create_task(
            self._run(lane), name=f"webhook {hook.hook_id}"
        )

    async def _run(self, lane: _Lane) -> None:
        while True:
            if not lane.queue:
                lane.wake.clear()
                await lane.wake.wait()
                continue
            event = lane.queue.popleft()
            outcome = Outcome(delivered=False)
            tries = 0
            while tries < self._max_attempts:
                tries += 1
                outcome = await self._try_once(lane, event)
                if outcome.delivered or not outcome.retry or tries == self._max_attempts:
                    break
                lane.stats.retries += 1
                wait = retry_wait(tries, self._jitter(), outcome.retry_after)
                _log.info(
                    "webhook %s: try %d failed (%s); again in %.1f s",
                    lane.hook.hook_id,
                    tries,
                    outcome.problem,
                    wait,
                )
                await self._clock.sleep(wait)
            self._count(lane, outcome, tries)

    def _count(self, lane: _Lane, outcome: Outcome, tries: int) -> None:
        stats = lane.stats
        now = self._clock.now()
        if outcome.delivered:
            stats.delivered += 1
            stats.last_success_at = now
        else:
            stats.failed += 1
            stats.last_error_at = now
            after = f" Gave up after {tries} tries." if tries > 1 else ""
            stats.last_error = f"{outcome.problem}{after}"
            _log.warning("webhook %s: not delivered: %s", lane.hook.hook_id, stats.last_error)
        self._changed()

    async def _try_once(self, lane: _Lane, event: WebhookEvent) -> Outcome:
        hook = lane.hook
        try:
            secret = await self.secret(hook.hook_id)
        except ValueError as err:
            return Outcome(delivered=False, problem=f"It could not be signed. {err}")
        body, content_type = body_for(hook.templates, event)
        headers = {
            "Content-Type": content_type,
            EVENT_HEADER: event.kind.value,
            **signed_headers(secret, self._clock.now(), body),
        }
        return await self._sender.post(hook.url, body, headers)

    # -- helpers -------------------------------------------------------------------------

    async def _keyring(self, call: Awaitable[_T]) -> _T:
        """Await a keyring call; its failure becomes a ValueError with the keyring's sentence."""
        try:
            return await call
        except PresenceError as err:
            msg = f"The keyring could not be used. {err}"
            raise ValueError(msg) from None

    async def _store(self, write: Callable[[_A], None] | None, value: _A) -> None:
        if write is None:
            return
        from presence_tray.storage.database import StorageError

        try:
            await asyncio.to_thread(write, value)
        except StorageError as err:
            _log.warning("could not save the webhooks: %s", err)
            msg = f"The webhook could not be saved. {err}"
            raise ValueError(msg) from None

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # noqa: BLE001 - one broken listener must not silence the rest
                _log.exception("a webhook listener failed")

    async def aclose(self) -> None:
        """Stop listening and delivering (changes still queued are dropped)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        if self._dnd_end is not None:
            tasks.append(self._dnd_end)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._sender.aclose()


def _clock_time(seconds: float | None) -> str:
    """``seconds`` as the local time of day ("14:02"; with the date when not today)."""
    if seconds is None:
        return "?"
    moment = datetime.fromtimestamp(seconds)  # noqa: DTZ006 - the user's local time
    today = datetime.now().date()  # noqa: DTZ005 - the user's local date
    return moment.strftime("%H:%M" if moment.date() == today else "%d %b %H:%M")


class KeyringWebhookSecretsOnDemand:
    """Webhook secrets in the OS keyring, with the keyring loaded at the first use: a run
    without webhooks never imports it."""

    def __init__(self) -> None:
        """Nothing is loaded yet."""
        self._store: WebhookSecrets | None = None

    def _keyring(self) -> WebhookSecrets:
        if self._store is None:
            from presence_tray.storage.secrets import KeyringSecretStore, KeyringWebhookSecrets

            self._store = KeyringWebhookSecrets(KeyringSecretStore())
        return self._store

    async def get(self, hook_id: str) -> str | None:
        """The hook's secret, or None if there is none."""
        return await self._keyring().get(hook_id)

    async def put(self, hook_id: str, secret: str) -> None:
        """Store (or replace) the hook's secret."""
        await self._keyring().put(hook_id, secret)

    async def delete(self, hook_id: str) -> None:
        """Forget the hook's secret; nothing happens if there is none."""
        await self._keyring().delete(hook_id)
