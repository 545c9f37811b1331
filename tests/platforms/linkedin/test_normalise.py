"""LinkedIn: always unknown, saying so."""

from __future__ import annotations

from presence_tray.core.identity import Platform
from presence_tray.core.presence import PresenceSource, PresenceState
from presence_tray.platforms.linkedin import CAPABILITIES, LIMITATION
from presence_tray.platforms.linkedin.normalise import normalise_linkedin_presence
from tests.platforms.helpers import NOW, key

GRACE = key(Platform.LINKEDIN, "grace-hopper-1a2b3c")


def test_presence_is_always_unknown_and_says_why():
    value = normalise_linkedin_presence(GRACE, observed_at=NOW)
    assert value.state is PresenceState.UNKNOWN
    assert value.source is PresenceSource.NONE
    assert value.note == LIMITATION == "LinkedIn does not share presence"
    assert value.activity is None
    assert not value.dnd


def test_capabilities_reuse_the_same_sentence():
    assert CAPABILITIES.limitation == LIMITATION
