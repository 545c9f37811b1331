"""Helpers shared by the repositories: stored words back to enums, JSON, identity keys.

The repositories speak SQL through ``sqlite3`` (see :mod:`presence_tray.storage.connections`):
statements are constants named near their use, values always go in as parameters, and the
only SQL built at run time is the row of ``?`` marks of an ``IN`` list (:func:`marks`,
:func:`key_rows`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import TYPE_CHECKING, Final, TypeVar

from presence_tray.core.identity import IdentityKey, Platform

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

PLATFORMS: Final = {platform.value: platform for platform in Platform}
"""Stored word → platform; a word missing here was written by a newer version."""

KEYS_PER_QUERY: Final = 1000
"""Identity keys per ``IN (...)`` list: three parameters each, well under SQLite's limit."""

_CLIP: Final = 40


def clip(text: object) -> str:
    """``repr`` of a stored value, shortened for a log line."""
    shown = repr(text)
    return shown if len(shown) <= _CLIP else shown[: _CLIP - 1] + "…"


class UnknownValues:
    """Stored values this version cannot read, reported in one WARNING per read.

    A newer version may have written words this one does not know; reading goes on with
    UNKNOWN or without the row, and the log says so once instead of once per row.
    """

    def __init__(self, what: str) -> None:
        """Collect for the read described by ``what`` ("presence cache")."""
        self._what = what
        self._seen: Counter[tuple[str, str]] = Counter()

    def note(self, field: str, value: object) -> None:
        """Count one unreadable ``value`` of ``field``."""
        self._seen[field, clip(value)] += 1

    def report(self, consequence: str) -> None:
        """Log the WARNING, if anything was noted (``consequence``: "rows skipped")."""
        if not self._seen:
            return
        examples = ", ".join(
            f"{field}={value} ({count}x)" for (field, value), count in self._seen.most_common(5)
        )
        _log.warning(
            "%s: %s stored values this version cannot read (%s): %s",
            self._what,
            self._seen.total(),
            consequence,
            examples,
        )


def dumps(value: object) -> str:
    """Compact, stable JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads(text: str | None) -> object:
    """Decoded JSON, or None when ``text`` is missing or not JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def key_of(platform: str, account_id: str, remote_id: str) -> IdentityKey | None:
    """The identity key of three stored columns; None for a platform this version lacks."""
    known = PLATFORMS.get(platform)
    return None if known is None else IdentityKey(known, account_id, remote_id)


KEY_MATCHES: Final = "platform = ? AND account_id = ? AND remote_id = ?"
"""A ``WHERE`` condition for one identity's row; its parameters are :func:`key_row`."""

KEY_COLUMNS: Final = "(platform, account_id, remote_id)"
"""An identity's three key columns as one row value, for ``KEY_COLUMNS IN`` :func:`key_rows`."""

KeyRow = tuple[str, str, str]
"""An identity key as it is stored: platform word, account id, remote id."""


def key_row(key: IdentityKey) -> KeyRow:
    """The three stored key columns of ``key``, in table order."""
    return (key.platform.value, key.account_id, key.remote_id)


def marks(count: int) -> str:
    """``?, ?, ?``: ``count`` parameter marks, for ``IN (...)``."""
    return ", ".join("?" * count)


def key_rows(count: int) -> str:
    """``VALUES (?, ?, ?), ...``: ``count`` identity keys as rows (SQLite's row-value
    ``IN``); their parameters are :func:`flat`."""
    return "VALUES " + ", ".join(["(?, ?, ?)"] * count)


def flat(rows: Iterable[Sequence[_T]]) -> list[_T]:
    """The values of ``rows`` one after the other, as the parameters of :func:`key_rows`."""
    return [item for row in rows for item in row]


def chunked(items: Sequence[_T], size: int = KEYS_PER_QUERY) -> Iterator[Sequence[_T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(items: Iterable[_T]) -> list[_T]:
    """``items`` without repeats, in first-seen order."""
    return list(dict.fromkeys(items))
