"""App-wide preferences, one JSON value per key (a new preference is a new key: no migration)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final, TypeVar

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.preferences import (
    POLL_LIMITS,
    Preferences,
    allowed_origins_problem,
    api_port_problem,
    cooldown_problem,
    poll_interval_problem,
    retention_problem,
    window_size_problem,
)
from presence_tray.storage.repositories._common import PLATFORMS, clip, dumps, loads

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from presence_tray.core.identity import Platform
    from presence_tray.storage.database import Database

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

_LOAD_SQL: Final = 'SELECT "key", value_json FROM preferences'
_UPSERT_SQL: Final = """
    INSERT INTO preferences ("key", value_json) VALUES (?, ?)
    ON CONFLICT ("key") DO UPDATE SET value_json = excluded.value_json
"""


def _policy(value: object) -> AggregationPolicy | None:
    if not isinstance(value, str):
        return None
    try:
        return AggregationPolicy(value)
    except ValueError:
        return None


def _boolean(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: object) -> float | None:
    # bool is an int too; true is not a number of seconds.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _retention_days(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and retention_problem(value) is None:
        return value
    return None


def _cooldown(value: object) -> float | None:
    seconds = _number(value)
    return seconds if seconds is not None and cooldown_problem(seconds) is None else None


def _poll_intervals(value: object) -> dict[Platform, float] | None:
    """Stored intervals over the defaults; None when any known platform's value is bad.

    Platforms this version does not poll (written by a newer one) are ignored.
    """
    if not isinstance(value, dict):
        return None
    intervals = {platform: limits.default for platform, limits in POLL_LIMITS.items()}
    for word, stored in value.items():
        platform = PLATFORMS.get(word)
        if platform is None or platform not in POLL_LIMITS:
            continue
        seconds = _number(stored)
        if seconds is None or poll_interval_problem(platform, seconds) is not None:
            return None
        intervals[platform] = seconds
    return intervals


def _api_port(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and api_port_problem(value) is None:
        return value
    return None


def _origins(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(origin, str) for origin in value):
        return None
    origins = tuple(value)
    return origins if allowed_origins_problem(origins) is None else None


def _window_size(value: object) -> tuple[int, int] | None:
    if not isinstance(value, list) or len(value) != 2:  # noqa: PLR2004 - width and height
        return None
    size = (value[0], value[1])
    return size if window_size_problem(size) is None else None


class PreferencesRepository:
    """Reads and saves :class:`~presence_tray.core.preferences.Preferences`."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def get(self) -> Preferences:
        """The saved preferences; defaults (and a WARNING) for what is unknown or invalid."""
        with self._db.reading() as connection:
            rows = connection.execute(_LOAD_SQL).fetchall()
        stored: dict[str, str] = dict(rows)
        defaults = Preferences()
        return Preferences(
            aggregation_policy=_read(
                stored, "aggregation_policy", _policy, defaults.aggregation_policy
            ),
            history_enabled=_read(stored, "history_enabled", _boolean, defaults.history_enabled),
            history_retention_days=_read(
                stored, "history_retention_days", _retention_days, defaults.history_retention_days
            ),
            notify_favourites=_read(
                stored, "notify_favourites", _boolean, defaults.notify_favourites
            ),
            notification_cooldown_seconds=_read(
                stored,
                "notification_cooldown_seconds",
                _cooldown,
                defaults.notification_cooldown_seconds,
            ),
            notification_sound=_read(
                stored, "notification_sound", _boolean, defaults.notification_sound
            ),
            poll_interval_seconds=_read(
                stored, "poll_interval_seconds", _poll_intervals, defaults.poll_interval_seconds
            ),
            simulated_network=_read(
                stored, "simulated_network", _boolean, defaults.simulated_network
            ),
            contacts_window_size=_read_optional(stored, "contacts_window_size", _window_size),
            api_enabled=_read(stored, "api_enabled", _boolean, defaults.api_enabled),
            # null: the default port (saved so, since a port chosen once can be unchosen)
            api_port=None
            if loads(stored.get("api_port")) is None
            else _read_optional(stored, "api_port", _api_port),
            api_allowed_origins=_read(
                stored, "api_allowed_origins", _origins, defaults.api_allowed_origins
            ),
        )

    def save(self, value: Preferences) -> None:
        """Save every preference (keys written by newer versions are left alone).

        Raises ValueError, with the sentence of the first problem, for a value out of bounds.
        """
        problems = value.problems()
        if problems:
            raise ValueError(problems[0])
        intervals = {
            platform.value: seconds for platform, seconds in value.poll_interval_seconds.items()
        }
        chosen: dict[str, object] = {
            "aggregation_policy": value.aggregation_policy.value,
            "history_enabled": value.history_enabled,
            "history_retention_days": value.history_retention_days,
            "notify_favourites": value.notify_favourites,
            "notification_cooldown_seconds": value.notification_cooldown_seconds,
            "notification_sound": value.notification_sound,
            "poll_interval_seconds": intervals,
            "simulated_network": value.simulated_network,
            "api_enabled": value.api_enabled,
            "api_port": value.api_port,
            "api_allowed_origins": list(value.api_allowed_origins),
        }
        if value.contacts_window_size is not None:
            chosen["contacts_window_size"] = list(value.contacts_window_size)
        rows = [(key, dumps(stored)) for key, stored in chosen.items()]
        with self._db.writing() as connection:
            connection.executemany(_UPSERT_SQL, rows)


def _read_optional(
    stored: Mapping[str, str], key: str, parse: Callable[[object], _T | None]
) -> _T | None:
    """Like :func:`_read`, for a preference whose default is "not set"."""
    if key not in stored:
        return None
    return _read(stored, key, parse, None)


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
