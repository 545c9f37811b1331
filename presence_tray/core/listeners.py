"""Subscribing to something: a listener added to a list, and the way to remove it again."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

ListenerT = TypeVar("ListenerT")


def add_listener(listeners: list[ListenerT], listener: ListenerT) -> Callable[[], None]:
    """Append ``listener`` to ``listeners``; returns the function that removes it again
    (calling it twice is harmless)."""
    listeners.append(listener)

    def unsubscribe() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return unsubscribe
