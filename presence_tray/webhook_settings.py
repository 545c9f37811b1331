"""The Webhooks tab's other side: the webhook service's work started for Qt, with callbacks."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.webhooks import Webhook
    from presence_tray.webhook_service import WebhookService

_log = logging.getLogger(__name__)


class WebhookSettings:
    """:class:`~presence_tray.ui.settings.webhooks_tab.WebhookActions` over the service."""

    def __init__(self, service: WebhookService, hub: PresenceHub) -> None:
        """Manage ``service``'s hooks; the people to pick from are ``hub``'s."""
        self._service = service
        self._hub = hub
        self._tasks: set[asyncio.Task[None]] = set()

    def hooks(self) -> list[Webhook]:
        """Every webhook, oldest first."""
        return self._service.hooks()

    def health(self, hook_id: str) -> str:
        """How the hook's deliveries went, as a sentence."""
        return self._service.health(hook_id)

    def people(self) -> list[tuple[str, str]]:
        """(person id, name) of everyone the hub knows, by name."""
        people = sorted(self._hub.people(), key=lambda person: person.display_name.casefold())
        return [(person.person_id, person.display_name) for person in people]

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Hear when a hook or its health changes; returns the unsubscriber."""
        return self._service.subscribe(listener)

    def start_save(self, hook: Webhook, on_done: Callable[[str | None], None]) -> None:
        """Save ``hook`` (empty id: add it); ``on_done`` gets None or the sentence why not."""

        async def save() -> None:
            try:
                await self._service.save(hook)
            except ValueError as err:
                on_done(str(err))
            else:
                on_done(None)

        self._spawn(save(), "webhook save")

    def start_remove(self, hook_id: str, on_done: Callable[[str | None], None]) -> None:
        """Remove a hook and its secret; ``on_done`` gets None or the sentence why not."""

        async def remove() -> None:
            try:
                await self._service.remove(hook_id)
            except ValueError as err:
                on_done(str(err))
            else:
                on_done(None)

        self._spawn(remove(), "webhook remove")

    def start_secret(self, hook_id: str, on_done: Callable[[str, str | None], None]) -> None:
        """Read the signing secret; ``on_done`` gets it (or "") and a problem (or None)."""

        async def read() -> None:
            try:
                secret = await self._service.secret(hook_id)
            except ValueError as err:
                on_done("", str(err))
            else:
                on_done(secret, None)

        self._spawn(read(), "webhook secret")

    def start_test(self, hook_id: str, on_done: Callable[[str], None]) -> None:
        """Send a test now; ``on_done`` gets the sentence saying how it went."""

        async def test() -> None:
            on_done(await self._service.send_test(hook_id))

        self._spawn(test(), "webhook test")

    async def flush(self) -> None:
        """Wait until everything started has ended (tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[object, object, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("webhook settings: %s failed", task.get_name(), exc_info=task.exception())
