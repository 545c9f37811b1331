"""Freshness: push values live with their connection, polled values with their TTL."""

from __future__ import annotations

from presence_tray.core.freshness import DEFAULT_TTL_SECONDS, FreshnessPolicy
from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from tests.core.helpers import NOW, key, value

DISCORD = key(Platform.DISCORD, "1")
SLACK = key(Platform.SLACK, "U1")


def test_every_platform_has_a_ttl() -> None:
    assert set(DEFAULT_TTL_SECONDS) == set(Platform)


def test_polled_value_is_fresh_within_ttl_only() -> None:
    policy = FreshnessPolicy()
    v = value(SLACK, PresenceState.ONLINE, NOW)
    ttl = policy.ttl(Platform.SLACK)
    assert policy.is_fresh(v, NOW + ttl, set())
    assert not policy.is_fresh(v, NOW + ttl + 1, set())
    assert policy.split([v], NOW, set()) == (frozenset(), NOW + ttl)
    assert policy.split([v], NOW + ttl + 1, set()) == (frozenset({SLACK}), float("inf"))


def test_pushed_value_is_fresh_while_its_account_is_live() -> None:
    policy = FreshnessPolicy()
    v = value(DISCORD, PresenceState.ONLINE, NOW, source=PresenceSource.PUSH)
    much_later = NOW + 10 * policy.ttl(Platform.DISCORD)
    assert policy.is_fresh(v, much_later, {DISCORD.account})
    assert not policy.is_fresh(v, much_later, set())


def test_cached_value_is_stale_until_confirmed() -> None:
    policy = FreshnessPolicy()
    v = value(SLACK, PresenceState.ONLINE, NOW, source=PresenceSource.CACHE)
    assert not policy.is_fresh(v, NOW, {SLACK.account})
    assert policy.split([v], NOW - 10, {SLACK.account}) == (frozenset({SLACK}), float("inf"))


def test_no_presence_statement_never_ages() -> None:
    policy = FreshnessPolicy()
    v = value(key(Platform.LINKEDIN, "x"), PresenceState.UNKNOWN, NOW, source=PresenceSource.NONE)
    assert policy.is_fresh(v, NOW + 10**9, set())


def test_custom_ttl_and_default_for_unlisted_platform() -> None:
    policy = FreshnessPolicy(ttl_seconds={Platform.SLACK: 10.0})
    assert policy.ttl(Platform.SLACK) == 10.0
    assert policy.ttl(Platform.ZOOM) == 300.0
    assert not policy.is_fresh(value(SLACK, PresenceState.ONLINE, NOW), NOW + 11, set())
