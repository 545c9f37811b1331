"""The never-raising accessors and the log that reports an unexpected value once."""

from __future__ import annotations

import logging
import math
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from presence_tray.core.identity import Platform
from presence_tray.platforms.wire import (
    MAX_TEXT_CHARS,
    MISSING,
    UnknownValueLog,
    WireReader,
    clip_text,
    describe,
    get_bool,
    get_float,
    get_int,
    get_list,
    get_mapping,
    get_str,
    parse_timestamp,
)
from tests.platforms.helpers import HUGE, json_like, quiet_unknown_log

PAYLOAD = {"a": {"b": {"s": "text", "f": 1.5, "i": 3, "t": True, "l": [1], "m": {}}}}


@pytest.mark.parametrize(
    ("getter", "field", "expected"),
    [
        (get_str, "s", "text"),
        (get_float, "f", 1.5),
        (get_float, "i", 3.0),
        (get_int, "i", 3),
        (get_bool, "t", True),
        (get_list, "l", [1]),
        (get_mapping, "m", {}),
    ],
)
def test_getters_follow_a_path(getter, field, expected):
    assert getter(PAYLOAD, "a", "b", field) == expected


@pytest.mark.parametrize("getter", [get_str, get_float, get_int, get_bool, get_list, get_mapping])
@pytest.mark.parametrize(
    "payload", [None, [], "a", 1, {"a": None}, {"a": [{"b": 1}]}, {"a": {"b": "no"}}]
)
def test_getters_give_none_for_missing_steps_and_wrong_types(getter, payload):
    assert getter(payload, "a", "b", "x") is None


@pytest.mark.parametrize(
    "value", [True, False, math.nan, math.inf, -math.inf, pytest.param(10**400, id="huge"), "1"]
)
def test_get_float_refuses_booleans_non_finite_and_oversized(value):
    assert get_float({"x": value}, "x") is None


def test_get_int_refuses_booleans():
    assert get_int({"x": True}, "x") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, None), ("", None), ("   ", None), ("  hi ", "hi"), ("é" * 10, "é" * 10)],
)
def test_clip_text(text, expected):
    assert clip_text(text) == expected


def test_clip_text_shortens_huge_text():
    clipped = clip_text(HUGE)
    assert clipped is not None
    assert len(clipped) == MAX_TEXT_CHARS
    assert clipped.endswith("…")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_700_000_000, 1_700_000_000.0),
        ("1700000000", 1_700_000_000.0),
        ("2023-11-14T22:13:20Z", 1_700_000_000.0),
        ("2023-11-14T22:13:20", 1_700_000_000.0),
        ("2023-11-14T23:13:20+01:00", 1_700_000_000.0),
        ("0001-01-01T00:00:00+01:00", -62135600400.0),
        ("tomorrow", None),
        ("nan", None),
        ("inf", None),
        ("1e999", None),
        ("", None),
        (None, None),
        ([], None),
        pytest.param(HUGE, None, id="huge"),
    ],
)
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MISSING, "<missing>"),
        ("Focusing", "'focusing'"),
        (None, "None"),
        (True, "True"),
        (3, "3"),
        pytest.param(10**5000, "<big int>", id="huge-int"),
        ([1, 2], "<list>"),
        ({"secret": "x"}, "<dict>"),
    ],
)
def test_describe(value, expected):
    assert describe(value) == expected


def test_describe_clips_long_strings():
    assert len(describe(HUGE)) < 70


def test_each_value_is_logged_once(expected_warnings):
    log = UnknownValueLog()
    assert log.report(Platform.TEAMS, "availability", "Focusing")
    assert not log.report(Platform.TEAMS, "availability", "focusing")  # case-folded: the same
    assert log.report(Platform.TEAMS, "activity", "Focusing")  # another field
    assert log.report(Platform.ZOOM, "availability", "Focusing")  # another platform
    assert log.logged == 3
    assert [r.getMessage() for r in expected_warnings] == [
        "Teams sent an unexpected availability: 'focusing'; it is treated as unknown (logged once)",
        "Teams sent an unexpected activity: 'focusing'; it is treated as unknown (logged once)",
        "Zoom sent an unexpected availability: 'focusing'; it is treated as unknown (logged once)",
    ]


def test_logging_is_lazy(expected_warnings):
    UnknownValueLog().report(Platform.SLACK, "presence", "gone")
    (record,) = expected_warnings
    assert record.name == "presence_tray.platforms.wire"
    assert "%s" in str(record.msg)
    assert record.args


def test_memory_is_bounded(expected_warnings):
    log = UnknownValueLog(max_entries=2)
    for word in ["a", "b", "c", "d"]:
        log.report(Platform.SLACK, "presence", word)
    assert log.logged == 2
    assert len(expected_warnings) == 3
    assert "no longer logging" in expected_warnings[-1].getMessage()


def test_reader_reports_wrong_types_but_not_absent_fields(expected_warnings):
    read = WireReader(Platform.MATRIX, UnknownValueLog())
    assert read.text({"status_msg": None}, "status_msg") is None
    assert read.text({}, "status_msg") is None
    assert not expected_warnings
    assert read.text({"status_msg": 5}, "status_msg") is None
    assert read.number({"last_active_ago": "5"}, "last_active_ago") is None
    assert read.items({"events": {}}, "events") == []
    assert [r.getMessage().split(":")[0] for r in expected_warnings] == [
        "Matrix sent an unexpected status_msg",
        "Matrix sent an unexpected last_active_ago",
        "Matrix sent an unexpected events",
    ]


def test_reader_choice_is_case_insensitive_and_reports_unknown_words(expected_warnings):
    read = WireReader(Platform.ZOOM, UnknownValueLog())
    table = {"available": 1, "offline": None}
    assert read.choice(table, {"status": "AVAILABLE"}, "status") == 1
    assert read.choice(table, {"status": "Offline"}, "status") is None
    assert not expected_warnings
    assert read.choice(table, {"status": "Lunch"}, "status") is None
    assert read.choice(table, {}, "status", required=False) is None
    assert read.choice(table, {}, "status") is None
    assert [r.getMessage().split(";")[0] for r in expected_warnings] == [
        "Zoom sent an unexpected status: 'lunch'",
        "Zoom sent an unexpected status: <missing>",
    ]


def test_reader_timestamp_reports_unreadable_times_once(expected_warnings):
    read = WireReader(Platform.ZOOM, UnknownValueLog())
    assert read.timestamp({"end_time": "soon"}, "end_time") is None
    assert read.timestamp({"end_time": "later"}, "end_time") is None
    assert read.timestamp({}, "end_time") is None
    assert len(expected_warnings) == 1
    assert read.timestamp({}, "end_time", required=True) is None
    assert len(expected_warnings) == 2


@given(st.one_of(st.text(), st.datetimes(timezones=st.timezones()).map(datetime.isoformat)))
def test_parse_timestamp_never_raises_and_is_finite(text):
    moment = parse_timestamp(text)
    assert moment is None or math.isfinite(moment)


@given(json_like(["a", "b"]))
def test_reader_never_raises(payload):
    read = WireReader(Platform.SLACK, quiet_unknown_log())
    read.text(payload, "a", "b")
    read.number(payload, "a")
    read.flag(payload, "b")
    read.mapping(payload, "a")
    read.items(payload, "b")
    read.timestamp(payload, "a")
    read.choice({"x": 1}, payload, "a", "b")


def test_quiet_log_stays_out_of_the_app_logger(caplog):
    with caplog.at_level(logging.WARNING):
        quiet_unknown_log().report(Platform.SLACK, "presence", "x")
    assert [r.name for r in caplog.records] == ["tests.platforms.quiet"]
