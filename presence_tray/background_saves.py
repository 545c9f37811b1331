"""Saving the user's choices in the background, in order, without stopping the app.

The services of the running app (people, linking) apply a choice at once and save it through
the store on a worker thread. :class:`BackgroundSaves` runs those saves one after another in
the order they were made, tells the user in a sentence (and the log) when one fails, and
waits for what is still running before the store closes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Generic, TypeVar

from presence_tray.storage.database import StorageError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

_log = logging.getLogger(__name__)

StoreT = TypeVar("StoreT")


def not_saved_sentence(what: str, error: StorageError) -> str:
    """What the user reads when a choice could not be saved."""
    return (
        f"Presence Tray could not save {what} ({error}). It applies until Presence Tray "
        "quits; make the same choice again later to save it."
    )


class BackgroundSaves(Generic[StoreT]):
    """Saves through one store, one at a time and in order, each in a worker thread."""

    def __init__(
        self, store: StoreT | None, on_problem: Callable[[str], None] | None = None
    ) -> None:
        """Save through ``store`` (None: nothing is saved); ``on_problem`` gets the sentences."""
        self._store = store
        self._on_problem = on_problem
        self._saving = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def store(self) -> StoreT | None:
        """The store saved through, or None when nothing outlives this run."""
        return self._store

    def save(self, what: str, *steps: Callable[[StoreT], None]) -> None:
        """Run ``steps`` on the store in a worker thread, after any save still running.

        ``what`` names the choice in the sentence the user reads if it fails ("your
        favourite"). Without a store, nothing happens.
        """
        store = self._store
        if store is None:
            return

        async def save() -> None:
            async with self._saving:
                try:
                    for step in steps:
                        await asyncio.to_thread(step, store)
                except StorageError as err:
                    self.problem(not_saved_sentence(what, err))

        self.spawn(save(), f"save {what}")

    def spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``coroutine`` in the background; :meth:`aclose` waits for it."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def problem(self, sentence: str) -> None:
        """Log ``sentence`` and tell the user."""
        _log.warning("%s", sentence)
        if self._on_problem is not None:
            self._on_problem(sentence)

    async def aclose(self) -> None:
        """Wait for the saves and reads still running (call before the store closes)."""
        while self._tasks:
            await asyncio.gather(*self._tasks)
