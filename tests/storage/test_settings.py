"""What the user set: preferences, accounts, do-not-disturb, notification rules."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

import pytest

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.dnd import DndSchedule, Vacation, WeeklyDndRule
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account, NotificationRule, NotifyOn, Preferences
from presence_tray.storage.database import open_database
from presence_tray.storage.repositories import (
    AccountsRepository,
    DndRepository,
    NotificationRulesRepository,
    PreferencesRepository,
)
from tests.storage.helpers import NOW, raw

if TYPE_CHECKING:
    import logging
    from pathlib import Path

    from presence_tray.storage.database import Database


# -- preferences ---------------------------------------------------------------------------


def test_preferences_default_until_saved_then_round_trip(db: Database) -> None:
    preferences = PreferencesRepository(db)
    assert preferences.get() == Preferences()
    chosen = Preferences(
        AggregationPolicy.RESPECT_DND, history_enabled=False, history_retention_days=90
    )
    preferences.save(chosen)
    assert preferences.get() == chosen


@pytest.mark.parametrize(
    ("stored_key", "stored_json"),
    [
        ("aggregation_policy", '"coin_toss"'),  # a policy from a newer version
        ("history_enabled", '"yes"'),
        ("history_retention_days", "0"),
        ("history_retention_days", "true"),
        ("history_retention_days", "{not json"),
        ("history_retention_days", "1000000"),  # beyond ten years: a slip, not a choice
        ("notify_favourites", "1"),
        ("notification_cooldown_seconds", "-5"),
        ("notification_cooldown_seconds", "NaN"),
        ("notification_sound", "null"),
        ("poll_interval_seconds", '{"slack": 5}'),  # below Slack's documented minimum
        ("poll_interval_seconds", '{"teams": "often"}'),
        ("poll_interval_seconds", "[60, 60]"),
        ("simulated_network", '"off"'),
        ("contacts_window_size", "[0, 500]"),
        ("contacts_window_size", "[400]"),
        ("contacts_window_size", '["wide", "tall"]'),
        ("contacts_window_size", "[400.5, 500]"),
        ("contacts_window_size", "[1000000, 500]"),
        ("contacts_window_size", "null"),
        ("api_enabled", '"no"'),
        ("api_port", "80"),
        ("api_port", '"47563"'),
        ("api_allowed_origins", '["localhost:3000"]'),
        ("api_allowed_origins", '"http://localhost:3000"'),
    ],
)
def test_invalid_preferences_fall_back_to_defaults(
    db: Database, stored_key: str, stored_json: str, expected_warnings: list[logging.LogRecord]
) -> None:
    raw(
        db.path,
        "INSERT INTO preferences (key, value_json) VALUES (?, ?)",
        (stored_key, stored_json),
    )
    assert PreferencesRepository(db).get() == Preferences()
    assert len(expected_warnings) == 1
    assert stored_key in expected_warnings[0].getMessage()


def test_the_contacts_window_size_is_remembered_once_chosen(db: Database) -> None:
    preferences = PreferencesRepository(db)
    preferences.save(Preferences())
    assert raw(db.path, "SELECT 1 FROM preferences WHERE key = 'contacts_window_size'") == []
    assert preferences.get().contacts_window_size is None
    preferences.save(Preferences(contacts_window_size=(420, 610)))
    assert preferences.get().contacts_window_size == (420, 610)


def test_the_local_api_preferences_round_trip_and_the_port_can_be_unchosen(
    db: Database,
) -> None:
    preferences = PreferencesRepository(db)
    chosen = Preferences(
        api_enabled=False, api_port=50000, api_allowed_origins=("http://localhost:3000",)
    )
    preferences.save(chosen)
    assert preferences.get() == chosen
    preferences.save(Preferences())
    assert preferences.get() == Preferences()  # the default port again, without a warning


def test_preferences_of_newer_versions_are_kept(db: Database) -> None:
    raw(db.path, "INSERT INTO preferences (key, value_json) VALUES ('theme', '\"dark\"')")
    PreferencesRepository(db).save(Preferences(history_enabled=False))
    assert raw(db.path, "SELECT value_json FROM preferences WHERE key = 'theme'") == [('"dark"',)]


@pytest.mark.parametrize(
    ("chosen", "sentence"),
    [
        (Preferences(history_retention_days=0), "1 to 3650 days; 0 is outside"),
        (Preferences(history_retention_days=100_000), "1 to 3650 days; 100000 is outside"),
        (Preferences(notification_cooldown_seconds=-1), "0 to 24 hours"),
        (
            Preferences(poll_interval_seconds={Platform.SLACK: 10}),
            "Slack can be polled every 60 to 3600 seconds; 10 is outside",
        ),
        (Preferences(poll_interval_seconds={Platform.DISCORD: 60}), "Discord is not polled"),
        (Preferences(contacts_window_size=(0, 400)), "two numbers of pixels"),
        (Preferences(contacts_window_size=(400, 10**6)), "two numbers of pixels"),
    ],
)
def test_out_of_bounds_preferences_are_refused(
    db: Database, chosen: Preferences, sentence: str
) -> None:
    preferences = PreferencesRepository(db)
    with pytest.raises(ValueError, match=sentence):
        preferences.save(chosen)
    assert preferences.get() == Preferences()


def test_every_preference_survives_a_reopen(db_path: Path) -> None:
    chosen = Preferences(
        AggregationPolicy.RESPECT_DND,
        history_enabled=False,
        history_retention_days=3650,
        notify_favourites=False,
        notification_cooldown_seconds=0,
        notification_sound=False,
        poll_interval_seconds={Platform.SLACK: 120, Platform.TEAMS: 30, Platform.ZOOM: 3600},
        simulated_network=False,
    )
    first = open_database(db_path)
    try:
        PreferencesRepository(first).save(chosen)
    finally:
        first.close()
    again = open_database(db_path)
    try:
        assert PreferencesRepository(again).get() == chosen
    finally:
        again.close()


def test_polling_intervals_of_platforms_this_version_does_not_poll_are_ignored(
    db: Database,
) -> None:
    raw(
        db.path,
        "INSERT INTO preferences (key, value_json) VALUES (?, ?)",
        ("poll_interval_seconds", '{"slack": 90, "myspace": 1}'),
    )
    intervals = PreferencesRepository(db).get().poll_interval_seconds
    assert intervals == {Platform.SLACK: 90, Platform.TEAMS: 60, Platform.ZOOM: 60}


# -- accounts ------------------------------------------------------------------------------

WORK = AccountRef(Platform.SLACK, "T0WORK")
HOME = AccountRef(Platform.MATRIX, "@me:example.org")


def test_accounts_round_trip_in_the_order_added(db: Database) -> None:
    accounts = AccountsRepository(db)
    work = Account(WORK, "Work Slack", settings={"team": "T0WORK"})
    home = Account(HOME, "Home", enabled=False, settings={"homeserver": "https://example.org"})
    accounts.save(work)
    accounts.save(home)
    assert accounts.list() == [work, home]
    renamed = Account(WORK, "Slack (work)", settings={})
    accounts.save(renamed)
    assert accounts.list() == [renamed, home]
    accounts.delete(WORK)
    assert accounts.list() == [home]


REFUSED = "Slack no longer accepts the sign-in of Work Slack; connect it again."


def test_a_sign_in_problem_is_saved_and_listed(db: Database) -> None:
    accounts = AccountsRepository(db)
    refused = Account(WORK, "Work Slack", sign_in_problem=REFUSED)
    accounts.save(refused)
    assert accounts.list() == [refused]
    accounts.save(Account(WORK, "Work Slack"))  # connected again: save() clears it too
    assert accounts.list() == [Account(WORK, "Work Slack")]


def test_set_sign_in_problem_changes_only_that_account_and_column(db: Database) -> None:
    accounts = AccountsRepository(db)
    work = Account(WORK, "Work Slack", enabled=False, settings={"team": "T0WORK"})
    home = Account(HOME, "Home")
    accounts.save(work)
    accounts.save(home)

    accounts.set_sign_in_problem(WORK, REFUSED)
    assert accounts.list() == [
        Account(
            WORK, "Work Slack", enabled=False, settings={"team": "T0WORK"}, sign_in_problem=REFUSED
        ),
        home,
    ]
    accounts.set_sign_in_problem(WORK, None)
    assert accounts.list() == [work, home]


def test_set_sign_in_problem_of_an_unsaved_account_adds_nothing(db: Database) -> None:
    AccountsRepository(db).set_sign_in_problem(WORK, REFUSED)
    assert raw(db.path, "SELECT count(*) FROM accounts") == [(0,)]


@pytest.mark.parametrize(
    "name", ["access_token", "refreshToken", "client_secret", "Password", "api_key"]
)
def test_settings_named_like_secrets_are_refused(db: Database, name: str) -> None:
    with pytest.raises(ValueError, match="secret store"):
        AccountsRepository(db).save(Account(WORK, "Work", settings={name: "x"}))
    assert raw(db.path, "SELECT count(*) FROM accounts") == [(0,)]


def test_accounts_of_unknown_platforms_are_skipped(
    db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    accounts = AccountsRepository(db)
    accounts.save(Account(WORK, "Work"))
    raw(
        db.path, "INSERT INTO accounts (platform, account_id, label) VALUES ('myspace', 'a', 'Old')"
    )
    assert accounts.list() == [Account(WORK, "Work")]
    assert len(expected_warnings) == 1


# -- do not disturb ------------------------------------------------------------------------


def test_dnd_schedule_round_trip(db: Database) -> None:
    dnd = DndRepository(db)
    assert dnd.get() == DndSchedule()
    schedule = DndSchedule(
        rules=(
            WeeklyDndRule(frozenset({0, 1, 2, 3, 4}), time(22), time(7, 30), "Europe/Berlin"),
            WeeklyDndRule(frozenset({5, 6}), time(0), time(23, 59, 59), "UTC", enabled=False),
        ),
        snooze_until=NOW + 3600,
        vacation=Vacation(NOW + 86_400, NOW + 10 * 86_400, "Back on the 12th"),
    )
    dnd.save(schedule)
    assert dnd.get() == schedule
    dnd.save(DndSchedule(rules=schedule.rules[:1]))
    assert dnd.get() == DndSchedule(rules=schedule.rules[:1])


def test_dnd_refuses_bad_rules(db: Database) -> None:
    dnd = DndRepository(db)
    with pytest.raises(ValueError, match="time zone"):
        dnd.save(DndSchedule((WeeklyDndRule(frozenset({0}), time(9), time(17), "Mars/Olympus"),)))
    with pytest.raises(ValueError, match="Sunday"):
        dnd.save(DndSchedule((WeeklyDndRule(frozenset({7}), time(9), time(17), "UTC"),)))
    with pytest.raises(ValueError, match="at least one day"):
        dnd.save(DndSchedule((WeeklyDndRule(frozenset(), time(9), time(17), "UTC"),)))
    with pytest.raises(ValueError, match="end after it starts"):
        dnd.save(DndSchedule(vacation=Vacation(NOW, NOW - 86_400)))
    assert dnd.get() == DndSchedule()


def test_unreadable_dnd_rules_are_skipped_and_vanished_zones_kept(
    db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    dnd = DndRepository(db)
    good = WeeklyDndRule(frozenset({0}), time(9), time(17), "UTC")
    dnd.save(DndSchedule((good,)))
    raw(
        db.path,
        'INSERT INTO dnd_rules (weekdays, start, "end", timezone) VALUES'
        " (1, 'noon', '13:00', 'UTC'), (255, '09:00', '10:00', 'UTC'),"
        " (1, '09:00', '10:00', 'Atlantis/Capital')",
    )
    rules = dnd.get().rules
    assert rules == (good, WeeklyDndRule(frozenset({0}), time(9), time(10), "Atlantis/Capital"))
    assert len(expected_warnings) == 2  # the vanished zone, and one line for the skipped rules


# -- notification rules --------------------------------------------------------------------


def test_notification_rules_round_trip(db: Database) -> None:
    rules = NotificationRulesRepository(db)
    available = NotificationRule("alice", NotifyOn.AVAILABLE, once=True, cooldown_seconds=60)
    offline = NotificationRule("alice", NotifyOn.OFFLINE)
    bob = NotificationRule("bob", NotifyOn.ANY_CHANGE)
    for rule in (bob, offline, available):
        rules.save(rule)
    assert rules.list() == [available, offline, bob]
    recurring = NotificationRule("alice", NotifyOn.AVAILABLE, once=False, cooldown_seconds=600)
    rules.save(recurring)  # one rule per person and kind: replaced
    rules.delete("bob", NotifyOn.ANY_CHANGE)
    rules.delete("bob", NotifyOn.ANY_CHANGE)  # deleting again is fine
    assert rules.list() == [recurring, offline]


def test_notification_rules_of_unknown_kinds_are_skipped(
    db: Database, expected_warnings: list[logging.LogRecord]
) -> None:
    raw(
        db.path,
        "INSERT INTO notification_rules (person_id, notify_on, cooldown_seconds)"
        " VALUES ('alice', 'on_birthday', 0)",
    )
    assert NotificationRulesRepository(db).list() == []
    assert len(expected_warnings) == 1
