"""Discord presence objects (``PRESENCE_UPDATE`` and the partial ones in ``GUILD_CREATE``).

Only ``status`` says how available someone is. Of the activities, only a custom status
(type 4: the text and emoji a person set) becomes an :class:`Activity`; games, music and
streams are ignored because the core vocabulary has no kind for them, and showing "Playing X"
as a custom status would put words in the person's mouth. ``client_status`` (per device)
becomes :attr:`PlatformPresence.devices`, detail only: ``status`` is Discord's own aggregate
of it and is never re-aggregated (platform-apis.md §8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import (
    DevicePresence,
    PlatformPresence,
    PresenceSource,
    PresenceState,
)
from presence_tray.platforms.vocabulary import (
    DO_NOT_DISTURB,
    IDLE,
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
    as_int,
    clip_text,
    get_value,
)

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey
    from presence_tray.core.presence import Activity

# -- wire shapes (gateway-events.mdx "Presence Update", "Activity Object") --------------------


class DiscordUser(TypedDict):
    """The user of a presence; may be partial, only ``id`` is guaranteed."""

    id: str


class DiscordEmoji(TypedDict):
    """An activity's emoji: a Unicode character, or a custom emoji's name and id."""

    name: str | None
    id: NotRequired[str | None]
    animated: NotRequired[bool]


class DiscordActivity(TypedDict):
    """One activity; type 4 is a custom status."""

    name: str
    type: int
    state: NotRequired[str | None]
    emoji: NotRequired[DiscordEmoji | None]
    created_at: NotRequired[int]


class DiscordClientStatus(TypedDict, total=False):
    """Per-device status; an absent key means offline or invisible there."""

    desktop: str
    mobile: str
    web: str
    vr: str


class DiscordPresence(TypedDict):
    """A ``PRESENCE_UPDATE`` payload or a partial presence object."""

    user: DiscordUser
    status: str
    activities: list[DiscordActivity]
    guild_id: NotRequired[str]
    client_status: NotRequired[DiscordClientStatus]


CUSTOM_STATUS_TYPE = 4
"""``Activity.type`` of a custom status."""

MAX_DEVICES = 8
"""Devices read from one ``client_status`` (Discord names four; more is not a real payload)."""

STATUSES: dict[str, Meaning] = {
    "online": ONLINE,
    "idle": IDLE,
    "dnd": DO_NOT_DISTURB,
    "offline": OFFLINE,
    # Others see an invisible user as offline; the word itself only appears in our own status.
    "invisible": OFFLINE,
}
"""Discord ``status`` (case-folded) → meaning."""


def normalise_discord_presence(
    identity: IdentityKey,
    payload: object,
    *,
    observed_at: float,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """One Discord presence object as a core value; unknown (reported once) if unreadable."""
    read = WireReader(Platform.DISCORD, unknown)
    meaning = read.choice(STATUSES, payload, "status")
    if meaning is None:
        return unknown_presence(identity, observed_at, PresenceSource.PUSH)
    return PlatformPresence(
        identity,
        meaning.state,
        observed_at,
        source=PresenceSource.PUSH,
        dnd=meaning.dnd,
        activity=_custom_status(read, payload),
        devices=_devices(read, payload),
    )


def _devices(read: WireReader, payload: object) -> tuple[DevicePresence, ...]:
    """The devices ``client_status`` names, in Discord's order; an absent key means offline
    or invisible there, so it is left out rather than shown as offline (and so is a device
    said to be offline, which Discord does not send: it would say nothing)."""
    client_status = read.mapping(payload, "client_status")
    if not client_status:
        return ()
    devices = []
    for device in list(client_status)[:MAX_DEVICES]:
        meaning = read.choice(STATUSES, client_status, device)
        name = clip_text(device)
        if meaning is not None and name and meaning.state is not PresenceState.OFFLINE:
            devices.append(DevicePresence(name, meaning.state, meaning.dnd))
    return tuple(devices)


def _custom_status(read: WireReader, payload: object) -> Activity | None:
    for activity in read.items(payload, "activities"):
        if as_int(get_value(activity, "type")) == CUSTOM_STATUS_TYPE:
            return custom_status(
                clip_text(read.text(activity, "state")),
                clip_text(read.text(activity, "emoji", "name")),
            )
    return None
