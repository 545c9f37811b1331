"""People in the running app: favourites, "notify me when available", 24 h of history and
each platform's limitation, for the contacts window and the notifier.

Choices apply at once (the window re-sorts, the running notifier follows) and are saved
through the store on a worker thread, one after another in the order they were made.
Without a store they last for this run and the window says so; a read or save that fails is
logged and told to the user in a sentence, and the app goes on.
"""

from __future__ import annotations

import asyncio
import logging
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from presence_tray.background_saves import BackgroundSaves
from presence_tray.core.listeners import add_listener
from presence_tray.core.preferences import NotificationRule, NotifyOn
from presence_tray.platforms.capabilities import PLATFORM_CAPABILITIES
from presence_tray.storage.database import StorageError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from presence_tray.core.history import PresenceTransition
    from presence_tray.core.identity import IdentityKey, Platform
    from presence_tray.core.notifier import Notifier
    from presence_tray.storage.local_store import LocalStore

_log = logging.getLogger(__name__)

PLATFORM_LIMITATIONS: Final[Mapping[Platform, str]] = MappingProxyType(
    {
        platform: capabilities.limitation
        for platform, capabilities in PLATFORM_CAPABILITIES.items()
        if capabilities.limitation
    }
)
"""Each platform's limitation sentence ("Slack shows only active/away for other people")."""
HISTORY_OFF = "History is off. Turn it on in Settings to see the last 24 hours here."
NO_HISTORY_KEPT = "No history is kept: Presence Tray has no saved data in this run."
HISTORY_UNREADABLE = "The history could not be read ({error}). Try again later."


class PeopleService:
    """Favourites and one-shot "notify me when available" requests, applied and saved."""

    def __init__(
        self,
        store: LocalStore | None,
        *,
        history_enabled: Callable[[], bool] = lambda: True,
        limitations: Mapping[Platform, str] = PLATFORM_LIMITATIONS,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        """Work with ``store`` (None: nothing outlives this run).

        ``history_enabled`` says whether the user keeps history; ``on_problem`` receives a
        sentence for the user when reading or saving fails.
        """
        self._store = store
        self._history_enabled = history_enabled
        self._limitations = limitations
        self._favourites: frozenset[str] = frozenset()
        self._rules: dict[tuple[str, NotifyOn], NotificationRule] = {}
        self._notifier: Notifier | None = None
        self._listeners: list[Callable[[], None]] = []
        self._saves: BackgroundSaves[LocalStore] = BackgroundSaves(store, on_problem)

    async def load(self) -> None:
        """Read the saved favourites and rules (call once, after the saved data is loaded)."""
        store = self._store
        if store is None:
            return

        def read() -> tuple[frozenset[str], list[NotificationRule]]:
            return store.people.favourites(), store.rules.list()

        try:
            favourites, rules = await asyncio.to_thread(read)
        except StorageError as err:
            self._saves.problem(
                f"Presence Tray could not read your favourites and notification rules ({err}). "
                "None are shown until it can; choices you make now are still saved."
            )
            return
        self._favourites = favourites
        self._rules = {(rule.person_id, rule.on): rule for rule in rules}
        self._changed()

    # -- for the contacts window -----------------------------------------------------------

    @property
    def remembers(self) -> bool:
        """Whether favourites and requests outlive this run (there is a store)."""
        return self._store is not None

    @property
    def history_note(self) -> str | None:
        """Why there is no history to show, or None when it can be loaded."""
        if self._store is None:
            return NO_HISTORY_KEPT
        if not self._history_enabled():
            return HISTORY_OFF
        return None

    @property
    def limitations(self) -> Mapping[Platform, str]:
        """Each platform's limitation, as a plain sentence."""
        return self._limitations

    def favourites(self) -> frozenset[str]:
        """The favourite person ids."""
        return self._favourites

    def set_favourite(self, person_id: str, *, favourite: bool) -> None:
        """Mark or unmark a favourite: at once here and in the notifier, saved in the
        background."""
        if (person_id in self._favourites) == favourite:
            return
        if favourite:
            self._favourites = self._favourites | {person_id}
        else:
            self._favourites = self._favourites - {person_id}
        self._changed()
        self._saves.save(
            "your favourite",
            lambda store: store.people.set_favourite(person_id, favourite=favourite),
        )

    def rules(self) -> list[NotificationRule]:
        """Every notification rule in force."""
        return list(self._rules.values())

    def notifies_when_available(self, person_id: str) -> bool:
        """Whether a rule notifies the user when the person becomes available."""
        return (person_id, NotifyOn.AVAILABLE) in self._rules

    def set_notify_when_available(self, person_id: str, *, on: bool) -> None:
        """Ask for one notification the next time the person becomes available, or cancel
        the rule that would notify."""
        key = (person_id, NotifyOn.AVAILABLE)
        if (key in self._rules) == on:
            return  # asked already (perhaps every time, from the command line), or not at all
        notifier = self._notifier
        if on:
            rule = NotificationRule(person_id, NotifyOn.AVAILABLE, once=True)
            self._rules[key] = rule
            if notifier is not None:
                notifier.add_rule(rule)
            self._saves.save("your notification request", lambda store: store.rules.save(rule))
        else:
            del self._rules[key]
            if notifier is not None:
                notifier.remove_rule(person_id, NotifyOn.AVAILABLE)
            self._saves.save(
                "the cancelled notification request",
                lambda store: store.rules.delete(person_id, NotifyOn.AVAILABLE),
            )
        self._changed()

    def load_history(
        self,
        keys: Sequence[IdentityKey],
        since: float,
        done: Callable[[Sequence[PresenceTransition]], None],
        failed: Callable[[str], None],
    ) -> None:
        """Read the transitions of ``keys`` since ``since`` on a worker thread; then call
        ``done`` with them, or ``failed`` with a sentence, on the event loop."""
        store = self._store
        if store is None:
            failed(NO_HISTORY_KEPT)
            return
        wanted = list(keys)

        async def load() -> None:
            try:
                found = await asyncio.to_thread(store.history.for_identities, wanted, since)
            except StorageError as err:
                _log.warning("could not read a person's history: %s", err)
                failed(HISTORY_UNREADABLE.format(error=err))
                return
            done(found)

        self._saves.spawn(load(), "load a person's history")

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after favourites or rules change; returns the unsubscribe."""
        return add_listener(self._listeners, listener)

    # -- for the notifier ------------------------------------------------------------------

    def attach(self, notifier: Notifier) -> None:
        """Let ``notifier`` follow the rules from now on (it was built with :meth:`rules`)."""
        self._notifier = notifier

    def rule_spent(self, rule: NotificationRule) -> None:
        """A one-shot rule fired: it is gone here and from storage."""
        key = (rule.person_id, rule.on)
        if self._rules.get(key) != rule:
            return
        del self._rules[key]
        self._changed()
        self._saves.save(
            "the removal of a used notification request",
            lambda store: store.rules.delete(rule.person_id, rule.on),
        )

    async def aclose(self) -> None:
        """Wait for the saves and reads still running (call before the store closes)."""
        await self._saves.aclose()

    # -- internals -------------------------------------------------------------------------

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
