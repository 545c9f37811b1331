"""Bad payloads travel the whole way (normaliser, hub, aggregate) without raising.

Each platform's normaliser tests cover its own vocabulary; this checks the promise the hub
makes to the rest of the app: malformed input becomes "unknown", is logged once, and never
shows as offline or breaks the people around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from presence_tray.core.identity import Identity, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.discord.normalise import normalise_discord_presence
from presence_tray.platforms.matrix.normalise import normalise_matrix_presence
from presence_tray.platforms.slack.normalise import normalise_slack_presence
from presence_tray.platforms.teams.normalise import normalise_graph_presence
from presence_tray.platforms.wire import UnknownValueLog
from presence_tray.platforms.xmpp.normalise import normalise_xmpp_presence
from presence_tray.platforms.zoom.normalise import normalise_zoom_presence
from tests.platforms.helpers import HUGE, NOW, key

if TYPE_CHECKING:
    import logging

    from tests.platforms.helpers import Normaliser

NORMALISERS: list[tuple[Platform, Normaliser]] = [
    (Platform.DISCORD, normalise_discord_presence),
    (Platform.SLACK, normalise_slack_presence),
    (Platform.TEAMS, normalise_graph_presence),
    (Platform.ZOOM, normalise_zoom_presence),
    (Platform.MATRIX, normalise_matrix_presence),
    (Platform.XMPP, normalise_xmpp_presence),
]

BAD_PAYLOADS: list[object] = [
    None,
    [],
    "online",
    42,
    {},
    {
        "status": "sparkling",
        "presence": "sparkling",
        "availability": "Sparkling",
        "show": "sparkling",
    },
    {"status": 7, "presence": ["active"], "availability": {"x": 1}, "show": 3.5},
    {"status": HUGE, "presence": HUGE, "availability": HUGE, "show": HUGE},
]


@pytest.mark.parametrize(("platform", "normalise"), NORMALISERS, ids=str)
def test_bad_payloads_become_unknown_in_the_hub_and_are_logged_once(
    platform: Platform,
    normalise: Normaliser,
    expected_warnings: list[logging.LogRecord],
) -> None:
    hub = PresenceHub(ManualClock(NOW))
    good, bad = key(platform, "good"), key(platform, "bad")
    hub.add_identities([Identity(good, "Good Payload"), Identity(bad, "Bad Payload")])
    unknown = UnknownValueLog()
    for _ in range(3):  # the same garbage again is not logged again
        for payload in BAD_PAYLOADS:
            hub.ingest(normalise(bad, payload, observed_at=NOW, unknown=unknown))
            hub.flush()
    changes = hub.flush()
    assert changes == []
    (bad_person,) = hub.find_people("Bad Payload")
    result = hub.aggregate(bad_person.person_id)
    assert result is not None
    assert result.state is PresenceState.UNKNOWN  # never offline
    (good_person,) = hub.find_people("Good Payload")
    assert hub.aggregate(good_person.person_id) is not None
    messages = [record.getMessage() for record in expected_warnings]
    assert messages, "bad input must be logged"
    assert len(messages) == len(set(messages)), "each bad value is logged once"
    assert unknown.logged == len(messages)
    assert all(len(message) < 300 for message in messages)  # no megabyte in the log
