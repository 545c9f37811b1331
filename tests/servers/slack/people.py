"""One person of the fake workspace and what Slack's methods show of them.

The state is the raw truth (connections, last activity, manual away, DND schedule and snooze,
custom status, huddle); the ``*_view`` methods derive what Slack answers at a given moment, so
a test moves the clock and the answers follow (idle after 10 minutes, a status or a snooze
that expired is gone).
"""

from __future__ import annotations

from dataclasses import dataclass

AUTO_AWAY_AFTER_SECONDS = 600.0  # users.getPresence: auto_away after 10 minutes without activity
STATUS_TEXT_MAX = 100
TEAM_ID = "T0FAKETEAM"

JsonObject = dict[str, object]


@dataclass
class SlackPerson:
    """A member of the workspace. Change the fields (or use the workspace's scenario methods)."""

    id: str
    name: str
    real_name: str
    connection_count: int = 1  # 0: no client open, so offline
    last_activity: float = 0.0  # Unix seconds of the last activity in any client
    manual_away: bool = False  # set by users.setPresence presence=away
    dnd_start: float = 0.0  # the DND schedule's next window [dnd_start, dnd_end); 0: none
    dnd_end: float = 0.0
    snooze_end: float = 0.0  # dnd.setSnooze's end; 0: not snoozing
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: float = 0.0  # 0: the status never expires
    in_huddle: bool = False
    email: str = ""  # shown in profiles when set (Slack needs users:read.email for it)
    is_bot: bool = False
    deleted: bool = False

    def presence(self, now: float) -> str:
        """``active`` or ``away``, all that Slack tells about someone else."""
        return (
            "active" if self.online and not self.manual_away and not self.auto_away(now) else "away"
        )

    @property
    def online(self) -> bool:
        """Whether any client of theirs is connected."""
        return self.connection_count > 0

    def auto_away(self, now: float) -> bool:
        """Connected, but without activity for :data:`AUTO_AWAY_AFTER_SECONDS`."""
        return self.online and now - self.last_activity >= AUTO_AWAY_AFTER_SECONDS

    def presence_view(self, now: float, *, of_caller: bool) -> JsonObject:
        """users.getPresence's answer: the details only when people ask about themselves."""
        view: JsonObject = {"presence": self.presence(now)}
        if of_caller:
            view |= {
                "online": self.online,
                "auto_away": self.auto_away(now),
                "manual_away": self.manual_away,
                "connection_count": self.connection_count,
            }
            if self.online:
                view["last_activity"] = int(self.last_activity)
        return view

    def snoozing(self, now: float) -> bool:
        """Whether a dnd.setSnooze is still running."""
        return now < self.snooze_end

    def dnd_view(self, now: float, *, of_caller: bool) -> JsonObject:
        """dnd.info's fields (dnd.teamInfo gives the first three per user)."""
        view: JsonObject = {  # Slack puts 1 in the timestamps when there is no schedule
            "dnd_enabled": self.dnd_end > 0,
            "next_dnd_start_ts": int(self.dnd_start) or 1,
            "next_dnd_end_ts": int(self.dnd_end) or 1,
        }
        if of_caller:
            snoozing = self.snoozing(now)
            view["snooze_enabled"] = snoozing
            if snoozing:
                view["snooze_endtime"] = int(self.snooze_end)
                view["snooze_remaining"] = int(self.snooze_end - now)
        return view

    def profile_view(self, now: float) -> JsonObject:
        """users.profile.get's ``profile``; a status past its expiration reads as cleared."""
        expired = 0 < self.status_expiration <= now
        return {
            "real_name": self.real_name,
            "display_name": self.name,
            "status_text": "" if expired else self.status_text,
            "status_emoji": "" if expired else self.status_emoji,
            "status_emoji_display_info": [],
            "status_expiration": 0 if expired else int(self.status_expiration),
            "huddle_state": "in_a_huddle" if self.in_huddle else "default_unset",
            "huddle_state_expiration_ts": 0,
            "image_48": f"https://avatars.example/{self.id}_48.png",
            "team": TEAM_ID,
        } | ({"email": self.email} if self.email else {})

    def member_view(self, now: float) -> JsonObject:
        """One entry of users.list's ``members``."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_admin": False,
            "tz": "Europe/Berlin",
            "updated": int(now),
            "profile": self.profile_view(now),
        }
