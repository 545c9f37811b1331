"""A simulated person's situation as each platform's own raw payload, read back by the real
normalisers, so the simulated network runs the same code path as a real account.

Each renderer shows only what its platform would: Slack says active/away for others, Teams
pairs availability with activity, Zoom packs both into one word, Discord has a custom status,
Matrix reports how long ago someone was active, XMPP sends one presence per signed-in client,
WhatsApp tells only of messages, LinkedIn nothing at all.

A few payloads are deliberately odd, as real ones are: Teams says ``Focusing`` (an activity
newer than its documentation) for some people's focus time, and Discord now and then sends a
partial presence without a status. Both read as unknown, and are logged once.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from presence_tray.core.identity import Platform
from presence_tray.platforms.discord.normalise import (
    CUSTOM_STATUS_TYPE,
    DiscordActivity,
    DiscordPresence,
    normalise_discord_presence,
)
from presence_tray.platforms.linkedin.normalise import normalise_linkedin_presence
from presence_tray.platforms.matrix.normalise import MatrixPresence, normalise_matrix_presence
from presence_tray.platforms.simulated.world import (
    AT_THE_KEYBOARD,
    AT_WORK,
    HOUR,
    MINUTE,
    Doing,
    local_day,
)
from presence_tray.platforms.slack.normalise import (
    SlackDndStatus,
    SlackPresence,
    SlackProfile,
    normalise_slack_presence,
)
from presence_tray.platforms.teams.normalise import GraphPresence, normalise_graph_presence
from presence_tray.platforms.whatsapp.normalise import (
    WhatsAppMessage,
    normalise_whatsapp_message,
    normalise_whatsapp_presence,
)
from presence_tray.platforms.xmpp.normalise import XmppPresence, normalise_xmpp_contact
from presence_tray.platforms.zoom.normalise import ZoomPresenceStatus, normalise_zoom_presence

if TYPE_CHECKING:
    from presence_tray.core.identity import Identity
    from presence_tray.core.presence import PlatformPresence
    from presence_tray.platforms.simulated.population import SimulatedPerson
    from presence_tray.platforms.simulated.world import Situation, World
    from presence_tray.platforms.wire import UnknownValueLog

DISCORD_GLITCH_CHANCE = 0.002
"""The chance, per person and minute, that Discord sends a presence without a status."""

_IN_CONVERSATION = frozenset({Doing.MEETING, Doing.CALL, Doing.PRESENTING})
_LINGERING_STATUS_SECONDS = 15 * MINUTE
"""How long Slack keeps showing an expired status in the profile before clearing it."""


def observe(  # noqa: PLR0911 - one return per platform
    world: World,
    person: SimulatedPerson,
    identity: Identity,
    at: float,
    unknown: UnknownValueLog,
) -> PlatformPresence:
    """What the platform of ``identity`` reports about ``person`` at ``at``, normalised."""
    key = identity.key
    situation = world.situation(person, at)
    match key.platform:
        case Platform.SLACK:
            slack = render_slack(world, person, situation, at)
            return normalise_slack_presence(
                key,
                slack.presence,
                observed_at=at,
                dnd=slack.dnd,
                profile=slack.profile,
                unknown=unknown,
            )
        case Platform.TEAMS:
            graph = render_teams(person, situation, key.remote_id, at)
            return normalise_graph_presence(key, graph, observed_at=at, unknown=unknown)
        case Platform.ZOOM:
            zoom = render_zoom(person, situation)
            return normalise_zoom_presence(key, zoom, observed_at=at, unknown=unknown)
        case Platform.DISCORD:
            discord = render_discord(world.seed, person, situation, key.remote_id, at)
            return normalise_discord_presence(key, discord, observed_at=at, unknown=unknown)
        case Platform.MATRIX:
            matrix = render_matrix(situation, at)
            return normalise_matrix_presence(key, matrix, observed_at=at, unknown=unknown)
        case Platform.XMPP:
            resources = render_xmpp(situation)
            return normalise_xmpp_contact(key, resources, observed_at=at, unknown=unknown)
        case Platform.WHATSAPP:
            message = render_whatsapp(world, person, key.remote_id, at)
            if message is None:
                return normalise_whatsapp_presence(key, observed_at=at)
            return normalise_whatsapp_message(key, message, observed_at=at, unknown=unknown)
        case Platform.LINKEDIN:
            return normalise_linkedin_presence(key, observed_at=at)


# -- Slack ------------------------------------------------------------------------------------


class SlackView(NamedTuple):
    """The three Slack responses that describe one person."""

    presence: SlackPresence
    dnd: SlackDndStatus
    profile: SlackProfile


def render_slack(
    world: World, person: SimulatedPerson, situation: Situation, at: float
) -> SlackView:
    """``users.getPresence`` (others: active/away only), ``dnd.teamInfo`` and the profile."""
    doing = situation.doing
    active = doing in AT_WORK and doing not in {Doing.IDLE, Doing.LUNCH}
    focus = world.next_block(person, at, Doing.FOCUS)
    if focus is not None:
        window = (focus.start, focus.end)
    else:  # everyone's nightly schedule: 22:00 to 07:00 local time
        midnight = world.plan(person, local_day(person, at)).start
        if at < midnight + 7 * HOUR:
            window = (midnight - 2 * HOUR, midnight + 7 * HOUR)
        else:
            window = (midnight + 22 * HOUR, midnight + 31 * HOUR)
    return SlackView(
        presence={"ok": True, "presence": "active" if active else "away"},
        dnd={
            "dnd_enabled": True,
            "next_dnd_start_ts": int(window[0]),
            "next_dnd_end_ts": int(window[1]),
        },
        profile=_slack_profile(situation, at),
    )


def _slack_profile(situation: Situation, at: float) -> SlackProfile:
    doing = situation.doing
    if situation.out_of_office:
        return _slack_status("Out of office", ":palm_tree:", 0)
    if doing is Doing.CALL and situation.variant < 40:  # noqa: PLR2004 - some calls are huddles
        return {"huddle_state": "in_a_huddle", "huddle_state_expiration_ts": int(situation.until)}
    if doing is Doing.LUNCH or (
        situation.previous is Doing.LUNCH and at - situation.since < _LINGERING_STATUS_SECONDS
    ):
        # Just after lunch the profile still says so, already expired: the normaliser drops it.
        lunch_end = situation.until if doing is Doing.LUNCH else situation.since
        return _slack_status("Lunch", ":sandwich:", lunch_end)
    if doing in _IN_CONVERSATION:
        return _slack_status("In a meeting", ":spiral_calendar_pad:", situation.until)
    if doing is Doing.FOCUS:
        return _slack_status("Focusing", ":headphones:", situation.until)
    return {"status_text": "", "status_emoji": "", "status_expiration": 0}


_SLACK_EMOJI_CODE_POINTS = {
    ":palm_tree:": "1f334",
    ":sandwich:": "1f96a",
    ":spiral_calendar_pad:": "1f5d3-fe0f",
    ":headphones:": "1f3a7",
}


def _slack_status(text: str, emoji: str, expiration: float) -> SlackProfile:
    return {
        "status_text": text,
        "status_emoji": emoji,
        "status_emoji_display_info": [
            {"emoji_name": emoji.strip(":"), "unicode": _SLACK_EMOJI_CODE_POINTS[emoji]}
        ],
        "status_expiration": int(expiration),
    }


# -- Teams ------------------------------------------------------------------------------------

_TEAMS: dict[Doing, tuple[str, str]] = {
    Doing.WORKING: ("Available", "Available"),
    Doing.MEETING: ("Busy", "InAMeeting"),
    Doing.CALL: ("Busy", "InACall"),
    Doing.PRESENTING: ("DoNotDisturb", "Presenting"),
    Doing.FOCUS: ("DoNotDisturb", "DoNotDisturb"),
    Doing.LUNCH: ("Away", "Away"),
    Doing.OFF: ("Offline", "OffWork"),
    Doing.EVENING: ("Offline", "OffWork"),
    Doing.OUT_OF_OFFICE: ("Offline", "OutOfOffice"),
}
_TEAMS_IDLE_BEFORE_AWAY = 5 * MINUTE
"""Teams shows "available, idle" for five minutes before "away"."""


def render_teams(
    person: SimulatedPerson, situation: Situation, user_id: str, at: float
) -> GraphPresence:
    """A Graph presence resource: availability and activity as Teams pairs them."""
    doing = situation.doing
    availability, activity = _TEAMS.get(doing, ("Away", "Away"))
    if doing is Doing.IDLE and at - situation.since < _TEAMS_IDLE_BEFORE_AWAY:
        availability, activity = "AvailableIdle", "Inactive"
    elif doing is Doing.LUNCH and situation.variant < 50:  # noqa: PLR2004 - half say "brb"
        availability, activity = "BeRightBack", "BeRightBack"
    elif doing is Doing.CALL and situation.variant < 30:  # noqa: PLR2004 - some are conferences
        activity = "InAConferenceCall"
    elif doing is Doing.FOCUS and person.index % 4 == 0:
        activity = "Focusing"  # newer than Graph's documentation: logged once, then ignored
    presence: GraphPresence = {"id": user_id, "availability": availability, "activity": activity}
    if situation.out_of_office:
        presence["outOfOfficeSettings"] = {"message": "I am away today.", "isOutOfOffice": True}
        presence["statusMessage"] = {"message": {"content": "Back tomorrow", "contentType": "text"}}
    return presence


# -- Zoom -------------------------------------------------------------------------------------

# Two families of spellings, as Zoom's endpoints use them (platform-apis.md §4.3).
_ZOOM_OLD: dict[Doing, str] = {
    Doing.MEETING: "In_A_Zoom_Meeting",
    Doing.CALL: "On_A_Call",
    Doing.FOCUS: "Do_No_Disturb",
}
_ZOOM_NEW: dict[Doing, str] = {
    Doing.MEETING: "In_A_Meeting",
    Doing.CALL: "In_A_Call",
    Doing.FOCUS: "Do_Not_Disturb",
}
_ZOOM_COMMON: dict[Doing, str] = {
    Doing.WORKING: "Available",
    Doing.IDLE: "Away",
    Doing.LUNCH: "Away",
    Doing.PRESENTING: "Presenting",
    Doing.OUT_OF_OFFICE: "Out_of_Office",
}


def render_zoom(person: SimulatedPerson, situation: Situation) -> ZoomPresenceStatus:
    """A ``presence_status`` response; do-not-disturb carries its end time."""
    doing = situation.doing
    old_spelling = person.index % 2 == 1
    if doing is Doing.MEETING and situation.variant < 30:  # noqa: PLR2004 - not a Zoom meeting
        return {"status": "In_Calendar_Event" if old_spelling else "In_A_Calendar_Event"}
    if doing is Doing.FOCUS and situation.variant < 50:  # noqa: PLR2004 - some say "busy"
        return {"status": "Busy"}
    status = (_ZOOM_OLD if old_spelling else _ZOOM_NEW).get(doing) or _ZOOM_COMMON.get(
        doing, "Offline"
    )
    if doing is Doing.FOCUS:
        return {"status": status, "end_time": _iso(situation.until), "remaining_time": 0}
    return {"status": status}


# -- Discord ----------------------------------------------------------------------------------

_DISCORD: dict[Doing, str] = {
    Doing.EVENING: "online",
    Doing.WORKING: "online",
    Doing.LUNCH: "online",
    Doing.FOCUS: "dnd",
    Doing.IDLE: "idle",
    Doing.MEETING: "idle",
    Doing.CALL: "idle",
    Doing.PRESENTING: "idle",
}


def render_discord(
    seed: int, person: SimulatedPerson, situation: Situation, user_id: str, at: float
) -> DiscordPresence | dict[str, object]:
    """A ``PRESENCE_UPDATE``: status, and a custom status or a game among the activities."""
    if _chance(f"{seed}/{person.person_id}/discord/{int(at // MINUTE)}") < DISCORD_GLITCH_CHANCE:
        return {"user": {"id": user_id}, "activities": []}  # partial: no status at all
    doing = situation.doing
    status = _DISCORD.get(doing, "offline")
    activities: list[DiscordActivity] = []
    if doing is Doing.FOCUS:
        activities.append(
            {
                "name": "Custom Status",
                "type": CUSTOM_STATUS_TYPE,
                "state": "Heads down",
                "emoji": {"name": "🎧"},
            }
        )
    elif doing is Doing.EVENING and situation.variant < 40:  # noqa: PLR2004 - gaming evenings
        activities.append({"name": "Factorio", "type": 0})  # a game: not an activity of ours
    return {
        "user": {"id": user_id},
        "status": status,
        "activities": activities,
        # Discord names only the devices a person is signed in on: none while offline.
        "client_status": {} if status == "offline" else {"desktop": status},
    }


# -- Matrix -----------------------------------------------------------------------------------


def render_matrix(situation: Situation, at: float) -> MatrixPresence:
    """``m.presence`` content: online while typing, idle-looking in meetings, else away."""
    doing = situation.doing
    if doing in AT_THE_KEYBOARD and doing is not Doing.FOCUS:
        return {"presence": "online", "currently_active": True, "status_msg": None}
    if doing is Doing.FOCUS:
        presence, status = "busy", "Focus time"
    elif doing in _IN_CONVERSATION:
        presence, status = "online", None  # signed in, not typing: idle after five minutes
    elif doing in {Doing.IDLE, Doing.LUNCH}:
        presence, status = "unavailable", "Lunch" if doing is Doing.LUNCH else None
    else:
        presence, status = "offline", "On holiday" if situation.out_of_office else None
    return {
        "presence": presence,
        "currently_active": False,
        "last_active_ago": int((at - situation.last_active_at) * 1000),
        "status_msg": status,
    }


# -- XMPP -------------------------------------------------------------------------------------


def render_xmpp(situation: Situation) -> list[XmppPresence]:
    """One presence per client: a desktop (priority 5) and a phone (priority 0)."""
    doing = situation.doing
    desktop: XmppPresence = {"resource": "desktop", "priority": 5, "received_at": situation.since}
    phone: XmppPresence = {"resource": "phone", "priority": 0, "received_at": situation.since}
    if doing in AT_WORK:
        shows = {Doing.IDLE: "away", Doing.LUNCH: "xa", Doing.WORKING: None}
        show = shows.get(doing, "dnd")
        if show is not None:
            desktop["show"] = show
        if doing in _IN_CONVERSATION:
            desktop["status"] = "In a meeting"
        elif doing is Doing.FOCUS:
            desktop["status"] = "Focus time"
        phone["show"] = "away"
    elif doing is Doing.EVENING:
        desktop["type"] = "unavailable"
        phone["show"] = "chat"
    elif situation.out_of_office:
        # A holiday phone that takes no messages: a negative priority, still present.
        desktop["type"] = "unavailable"
        phone.update({"show": "xa", "status": "On holiday", "priority": -1})
    else:
        desktop["type"] = phone["type"] = "unavailable"
    return [desktop, phone]


# -- WhatsApp ---------------------------------------------------------------------------------


def render_whatsapp(
    world: World, person: SimulatedPerson, phone: str, at: float
) -> WhatsAppMessage | None:
    """The person's latest inbound message (the webhook's ``messages[]`` entry), if any."""
    sent_at = world.last_message_at(person, at)
    if sent_at is None:
        return None
    return {
        "from": phone,
        "id": f"wamid.SIM{person.index:05d}{int(sent_at)}",
        "timestamp": str(int(sent_at)),
        "type": "text",
    }


# -- helpers ----------------------------------------------------------------------------------


def _chance(text: str) -> float:
    """A number in [0, 1) that is always the same for ``text`` (cheaper than seeding a Random)."""
    return zlib.crc32(text.encode()) / 2**32


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
