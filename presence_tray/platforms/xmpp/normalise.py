"""XMPP presence stanzas, one per connected resource, and how a contact's resources combine.

A contact may be signed in from several clients (resources) at once; RFC 6121 picks the one
with the highest priority, and so does :func:`best_resource`, before anything is normalised.
The wire shape is the stanza's fields as the XML layer parses them into a dict.

``show`` values (RFC 6121 §4.7.2.1): none or ``chat`` → online, ``away`` → away, ``xa``
("extended away") → away as well, ``dnd`` → busy with DND. ``type="unavailable"`` → offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import AVAILABILITY_RANK, PlatformPresence, PresenceSource
from presence_tray.platforms.vocabulary import (
    AWAY,
    DO_NOT_DISTURB,
    OFFLINE,
    ONLINE,
    Meaning,
    custom_status,
    unknown_presence,
)
from presence_tray.platforms.wire import (
    DEFAULT_UNKNOWN_LOG,
    UnknownValueLog,
    WireReader,
    as_list,
    as_mapping,
    clip_text,
    get_float,
    get_int,
    get_str,
    get_value,
)
from presence_tray.platforms.xmpp import LIMITATION

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from presence_tray.core.identity import IdentityKey

# -- wire shape -------------------------------------------------------------------------------


class XmppPresence(TypedDict):
    """One ``<presence/>`` of one resource; ``received_at`` is when we got it."""

    resource: str
    type: NotRequired[str]
    """Absent means available; ``unavailable`` means signed out."""
    show: NotRequired[str | None]
    status: NotRequired[str | None]
    priority: NotRequired[int]
    received_at: NotRequired[float]


AVAILABLE = "available"
UNAVAILABLE = "unavailable"

TYPES: dict[str, bool] = {AVAILABLE: True, UNAVAILABLE: False}
"""``type`` (case-folded) → whether the resource is available; absent means available."""

SHOWS: dict[str, Meaning] = {
    "": ONLINE,
    "chat": ONLINE,
    "away": AWAY,
    "xa": AWAY,
    "dnd": DO_NOT_DISTURB,
}
"""``show`` (case-folded) → meaning of an available resource; absent means online."""

PRIORITY_RANGE = range(-128, 128)
"""RFC 6121 §4.7.2.3: priorities are -128..127, and 0 when not given."""


def best_resource(resources: Iterable[object]) -> Mapping[str, object] | None:
    """The resource that speaks for the contact, or None if there is none.

    Among available resources the highest priority wins, then the most available ``show``,
    then the most recent. A resource with a negative priority never receives messages sent to
    the bare address, but its presence is still true, so it is used when it is all there is.
    With no available resource, the latest unavailable one (its status text is the goodbye).
    """
    stanzas = [stanza for item in resources if (stanza := as_mapping(item)) is not None]
    available = [stanza for stanza in stanzas if _is_available(stanza)]
    if available:
        return max(available, key=_rank)
    return max(stanzas, key=_received_at, default=None)


def normalise_xmpp_presence(
    identity: IdentityKey,
    payload: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """One resource's presence as a core value; unknown (reported once) if unreadable."""
    read = WireReader(Platform.XMPP, unknown)
    if as_mapping(payload) is None:
        unknown.report(Platform.XMPP, "presence", payload)
        return unknown_presence(identity, observed_at, PresenceSource.PUSH)
    meaning = _meaning(read, payload)
    if meaning is None:
        return unknown_presence(identity, observed_at, PresenceSource.PUSH)
    return PlatformPresence(
        identity,
        meaning.state,
        observed_at,
        source=PresenceSource.PUSH,
        dnd=meaning.dnd,
        activity=custom_status(clip_text(read.text(payload, "status"))),
    )


def normalise_xmpp_contact(
    identity: IdentityKey,
    resources: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """A contact's resources (a list of presences) as one core value.

    No resource at all means the contact does not share presence with us: unknown, with the
    platform's limitation as the note.
    """
    stanzas = as_list(resources)
    if stanzas is None:
        unknown.report(Platform.XMPP, "resources", resources)
        return unknown_presence(identity, observed_at, PresenceSource.PUSH)
    best = best_resource(stanzas)
    if best is None:
        return unknown_presence(identity, observed_at, PresenceSource.PUSH, note=LIMITATION)
    return normalise_xmpp_presence(identity, best, observed_at=observed_at, unknown=unknown)


def _meaning(read: WireReader, payload: object) -> Meaning | None:
    """Offline, the meaning of ``show``, or None when a field is unreadable (reported)."""
    if get_value(payload, "type") is not None:
        available = read.choice(TYPES, payload, "type")
        if available is None:
            return None
        if not available:
            return OFFLINE
    if get_value(payload, "show") is None:
        return ONLINE
    return read.choice(SHOWS, payload, "show")


def _is_available(stanza: Mapping[str, object]) -> bool:
    kind = get_str(stanza, "type")
    return kind is None or kind.casefold() == AVAILABLE


def _priority(stanza: Mapping[str, object]) -> int:
    priority = get_int(stanza, "priority")
    return priority if priority is not None and priority in PRIORITY_RANGE else 0


def _rank(stanza: Mapping[str, object]) -> tuple[int, int, float]:
    show = get_str(stanza, "show") or ""
    meaning = SHOWS.get(show.casefold())
    availability = 0 if meaning is None else AVAILABILITY_RANK[meaning.state]
    return _priority(stanza), availability, _received_at(stanza)


def _received_at(stanza: Mapping[str, object]) -> float:
    return get_float(stanza, "received_at") or 0.0
