"""Builders and strategies shared by the platform tests."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from hypothesis import strategies as st

from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.platforms.wire import UnknownValueLog

if TYPE_CHECKING:
    from collections.abc import Sequence

NOW = 1_700_000_000.0
HUGE = "x" * 1_000_000
"""A status word no platform sends: a megabyte of it."""


def key(platform: Platform, remote_id: str = "remote-1") -> IdentityKey:
    """An identity key on ``platform`` seen through account ``acct``."""
    return IdentityKey(platform, "acct", remote_id)


def quiet_unknown_log() -> UnknownValueLog:
    """A log-once memory writing outside the ``presence_tray`` tree.

    For property tests: they feed garbage by design, and conftest fails a test on any
    ``presence_tray`` warning it did not ask for with ``expected_warnings``.
    """
    return UnknownValueLog(logging.getLogger("tests.platforms.quiet"))


class Normaliser(Protocol):
    """The common shape of a normaliser."""

    def __call__(
        self,
        identity: IdentityKey,
        payload: object,
        /,
        *,
        observed_at: float,
        unknown: UnknownValueLog = ...,
    ) -> PlatformPresence: ...


def assert_unknown_logged_once(
    normalise: Normaliser,
    platform: Platform,
    payload: object,
    records: list[logging.LogRecord],
) -> None:
    """``payload`` reads as unknown twice, and only the first time is it logged."""
    unknown = UnknownValueLog()
    for _ in range(2):
        value = normalise(key(platform), payload, observed_at=NOW, unknown=unknown)
        assert value.state is PresenceState.UNKNOWN
        assert not value.dnd
        assert value.activity is None
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].levelno == logging.WARNING
    assert records[0].getMessage().startswith(f"{platform.display_name} sent an unexpected")


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)


def json_like(keys: Sequence[str] = (), words: Sequence[str] = ()) -> st.SearchStrategy[object]:
    """Arbitrary JSON-like values, with object keys and strings biased toward ``keys``/``words``.

    The bias makes the normaliser's deeper branches reachable, not only its first type check.
    """
    leaves = JSON_LEAVES | st.sampled_from(words) if words else JSON_LEAVES
    names = st.sampled_from(keys) | st.text(max_size=10) if keys else st.text(max_size=10)
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(names, children, max_size=6)
        ),
        max_leaves=30,
    )
