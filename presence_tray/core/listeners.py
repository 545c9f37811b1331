"""Subscribing to something: a listener added to a list, and the way to remove it again."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable

ListenerT = TypeVar("ListenerT")
ValueT = TypeVar("ValueT")


def add_listener(listeners: list[ListenerT], listener: ListenerT) -> Callable[[], None]:
    """Append ``listener`` to ``listeners``; returns the function that removes it again
    (calling it twice is harmless)."""
    listeners.append(listener)

    def unsubscribe() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return unsubscribe


def tell_each(
    listeners: Iterable[Callable[[ValueT], object]],
    value: ValueT,
    *,
    log: logging.Logger,
    what: str,
) -> None:
    """Call every listener with ``value``; one that raises is logged (as ``what``, with its
    traceback, on ``log``) and stays subscribed, and the others are still called."""
    for listener in list(listeners):
        try:
            listener(value)
        except Exception:  # one broken listener must not silence the rest
            log.exception("%s failed; it stays subscribed", what)
