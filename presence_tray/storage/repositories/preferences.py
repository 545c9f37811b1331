"""App-wide preferences, one JSON value per key."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.preferences import Preferences
from presence_tray.storage.repositories._common import clip, dumps, loads
from presence_tray.storage.tables import preferences

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from presence_tray.storage.database import Database

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

_UPSERT = insert(preferences)
_UPSERT = _UPSERT.on_conflict_do_update(
    index_elements=[preferences.c.key], set_={"value_json": _UPSERT.excluded.value_json}
)


def _policy(value: object) -> AggregationPolicy | None:
    if not isinstance(value, str):
        return None
    try:
        return AggregationPolicy(value)
    except ValueError:
        return None


def _boolean(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _positive_int(value: object) -> int | None:
    # bool is an int too; true is not a number of days.
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


class PreferencesRepository:
    """Reads and saves :class:`~presence_tray.core.preferences.Preferences`."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def get(self) -> Preferences:
        """The saved preferences; defaults for what is unset, unknown or invalid."""
        with self._db.reading() as connection:
            rows = connection.execute(select(preferences.c.key, preferences.c.value_json)).all()
        stored: dict[str, str] = dict(rows)
        defaults = Preferences()
        return Preferences(
            aggregation_policy=_read(
                stored, "aggregation_policy", _policy, defaults.aggregation_policy
            ),
            history_enabled=_read(stored, "history_enabled", _boolean, defaults.history_enabled),
            history_retention_days=_read(
                stored, "history_retention_days", _positive_int, defaults.history_retention_days
            ),
        )

    def save(self, value: Preferences) -> None:
        """Save every preference (keys written by newer versions are left alone)."""
        if _positive_int(value.history_retention_days) is None:
            days = value.history_retention_days
            msg = f"history retention must be a positive number of days, not {days!r}"
            raise ValueError(msg)
        rows = [
            {"key": "aggregation_policy", "value_json": dumps(value.aggregation_policy.value)},
            {"key": "history_enabled", "value_json": dumps(value.history_enabled)},
            {"key": "history_retention_days", "value_json": dumps(value.history_retention_days)},
        ]
        with self._db.writing() as connection:
            connection.execute(_UPSERT, rows)


def _read(
    stored: Mapping[str, str], key: str, parse: Callable[[object], _T | None], default: _T
) -> _T:
    text = stored.get(key)
    if text is None:
        return default
    value = parse(loads(text))
    if value is None:
        _log.warning(
            "preference %s: stored value %s is not valid; using %r", key, clip(text), default
        )
        return default
    return value
