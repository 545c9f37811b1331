"""The reports the command line and the local API share: cache age, update rates, API calls
spent and left, extra statistics sections."""

from __future__ import annotations

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.polling import CallBudget, RateLimit
from presence_tray.core.presence import DevicePresence, PresenceSource, PresenceState
from presence_tray.core.reports import (
    Keyring,
    UpdateRateMeter,
    people_report,
    statistics_report,
)
from tests.core.helpers import NOW, identity, key, value


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def hub(clock: ManualClock) -> PresenceHub:
    hub = PresenceHub(clock)
    slack, teams = key(Platform.SLACK, "U1"), key(Platform.TEAMS, "T1")
    hub.add_identities([identity(slack), identity(teams)])
    hub.ingest(value(slack, PresenceState.AWAY, NOW - 600, source=PresenceSource.CACHE))
    hub.ingest(
        value(teams, PresenceState.ONLINE, NOW - 30)._replace(
            devices=(DevicePresence("desktop", PresenceState.IDLE),)
        )
    )
    hub.flush()
    return hub


def test_per_platform_values_carry_words_devices_and_last_active(hub: PresenceHub) -> None:
    (alice,) = people_report(hub, [], now=NOW)["people"]  # type: ignore[misc]
    teams = next(p for p in alice["platforms"] if p["platform"] == "teams")
    assert teams["words"] == "Teams: Available · desktop: idle"
    assert teams["devices"] == [{"device": "desktop", "state": "idle", "dnd": False}]
    assert teams["last_active_at"] is None


def test_the_cache_section_says_how_old_the_values_are(hub: PresenceHub) -> None:
    cache = statistics_report(hub, [], keyring=Keyring("test"), now=NOW)["cache"]
    assert cache == {
        "values": 2,
        "from_saved_cache": 1,
        "stale": 1,  # a saved value is stale until a platform confirms it
        "oldest_observed_at": NOW - 600,
        "newest_observed_at": NOW - 30,
        "oldest_age_seconds": 600,
        "newest_age_seconds": 30,
    }


async def test_api_calls_spent_and_left_per_polled_account(hub: PresenceHub) -> None:
    clock = ManualClock(NOW - 70)
    budget = CallBudget(RateLimit(50, 60), clock, name="users.getPresence")
    for wait in (60, 5, 5):  # calls at NOW - 70 (out of the window by now), - 10 and - 5
        await budget.acquire()
        clock.advance(wait)
    budget.hold_off(30)
    report = statistics_report(
        hub,
        [],
        keyring=Keyring("test"),
        now=NOW,
        call_budgets={AccountRef(Platform.SLACK, "work"): [budget.usage()]},
    )
    (account,) = report["api_calls"]  # type: ignore[misc]
    assert account["platform"] == "slack"
    (limit,) = account["limits"]
    assert limit == {
        "name": "users.getPresence",
        "limit_calls": 50,
        "per_seconds": 60,
        "calls_per_window": 45,
        "spent_in_window": 2,
        "left_in_window": 43,
        "calls_total": 3,
        "times_rate_limited": 1,
        "held_for_seconds": 30,
    }


def test_extra_sections_join_but_never_replace_one(hub: PresenceHub) -> None:
    report = statistics_report(
        hub, [], keyring=Keyring("test"), now=NOW, extra={"webhooks": {"received": 2}}
    )
    assert report["webhooks"] == {"received": 2}
    with pytest.raises(ValueError, match="already have a section called 'people'"):
        statistics_report(hub, [], keyring=Keyring("test"), now=NOW, extra={"people": 0})


def test_update_rates_cover_at_least_the_last_minute(clock: ManualClock, hub: PresenceHub) -> None:
    meter = UpdateRateMeter(hub, clock.now())
    for _ in range(30):
        hub.ingest(value(key(Platform.SLACK, "U1"), PresenceState.ONLINE, clock.now()))
    clock.advance(60)
    assert meter.rates(clock.now()) == {"slack": 0.5, "teams": 0.0}
    clock.advance(60)  # nothing new: the reference moved up to a minute ago
    assert meter.rates(clock.now()) == {"slack": 0.25, "teams": 0.0}
    clock.advance(60)
    assert meter.rates(clock.now()) == {"slack": 0.0, "teams": 0.0}
