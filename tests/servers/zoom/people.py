"""The people of a fake Zoom account and the status words each endpoint spells differently.

Zoom's endpoints disagree on spellings (platform-apis.md §4.2-4.4, zoom/rivet-javascript
``users.d.ts`` and ``teamchat.d.ts``): ``GET /users/{id}/presence_status`` says
``In_A_Zoom_Meeting``, ``On_A_Call`` and ``In_Calendar_Event`` (and spells a timed
do-not-disturb ``Do_No_Disturb``, as its type does), a Team Chat contact says ``In_A_Meeting``,
``In_A_Call`` and ``In_A_Calendar_Event``. A person keeps one :class:`ZoomStatus`; each
endpoint renders it in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ZoomStatus(Enum):
    """One presence, with its spelling in ``presence_status`` and in a Team Chat contact."""

    AVAILABLE = ("Available", "Available")
    AWAY = ("Away", "Away")
    DO_NOT_DISTURB = ("Do_Not_Disturb", "Do_Not_Disturb")
    BUSY = ("Busy", "Busy")
    IN_A_MEETING = ("In_A_Zoom_Meeting", "In_A_Meeting")
    ON_A_CALL = ("On_A_Call", "In_A_Call")
    IN_A_CALENDAR_EVENT = ("In_Calendar_Event", "In_A_Calendar_Event")
    PRESENTING = ("Presenting", "Presenting")
    OUT_OF_OFFICE = ("Out_of_Office", "Out_of_Office")
    OFFLINE = ("Offline", "Offline")

    @property
    def user_word(self) -> str:
        """The spelling of ``GET``/``PUT /users/{userId}/presence_status``."""
        return self.value[0]

    @property
    def contact_word(self) -> str:
        """The spelling of a Team Chat contact's ``presence_status``."""
        return self.value[1]


DND_SPELLINGS = frozenset({"Do_Not_Disturb", "Do_No_Disturb"})
"""What ``PUT presence_status`` accepts for do-not-disturb: the reference's word and the
spelling of the request type in rivet-javascript's ``users.d.ts``."""

SETTABLE = {
    status.user_word: status
    for status in ZoomStatus
    if status not in {ZoomStatus.OFFLINE, ZoomStatus.DO_NOT_DISTURB}
} | dict.fromkeys(DND_SPELLINGS, ZoomStatus.DO_NOT_DISTURB)
"""The statuses ``PUT presence_status`` accepts (§4.4 and the newer Out_of_Office, Busy):
everything but ``Offline``: nobody can appear offline while signed in to Zoom."""


@dataclass
class ZoomUser:
    """One person of the account: who they are, whether a Zoom client is open, their status."""

    id: str
    email: str
    first_name: str
    last_name: str
    external: bool = False
    """An external contact rather than someone of the caller's company: listed with an empty
    ``id`` (Zoom's Team Chat privacy change of March 2023), found by member id or e-mail."""
    shares_presence: bool = True
    """An external contact who lets other organisations see their status. Zoom does not
    document the answer when they do not; the fake leaves ``presence_status`` out."""
    signed_in: bool = True
    """Signed in to a Zoom client (desktop or mobile): offline to others otherwise, and
    ``PUT presence_status`` refuses to change their status."""
    status: ZoomStatus = ZoomStatus.AVAILABLE
    dnd_until: float | None = None
    """When a timed do-not-disturb ends (Unix seconds); then they are available again."""
    last_update_at: float | None = None
    """When their status was last changed through the API (the once-a-minute rule)."""

    @property
    def display_name(self) -> str:
        """First and last name, as Zoom shows them."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def member_id(self) -> str:
        """The contact's Team Chat member id (the fake derives it from the user id)."""
        return f"member-{self.id}"

    def shown_status(self, now: float) -> ZoomStatus:
        """What others see at ``now``: offline without a client, DND until it ends."""
        if not self.signed_in:
            return ZoomStatus.OFFLINE
        if self.dnd_until is not None and now >= self.dnd_until:
            self.status, self.dnd_until = ZoomStatus.AVAILABLE, None
        return self.status

    def set_status(self, status: ZoomStatus, now: float, *, dnd_minutes: float | None) -> None:
        """Change the status; a do-not-disturb with ``dnd_minutes`` ends by itself."""
        if status is ZoomStatus.OFFLINE:
            self.signed_in = False
            return
        self.signed_in = True
        self.status = status
        self.dnd_until = (
            now + dnd_minutes * 60
            if status is ZoomStatus.DO_NOT_DISTURB and dnd_minutes is not None
            else None
        )
