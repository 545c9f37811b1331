"""Words for states, ages and reasons, shared by the CLI and the UI (no Qt here)."""

from __future__ import annotations

from presence_tray.core.aggregation import AggregatedPresence, AggregationPolicy, Decision
from presence_tray.core.identity import Platform
from presence_tray.core.presence import (
    Activity,
    ActivityKind,
    DevicePresence,
    PlatformPresence,
    PresenceSource,
    PresenceState,
)

STATE_WORDS: dict[PresenceState, str] = {
    PresenceState.ONLINE: "Available",
    PresenceState.IDLE: "Idle",
    PresenceState.BUSY: "Busy",
    PresenceState.AWAY: "Away",
    PresenceState.OFFLINE: "Offline",
    PresenceState.UNKNOWN: "Unknown",
}

ACTIVITY_WORDS: dict[ActivityKind, str] = {
    ActivityKind.IN_A_MEETING: "In a meeting",
    ActivityKind.IN_A_CALL: "In a call",
    ActivityKind.PRESENTING: "Presenting",
    ActivityKind.IN_CALENDAR_EVENT: "In a calendar event",
    ActivityKind.OUT_OF_OFFICE: "Out of office",
    ActivityKind.OFF_WORK: "Off work",
    ActivityKind.CUSTOM: "",
}

OPEN_ACTION_WORDS: dict[Platform, str] = {
    Platform.LINKEDIN: "Open profile",
}
"""What opening an identity's link does, where it is not a chat (LinkedIn: the profile)."""

_POLICY_WORDS = {
    AggregationPolicy.MOST_AVAILABLE: "most available wins",
    AggregationPolicy.RESPECT_DND: "do-not-disturb anywhere wins",
}


def state_words(state: PresenceState, *, dnd: bool = False) -> str:
    """ "Available", "Do not disturb", "Unknown" ... never "Offline" for unknown."""
    if dnd:
        return "Do not disturb"
    return STATE_WORDS[state]


def open_action_words(platform: Platform) -> str:
    """The button that opens an identity's link: "Open chat on WhatsApp", "Open profile on
    LinkedIn"."""
    return f"{OPEN_ACTION_WORDS.get(platform, 'Open chat')} on {platform.display_name}"


def format_age(seconds: float) -> str:
    """A short relative age: "just now", "5 min ago", "2 h ago", "3 days ago"."""
    if seconds < 60:  # noqa: PLR2004 - one minute
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:  # noqa: PLR2004 - one hour
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:  # noqa: PLR2004 - two days read better in hours
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


def activity_words(activity: Activity | None) -> str:
    """ "In a meeting", or the custom text with its emoji; empty when there is none."""
    if activity is None:
        return ""
    if activity.kind is ActivityKind.CUSTOM:
        return " ".join(part for part in (activity.emoji, activity.text) if part)
    base = ACTIVITY_WORDS[activity.kind]
    return f"{base}: {activity.text}" if activity.text else base


def device_words(devices: tuple[DevicePresence, ...]) -> str:
    """ "desktop: idle, mobile: available" — each device's own state, as the platform said."""
    return ", ".join(
        f"{device.device}: {state_words(device.state, dnd=device.dnd).lower()}"
        for device in devices
    )


def last_interaction_words(value: PlatformPresence, *, now: float) -> str | None:
    """ "messaged you 5 min ago" for a value inferred from a message (WhatsApp), else None.

    Said as what happened, never as a presence: writing a minute ago is not being online.
    """
    if value.source is not PresenceSource.LAST_INTERACTION or value.last_active_at is None:
        return None
    return f"messaged you {format_age(now - value.last_active_at)}"


def value_words(value: PlatformPresence, *, stale: bool, now: float) -> str:
    """One platform's own value: "Slack: Away", or the platform's limit as it says it (and
    when the person last messaged you, where that is all it tells)."""
    platform = value.identity.platform.display_name
    if value.state is PresenceState.UNKNOWN and value.note:
        # A sentence that names its platform: "WhatsApp does not share presence".
        messaged = last_interaction_words(value, now=now)
        return value.note if messaged is None else f"{value.note} · {messaged}"
    text = state_words(value.state, dnd=value.dnd)
    detail = activity_words(value.activity)
    if detail:
        text = f"{text} · {detail}"
    if value.devices:
        text = f"{text} · {device_words(value.devices)}"
    if value.note:
        text = f"{text} ({value.note})"
    if stale:
        text = f"{text} · {format_age(now - value.observed_at)}"
    return f"{platform}: {text}"


def summary(aggregate: AggregatedPresence, *, now: float) -> str:
    """The one line under a name: state, activity, where, and age when stale."""
    parts = [state_words(aggregate.state, dnd=aggregate.dnd)]
    detail = activity_words(aggregate.activity)
    if detail:
        parts.append(detail)
    decider = aggregate.decided_by
    if aggregate.state is PresenceState.OFFLINE and aggregate.last_seen_at is not None:
        parts.append(f"last seen {format_age(now - aggregate.last_seen_at)}")
    messaged = None
    if decider is not None and aggregate.decision is Decision.ONLY_UNKNOWN:
        notes = [v.note for v in aggregate.values if v.note]
        if notes:
            parts.append(notes[0])  # "WhatsApp does not share presence": say why we can't tell
        messaged = _latest_message_words(aggregate.values, now=now)
        if messaged is not None:
            parts.append(messaged)
    elif decider is not None:
        parts.append(decider.identity.platform.display_name)
    if aggregate.stale and decider is not None and messaged is None:
        parts.append(f"as of {format_age(now - decider.observed_at)}")
    return " · ".join(parts)


def _latest_message_words(values: tuple[PlatformPresence, ...], *, now: float) -> str | None:
    """ "messaged you 5 min ago" for the latest message among ``values``, if any says one."""
    messages = [
        v for v in values if v.source is PresenceSource.LAST_INTERACTION and v.last_active_at
    ]
    if not messages:
        return None
    latest = max(messages, key=lambda v: v.last_active_at or 0.0)
    return last_interaction_words(latest, now=now)


def explanation(aggregate: AggregatedPresence, policy: AggregationPolicy) -> str:
    """Why the badge is what it is, e.g. "Available on Slack; busy on Teams — most available
    wins"."""
    decider = aggregate.decided_by
    if aggregate.decision is Decision.NO_DATA or decider is None:
        return "No platform has said anything about this person yet."
    if aggregate.decision is Decision.ONLY_UNKNOWN:
        return "No platform can tell this person's presence right now."
    head = (
        f"{state_words(decider.state, dnd=decider.dnd)} on {decider.identity.platform.display_name}"
    )
    others = [
        f"{state_words(v.state, dnd=v.dnd).lower()} on {v.identity.platform.display_name}"
        for v in aggregate.values
        if v is not decider
    ]
    text = "; ".join([head, *others])
    reason = "do-not-disturb wins" if aggregate.decision is Decision.DND_WINS else None
    text = f"{text} — {reason or _POLICY_WORDS[policy]}"
    if aggregate.stale:
        text += " (stale: no fresh value from any platform)"
    return text
