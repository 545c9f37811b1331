"""XMPP resource presences → core values, and choosing the resource that speaks for a contact."""

from __future__ import annotations

import pytest
from hypothesis import given

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PresenceSource, PresenceState
from presence_tray.platforms.wire import UnknownValueLog
from presence_tray.platforms.xmpp import LIMITATION
from presence_tray.platforms.xmpp.normalise import (
    XmppPresence,
    best_resource,
    normalise_xmpp_contact,
    normalise_xmpp_presence,
)
from tests.platforms.helpers import (
    HUGE,
    NOW,
    assert_unknown_logged_once,
    json_like,
    key,
    quiet_unknown_log,
)

ERIN = key(Platform.XMPP, "erin@example.org")


def stanza(
    resource: str,
    show: str | None = None,
    *,
    priority: int | None = None,
    available: bool = True,
    status: str | None = None,
    at: float = NOW,
) -> XmppPresence:
    presence: XmppPresence = {"resource": resource, "received_at": at}
    if not available:
        presence["type"] = "unavailable"
    if show is not None:
        presence["show"] = show
    if priority is not None:
        presence["priority"] = priority
    if status is not None:
        presence["status"] = status
    return presence


# -- one resource -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("show", "state", "dnd"),
    [
        (None, PresenceState.ONLINE, False),
        ("", PresenceState.ONLINE, False),
        ("chat", PresenceState.ONLINE, False),
        ("away", PresenceState.AWAY, False),
        ("xa", PresenceState.AWAY, False),
        ("dnd", PresenceState.BUSY, True),
    ],
)
@pytest.mark.parametrize("spelling", [str.lower, str.upper])
def test_every_show_value(show, state, dnd, spelling):
    payload = stanza("laptop", None if show is None else spelling(show))
    value = normalise_xmpp_presence(ERIN, payload, observed_at=NOW)
    assert (value.state, value.dnd) == (state, dnd)
    assert value.source is PresenceSource.PUSH


@pytest.mark.parametrize("kind", ["unavailable", "UNAVAILABLE"])
def test_unavailable_is_offline(kind):
    payload = {"resource": "laptop", "type": kind, "show": "dnd", "status": "Gone fishing"}
    value = normalise_xmpp_presence(ERIN, payload, observed_at=NOW)
    assert (value.state, value.dnd) == (PresenceState.OFFLINE, False)
    assert value.activity == Activity(ActivityKind.CUSTOM, text="Gone fishing")


def test_explicit_available_type():
    payload = {"resource": "laptop", "type": "available", "show": "away"}
    assert normalise_xmpp_presence(ERIN, payload, observed_at=NOW).state is PresenceState.AWAY


def test_status_text_is_a_custom_status():
    value = normalise_xmpp_presence(
        ERIN, stanza("phone", "xa", status="On holiday"), observed_at=NOW
    )
    assert value.activity == Activity(ActivityKind.CUSTOM, text="On holiday")


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "available",
        3,
        {"type": "subscribe"},
        {"type": "error"},
        {"type": 1},
        {"show": "busy"},
        {"show": 5},
        {"show": ["dnd"]},
        pytest.param({"show": HUGE}, id="huge"),
    ],
)
def test_unreadable_presence_is_unknown_and_logged_once(payload, expected_warnings):
    assert_unknown_logged_once(normalise_xmpp_presence, Platform.XMPP, payload, expected_warnings)


# -- choosing the resource --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "winner"),
    [
        ([], None),
        ([stanza("a")], "a"),
        # Highest priority wins, whatever its show.
        ([stanza("a", "dnd", priority=10), stanza("b", priority=5)], "a"),
        ([stanza("a", priority=-1), stanza("b", "xa", priority=0)], "b"),
        ([stanza("a", "away", priority=1), stanza("b", priority=None)], "a"),
        # A negative priority still speaks when it is the only available resource.
        ([stanza("a", priority=-5), stanza("b", available=False, priority=10)], "a"),
        # Same priority: the most available show, then the most recent.
        ([stanza("a", "xa", priority=1), stanza("b", "chat", priority=1)], "b"),
        ([stanza("a", "dnd", priority=1), stanza("b", "away", priority=1)], "a"),
        ([stanza("a", priority=1, at=NOW - 5), stanza("b", priority=1, at=NOW)], "b"),
        # Nothing available: the latest goodbye.
        (
            [
                stanza("a", available=False, at=NOW - 60),
                stanza("b", available=False, at=NOW - 5),
            ],
            "b",
        ),
        # Out-of-range and wrong-type priorities count as 0; junk entries are skipped.
        ([stanza("a", priority=500), stanza("b", "away", priority=1)], "b"),
        ([None, "x", {"resource": "a", "priority": "9"}, stanza("b", "away", priority=1)], "b"),
    ],
)
def test_best_resource(resources, winner):
    best = best_resource(resources)
    assert (None if best is None else best["resource"]) == winner


def test_contact_is_the_best_resource_normalised():
    resources = [
        stanza("phone", "away", priority=0),
        stanza("desk", "dnd", priority=5, status="Deep work"),
        stanza("tablet", available=False, priority=10),
    ]
    value = normalise_xmpp_contact(ERIN, resources, observed_at=NOW)
    assert (value.state, value.dnd) == (PresenceState.BUSY, True)
    assert value.activity == Activity(ActivityKind.CUSTOM, text="Deep work")


def test_all_resources_gone_is_offline():
    resources = [stanza("phone", available=False), stanza("desk", available=False)]
    assert normalise_xmpp_contact(ERIN, resources, observed_at=NOW).state is PresenceState.OFFLINE


def test_no_resources_means_presence_is_not_shared():
    value = normalise_xmpp_contact(ERIN, [], observed_at=NOW)
    assert value.state is PresenceState.UNKNOWN
    assert value.note == LIMITATION


@pytest.mark.parametrize("resources", [None, {}, "desk", 5])
def test_unreadable_resource_list_is_unknown_and_logged_once(resources, expected_warnings):
    unknown = UnknownValueLog()
    for _ in range(2):
        value = normalise_xmpp_contact(ERIN, resources, observed_at=NOW, unknown=unknown)
        assert value.state is PresenceState.UNKNOWN
    assert len(expected_warnings) == 1


KEYS = ["resource", "type", "show", "status", "priority", "received_at"]
WORDS = ["available", "unavailable", "chat", "away", "xa", "dnd"]


@given(json_like(KEYS, WORDS))
def test_never_raises(payload):
    quiet = quiet_unknown_log()
    assert normalise_xmpp_presence(ERIN, payload, observed_at=NOW, unknown=quiet).identity == ERIN
    assert normalise_xmpp_contact(ERIN, payload, observed_at=NOW, unknown=quiet).identity == ERIN
    if isinstance(payload, list):
        best_resource(payload)
