"""Helpers shared by the repositories: stored words back to enums, JSON, identity keys."""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import and_, tuple_
from sqlalchemy.dialects import sqlite

from presence_tray.core.identity import IdentityKey, Platform

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from sqlalchemy import ColumnElement, Connection, Select, Table, Tuple

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


def plain_sql(query: Select[Any]) -> str:
    """The SQL text of a query without parameters, for :func:`fetch_tuples`."""
    compiled = query.compile(dialect=sqlite.dialect())
    if compiled.params:
        msg = "plain_sql() takes queries without parameters"
        raise ValueError(msg)
    return str(compiled)


def fetch_tuples(connection: Connection, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` as plain tuples from sqlite3, in the caller's transaction.

    For the start-up loads of tens of thousands of rows: building SQLAlchemy's Row objects
    costs as much as the query itself. Values come as SQLite stores them (booleans as 0/1).
    """
    cursor = connection.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
    try:
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


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


def key_columns(table: Table) -> Tuple:
    """``(platform, account_id, remote_id)`` of ``table`` as one row value, for ``IN``."""
    return tuple_(table.c.platform, table.c.account_id, table.c.remote_id)


def key_matches(table: Table, key: IdentityKey) -> ColumnElement[bool]:
    """``table``'s row of ``key``."""
    return and_(
        table.c.platform == key.platform.value,
        table.c.account_id == key.account_id,
        table.c.remote_id == key.remote_id,
    )


def key_params(key: IdentityKey) -> dict[str, str]:
    """The three key columns of ``key`` as statement parameters."""
    return {
        "platform": key.platform.value,
        "account_id": key.account_id,
        "remote_id": key.remote_id,
    }


def chunked(items: Sequence[_T], size: int = KEYS_PER_QUERY) -> Iterator[Sequence[_T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(items: Iterable[_T]) -> list[_T]:
    """``items`` without repeats, in first-seen order."""
    return list(dict.fromkeys(items))
