"""The 24 h timeline: transitions become spans at the right places, painted in state colours."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.history import PresenceTransition
from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.ui.badges import Badge
from presence_tray.ui.history_timeline import (
    LANE_GAP,
    LANE_HEIGHT,
    TIMELINE_SECONDS,
    HistoryTimeline,
    Span,
    describe_lane,
    lanes,
)
from tests.ui.helpers import START

if TYPE_CHECKING:
    from PySide6.QtGui import QColor
    from pytestqt.qtbot import QtBot

S = PresenceState
NOW = START
HOUR = 3600.0
SLACK = IdentityKey(Platform.SLACK, "acct", "alice")
TEAMS = IdentityKey(Platform.TEAMS, "acct", "alice")


def change(key: IdentityKey, state: PresenceState, hours_ago: float, *, dnd: bool = False):
    return PresenceTransition(key, state, dnd, None, NOW - hours_ago * HOUR)


def test_transitions_map_to_fractions_of_the_day():
    found = lanes(
        [SLACK, TEAMS],
        [
            change(SLACK, S.ONLINE, 18),  # 6/24 of the way in
            change(SLACK, S.BUSY, 12, dnd=True),
            change(SLACK, S.OFFLINE, 6),
            change(TEAMS, S.AWAY, 3),
        ],
        now=NOW,
    )
    assert found == [
        [
            Span(S.ONLINE, dnd=False, start=0.25, end=0.5),
            Span(S.BUSY, dnd=True, start=0.5, end=0.75),
            Span(S.OFFLINE, dnd=False, start=0.75, end=1.0),
        ],
        [Span(S.AWAY, dnd=False, start=0.875, end=1.0)],
    ]


def test_a_state_from_before_the_window_fills_its_start_and_unknown_is_left_empty():
    found = lanes(
        [SLACK],
        [
            change(SLACK, S.OFFLINE, 40),  # long gone, but it was the state 24 h ago
            change(SLACK, S.UNKNOWN, 12),
            change(SLACK, S.ONLINE, 0),  # just now: still shown, the current state
        ],
        now=NOW,
    )
    assert found == [
        [
            Span(S.OFFLINE, dnd=False, start=0.0, end=0.5),
            Span(S.ONLINE, dnd=False, start=1.0, end=1.0),
        ]
    ]


def test_other_identities_and_the_future_are_ignored():
    stranger = IdentityKey(Platform.SLACK, "acct", "bob")
    found = lanes(
        [SLACK],
        [change(stranger, S.ONLINE, 2), change(SLACK, S.ONLINE, -1)],
        now=NOW,
        seconds=TIMELINE_SECONDS,
    )
    assert found == [[]]


def test_a_lane_in_words():
    spans = [
        Span(S.ONLINE, dnd=False, start=0.0, end=0.25),
        Span(S.BUSY, dnd=True, start=0.25, end=1.0),
    ]
    assert describe_lane(spans) == "Do not disturb 75 %, Available 25 %"
    assert describe_lane([]) == "nothing known"


def test_spans_are_painted_at_their_x_in_their_colour(qtbot: QtBot):
    timeline = HistoryTimeline()
    qtbot.addWidget(timeline)
    transitions = [change(SLACK, S.ONLINE, 18), change(SLACK, S.BUSY, 6), change(TEAMS, S.AWAY, 12)]
    timeline.set_lanes(lanes([SLACK, TEAMS], transitions, now=NOW), "Last 24 hours")
    timeline.resize(240, timeline.sizeHint().height())
    assert timeline.height() == 2 * LANE_HEIGHT + LANE_GAP
    image = timeline.grab().toImage()
    ratio = image.devicePixelRatio()

    def colour(x: float, lane: int) -> QColor:
        y = lane * (LANE_HEIGHT + LANE_GAP) + LANE_HEIGHT / 2
        return image.pixelColor(round(x * ratio), round(y * ratio))

    online, busy, away = (Badge(state).colour for state in (S.ONLINE, S.BUSY, S.AWAY))
    assert colour(240 * 0.1, 0) not in (online, busy)  # nothing known before 18 h ago
    assert colour(240 * 0.4, 0) == online
    assert colour(240 * 0.8, 0) == busy
    assert colour(240 * 0.4, 1) != away
    assert colour(240 * 0.6, 1) == away
    assert timeline.toolTip() == "Last 24 hours"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_one_thin_lane_per_identity(count: int, qtbot: QtBot):
    timeline = HistoryTimeline()
    qtbot.addWidget(timeline)
    timeline.set_lanes([[] for _ in range(count)], "")
    lanes_shown = max(1, count)
    assert timeline.sizeHint().height() == lanes_shown * LANE_HEIGHT + (lanes_shown - 1) * LANE_GAP
