"""Slack presence, do-not-disturb and custom status, read by polling.

Three responses describe one person: ``users.getPresence`` (``active``/``away``; for the
signed-in user also ``online``, ``auto_away``, ``manual_away``), their entry in
``dnd.teamInfo`` and their profile from ``users.profile.get``.

Decisions:

* For other people Slack says only ``away``, which may mean idle, away or signed out: we show
  away with :data:`~presence_tray.platforms.slack.LIMITATION` as the note.
* Do-not-disturb makes someone who is active (online or idle) busy with DND on. Someone away
  or offline stays so: a nightly DND schedule must not rank them above "away" (busy is more
  available than away in the aggregation order).
* A huddle is shown as "in a call" and wins over a custom status; an expired custom status
  (``status_expiration`` in the past; 0 means never) is ignored. The status emoji is the
  character from ``status_emoji_display_info`` where Slack gives one, else its shortcode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from presence_tray.core.identity import Platform
from presence_tray.core.presence import Activity, ActivityKind, PlatformPresence, PresenceSource
from presence_tray.platforms.slack import LIMITATION
from presence_tray.platforms.vocabulary import (
    AWAY,
    IDLE,
    OFFLINE,
    ONLINE,
    Meaning,
    activity_of,
    custom_status,
    unknown_presence,
    with_dnd,
)
from presence_tray.platforms.wire import (
    DEFAULT_UNKNOWN_LOG,
    UnknownValueLog,
    WireReader,
    clip_text,
    get_str,
)

if TYPE_CHECKING:
    from presence_tray.core.identity import IdentityKey

# -- wire shapes --------------------------------------------------------------------------------


class SlackPresence(TypedDict):
    """``users.getPresence``; the ``NotRequired`` fields come only for the signed-in user."""

    ok: bool
    presence: str
    online: NotRequired[bool]
    auto_away: NotRequired[bool]
    manual_away: NotRequired[bool]
    connection_count: NotRequired[int]
    last_activity: NotRequired[int]


class SlackDndStatus(TypedDict):
    """One user's entry in ``dnd.teamInfo`` (or ``dnd.info``; snooze fields: self only)."""

    dnd_enabled: bool
    next_dnd_start_ts: int
    next_dnd_end_ts: int
    snooze_enabled: NotRequired[bool]
    snooze_endtime: NotRequired[int]


class SlackEmojiInfo(TypedDict, total=False):
    """How Slack draws a status emoji; ``unicode`` is hex code points joined by ``-``."""

    emoji_name: str
    display_url: str
    unicode: str


class SlackProfile(TypedDict, total=False):
    """The status part of ``users.profile.get``'s ``profile``."""

    status_text: str
    status_emoji: str
    status_emoji_display_info: list[SlackEmojiInfo]
    status_expiration: int
    huddle_state: str
    huddle_state_expiration_ts: int


PRESENCES: dict[str, Meaning] = {"active": ONLINE, "away": AWAY}
"""``presence`` (case-folded) → meaning, before the signed-in user's finer flags."""

IN_A_HUDDLE = "in_a_huddle"
HUDDLE_STATES: dict[str, bool] = {IN_A_HUDDLE: True, "default_unset": False, "": False}
"""``huddle_state`` (case-folded) → whether the person is in a huddle."""

_SELF_FIELDS = ("online", "auto_away", "manual_away")
_MAX_EMOJI_CODE_CHARS = 64
"""Longer than any emoji sequence; anything longer is not worth parsing."""


def normalise_slack_presence(
    identity: IdentityKey,
    presence: object,
    *,
    observed_at: float,
    dnd: object = None,
    profile: object = None,
    unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
) -> PlatformPresence:
    """One person's Slack responses as a core value; unknown (reported once) if unreadable.

    ``presence`` is the ``users.getPresence`` response, ``dnd`` the person's ``dnd.teamInfo``
    entry and ``profile`` their ``users.profile.get`` profile; the last two are optional.
    """
    read = WireReader(Platform.SLACK, unknown)
    meaning = read.choice(PRESENCES, presence, "presence")
    if meaning is None:
        return unknown_presence(identity, observed_at, PresenceSource.POLL)
    note = None
    if meaning == AWAY:
        meaning, note = _away_meaning(read, presence)
    if (meaning is ONLINE or meaning is IDLE) and _dnd_active(read, dnd, observed_at):
        meaning = with_dnd(meaning)
    return PlatformPresence(
        identity,
        meaning.state,
        observed_at,
        source=PresenceSource.POLL,
        dnd=meaning.dnd,
        activity=_activity(read, profile, observed_at),
        note=note,
    )


def _away_meaning(read: WireReader, presence: object) -> tuple[Meaning, str | None]:
    """What ``away`` means: finer for the signed-in user, a stated limit for everyone else."""
    online, auto_away, manual_away = (read.flag(presence, name) for name in _SELF_FIELDS)
    if online is None and auto_away is None and manual_away is None:
        return AWAY, LIMITATION
    if online is False:
        return OFFLINE, None
    if auto_away:
        return IDLE, None
    return AWAY, None


def _dnd_active(read: WireReader, dnd: object, at: float) -> bool:
    """Whether a DND window (or the signed-in user's snooze) covers ``at``."""
    if dnd is None:  # not asked for: the common case when polling presence alone
        return False
    if read.flag(dnd, "snooze_enabled"):
        snooze_end = read.number(dnd, "snooze_endtime")
        if snooze_end is None or at < snooze_end:
            return True
    if not read.flag(dnd, "dnd_enabled"):
        return False
    start = read.number(dnd, "next_dnd_start_ts")
    end = read.number(dnd, "next_dnd_end_ts")
    return start is not None and end is not None and start <= at < end


def _activity(read: WireReader, profile: object, at: float) -> Activity | None:
    """A huddle, else the custom status unless it has expired."""
    if profile is None:
        return None
    if read.choice(HUDDLE_STATES, profile, "huddle_state", required=False):
        huddle_end = read.number(profile, "huddle_state_expiration_ts")
        return activity_of(ActivityKind.IN_A_CALL, until=huddle_end or None)
    expiration = read.number(profile, "status_expiration")
    if expiration and expiration <= at:
        return None
    return custom_status(
        clip_text(read.text(profile, "status_text")),
        _status_emoji(read, profile),
        until=expiration or None,
    )


def _status_emoji(read: WireReader, profile: object) -> str | None:
    """The status emoji as a character where Slack says which, else as its ``:shortcode:``."""
    for info in read.items(profile, "status_emoji_display_info"):
        code_points = get_str(info, "unicode")
        if code_points and len(code_points) <= _MAX_EMOJI_CODE_CHARS:
            try:
                return "".join(chr(int(part, 16)) for part in code_points.split("-"))
            except ValueError:  # not hexadecimal, or beyond Unicode
                read.unknown.report_problem(Platform.SLACK, "emoji unicode", "not code points")
    return clip_text(read.text(profile, "status_emoji"))
