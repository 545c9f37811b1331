"""Desktop notifications wired up: the notifier built from the saved rules, favourites and
do-not-disturb schedule, subscribed to the hub, sending through the desktop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.dnd import DndSchedule
from presence_tray.core.notifier import Notifier, tick_periodically
from presence_tray.storage.database import StorageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.own_status import OwnStatusTracker
    from presence_tray.people_service import PeopleService
    from presence_tray.runtime import Runtime
    from presence_tray.storage.local_store import LocalStore
    from presence_tray.ui.notifications import DesktopNotifier
    from presence_tray.ui.shell import TrayShell

_log = logging.getLogger(__name__)

NOTIFICATION_QUIET_SECONDS = 30.0
"""At most this long (real seconds) after start-up, accounts still connecting, nothing is sent."""
NOTIFICATION_TICK_SECONDS = 1.0
"""How often (real seconds) the notifier checks whether do-not-disturb has ended, while
changes are held for its digest (otherwise it does not wake up at all)."""


@dataclass
class Notifications:
    """The notifier subscribed to the hub, and the desktop notifications it sends through."""

    desktop: DesktopNotifier
    unsubscribe: Callable[[], None]

    async def aclose(self) -> None:
        """Stop listening to the hub and disconnect from the desktop."""
        self.unsubscribe()
        await self.desktop.aclose()


def in_do_not_disturb(schedule: DndSchedule, own_status: OwnStatusTracker, now: float) -> bool:
    """DND is on by the saved schedule (rules, snooze, vacation) or chosen in the tray."""
    if schedule.active_at(now):
        return True
    mine = own_status.current(now)
    return mine is not None and mine.dnd


async def start_notifications(
    runtime: Runtime,
    store: LocalStore | None,
    shell: TrayShell,
    people: PeopleService,
    *,
    dnd_schedule: Callable[[], DndSchedule] | None = None,
) -> Notifications:
    """Desktop notifications by the rules, favourites and do-not-disturb schedule.

    Rules and favourites are ``people``'s, followed live (the contacts window edits them);
    a one-shot rule that fired is removed through it. Clicking a notification about one
    person opens their detail. ``dnd_schedule`` gives the schedule in force (the settings
    dialog edits it live); without it the saved one (if any) is read once. The defaults
    (favourites on or off, their cooldown, the sound) are read from ``runtime.preferences``
    at each notification. Nothing is sent until every account has made its first
    connection, or for ``NOTIFICATION_QUIET_SECONDS`` at most. The session bus is reached at
    the first notification, not here.
    """
    from presence_tray.ui.notifications import DesktopNotifier

    dnd = DndSchedule()
    if dnd_schedule is None and store is not None:
        try:
            dnd = await asyncio.to_thread(store.dnd.get)
        except StorageError as err:
            _log.warning("could not read the do-not-disturb schedule: %s", err)
    clock = runtime.clock

    def show_in_tray(title: str, body: str) -> None:
        if shell.tray_icon is not None:
            shell.tray_icon.showMessage(title, body)

    desktop = DesktopNotifier(
        show_in_tray,
        on_open=shell.open_person,
        sound=lambda: runtime.preferences.notification_sound,
    )
    schedule = dnd_schedule or (lambda: dnd)
    notifier = Notifier(
        clock,
        desktop.send,
        rules=people.rules(),
        favourites=lambda: (
            people.favourites() if runtime.preferences.notify_favourites else frozenset()
        ),
        favourite_cooldown=lambda: runtime.preferences.notification_cooldown_seconds,
        dnd_active=lambda: in_do_not_disturb(
            schedule(), runtime.supervisor.own_status, clock.now()
        ),
        on_rule_spent=people.rule_spent,
        quiet_seconds=None,
    )

    async def settle() -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(NOTIFICATION_QUIET_SECONDS):
                await runtime.supervisor.wait_until_settled()
        notifier.mark_settled()

    people.attach(notifier)
    unsubscribe = runtime.hub.subscribe(notifier.on_changes)
    notifier.start()
    runtime.spawn(settle(), "notifications settle")
    runtime.spawn(tick_periodically(notifier, NOTIFICATION_TICK_SECONDS), "notifications tick")
    return Notifications(desktop, unsubscribe)
