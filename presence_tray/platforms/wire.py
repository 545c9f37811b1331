"""Reading untrusted JSON payloads without ever raising.

Normalisers receive whatever a platform (or a broken proxy) sent: ``None``, a list, a number
where a string belongs, a ten-megabyte status text. The accessors here return ``None`` for
anything that is not the expected type, and :class:`UnknownValueLog` says so in the log once
per (platform, field, value), so a new enum spelling is noticed without flooding the log.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.core.identity import Platform

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

MAX_TEXT_CHARS: Final = 280
"""Longest status text we keep; platforms allow 100-280 characters, anything longer is noise."""

MISSING: Final = object()
"""Stands for an absent field when reporting one to :class:`UnknownValueLog`."""

_MAX_DESCRIBED_CHARS = 60
_MAX_TIMESTAMP_CHARS = 64
_MAX_DESCRIBED_INT_BITS = 64
_MAX_REMEMBERED = 1024


# -- plain accessors ---------------------------------------------------------------------------


def as_mapping(value: object) -> Mapping[str, object] | None:
    """``value`` if it is a JSON object, else None."""
    # JSON objects have string keys; a non-str key merely never matches a lookup.
    if type(value) is dict:  # what json.loads gives; skips the slower ABC check (hot path)
        return value
    return value if isinstance(value, Mapping) else None


def as_list(value: object) -> list[object] | None:
    """``value`` if it is a JSON array, else None."""
    return value if isinstance(value, list) else None


def as_str(value: object) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def as_bool(value: object) -> bool | None:
    """``value`` if it is a boolean, else None (0 and 1 are not booleans in JSON)."""
    return value if isinstance(value, bool) else None


def as_float(value: object) -> float | None:
    """A finite number as float, else None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too big for a float
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    """``value`` if it is an integer (not a boolean), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def get_value(payload: object, *path: str) -> object:
    """The value at ``path`` inside nested JSON objects, or None where any step is missing."""
    current = payload
    for key in path:
        mapping = current if type(current) is dict else as_mapping(current)
        if mapping is None:
            return None
        current = mapping.get(key)
    return current


def get_str(payload: object, *path: str) -> str | None:
    """The string at ``path``, or None."""
    return as_str(get_value(payload, *path))


def get_float(payload: object, *path: str) -> float | None:
    """The finite number at ``path``, or None."""
    return as_float(get_value(payload, *path))


def get_int(payload: object, *path: str) -> int | None:
    """The integer at ``path``, or None."""
    return as_int(get_value(payload, *path))


def get_bool(payload: object, *path: str) -> bool | None:
    """The boolean at ``path``, or None."""
    return as_bool(get_value(payload, *path))


def get_mapping(payload: object, *path: str) -> Mapping[str, object] | None:
    """The JSON object at ``path``, or None."""
    return as_mapping(get_value(payload, *path))


def get_list(payload: object, *path: str) -> list[object] | None:
    """The JSON array at ``path``, or None."""
    return as_list(get_value(payload, *path))


def clip_text(text: str | None) -> str | None:
    """A status text fit to show: stripped, at most :data:`MAX_TEXT_CHARS`, None when empty."""
    if text is None:
        return None
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1].rstrip() + "…"
    return text or None


def parse_timestamp(value: object) -> float | None:
    """Seconds since the epoch from a number, a numeric string or an ISO 8601 date, else None.

    A naive ISO date is taken as UTC, which is what every platform here sends.
    """
    number = as_float(value)
    if number is not None:
        return number
    text = as_str(value)
    if text is None or len(text) > _MAX_TIMESTAMP_CHARS:
        return None
    try:
        return as_float(float(text))  # as_float refuses "nan", "inf" and "1e999"
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# -- reporting unexpected values once -------------------------------------------------------


def describe(value: object) -> str:
    """A short, log-safe description: strings (case-folded, clipped) by value, others by type.

    Content of lists and objects is left out on purpose: it could be long or personal, and
    "a list where a string belongs" is the useful fact.
    """
    if value is MISSING:
        return "<missing>"
    if isinstance(value, str):
        folded = value.casefold()
        if len(folded) > _MAX_DESCRIBED_CHARS:
            folded = folded[:_MAX_DESCRIBED_CHARS] + "…"
        return repr(folded)
    if isinstance(value, int) and value.bit_length() > _MAX_DESCRIBED_INT_BITS:
        return "<big int>"  # repr() of a huge int is slow, or refused beyond 4300 digits
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    return f"<{type(value).__name__}>"


class UnknownValueLog:
    """Logs an unexpected wire value once per (platform, field, value), at WARNING by default.

    One instance is the "once" memory; :data:`DEFAULT_UNKNOWN_LOG` serves the whole app the
    way :mod:`warnings` keeps one registry. Memory is bounded: after ``max_entries`` distinct
    values, one last warning says that further ones are no longer logged.
    """

    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        max_entries: int = _MAX_REMEMBERED,
        level: int = logging.WARNING,
    ) -> None:
        """Create an empty log writing to ``logger`` (this module's by default) at ``level``."""
        self._logger = logger or _log
        self._level = level
        self._max_entries = max_entries
        self._seen: set[tuple[str, str, str]] = set()
        self._full = False

    def report(self, platform: Platform, field: str, value: object) -> bool:
        """Note an unexpected ``value`` in ``field``; return whether this call logged it."""
        return self.report_problem(platform, field, describe(value))

    def report_problem(self, platform: Platform, field: str, problem: str) -> bool:
        """Note a problem described in words ("not a date"); return whether it was logged."""
        key = (str(platform), field, problem)
        if key in self._seen:
            return False
        if len(self._seen) >= self._max_entries:
            if not self._full:
                self._full = True
                self._logger.log(
                    self._level,
                    "more than %s distinct unexpected wire values; no longer logging new ones",
                    self._max_entries,
                )
            return False
        self._seen.add(key)
        self._logger.log(
            self._level,
            "%s sent an unexpected %s: %s; it is treated as unknown (logged once)",
            platform.display_name,
            field,
            problem,
        )
        return True

    @property
    def logged(self) -> int:
        """How many distinct values have been logged."""
        # A property, not __len__: an empty log must not be falsy in ``log or default``.
        return len(self._seen)


DEFAULT_UNKNOWN_LOG: Final = UnknownValueLog()
"""The process-wide memory of what was already logged; tests pass their own instance."""


class WireReader:
    """Typed reads from one platform's payloads that report a wrong type or value once.

    ``None`` and absent fields are "not given" and never reported, except by
    :meth:`choice` with ``required=True``: there a missing value means the payload says
    nothing we can use.
    """

    __slots__ = ("platform", "unknown")

    def __init__(self, platform: Platform, unknown: UnknownValueLog) -> None:
        """Read payloads of ``platform``, reporting to ``unknown``."""
        self.platform = platform
        self.unknown = unknown

    def _typed(
        self, payload: object, path: tuple[str, ...], convert: Callable[[object], _T | None]
    ) -> _T | None:
        raw = get_value(payload, *path)
        if raw is None:
            return None
        typed = convert(raw)
        if typed is None:
            self.unknown.report(self.platform, ".".join(path), raw)
        return typed

    def text(self, payload: object, *path: str) -> str | None:
        """The string at ``path``; a non-string is reported."""
        return self._typed(payload, path, as_str)

    def number(self, payload: object, *path: str) -> float | None:
        """The finite number at ``path``; anything else is reported."""
        return self._typed(payload, path, as_float)

    def flag(self, payload: object, *path: str) -> bool | None:
        """The boolean at ``path``; anything else is reported."""
        return self._typed(payload, path, as_bool)

    def mapping(self, payload: object, *path: str) -> Mapping[str, object] | None:
        """The JSON object at ``path``; anything else is reported."""
        return self._typed(payload, path, as_mapping)

    def items(self, payload: object, *path: str) -> list[object]:
        """The JSON array at ``path`` (empty when absent); anything else is reported."""
        return self._typed(payload, path, as_list) or []

    def timestamp(self, payload: object, *path: str, required: bool = False) -> float | None:
        """The time at ``path`` (see :func:`parse_timestamp`); an unreadable one is reported.

        So is a missing one if ``required``.
        """
        raw = get_value(payload, *path)
        if raw is None:
            if required:
                self.unknown.report(self.platform, ".".join(path), MISSING)
            return None
        moment = parse_timestamp(raw)
        if moment is None:
            self.unknown.report_problem(self.platform, ".".join(path), "not a time")
        return moment

    def choice(
        self, table: Mapping[str, _T], payload: object, *path: str, required: bool = True
    ) -> _T | None:
        """Look the string at ``path`` up in ``table`` (keys case-folded), case-insensitively.

        An unknown spelling or a wrong type is reported; so is a missing value if ``required``.
        A table may map a known word to None ("nothing to say"): that is not reported.
        """
        raw = get_value(payload, *path)
        if raw is None:
            if required:
                self.unknown.report(self.platform, ".".join(path), MISSING)
            return None
        text = as_str(raw)
        folded = None if text is None else text.casefold()
        if folded is None or folded not in table:
            self.unknown.report(self.platform, ".".join(path), raw)
            return None
        return table[folded]
