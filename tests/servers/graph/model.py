"""The fake tenant's people and what can happen to their presence (scenario steps, faults)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class OutOfOffice:
    """A presence's ``outOfOfficeSettings``."""

    is_out_of_office: bool = False
    message: str | None = None


NOT_OUT_OF_OFFICE = OutOfOffice()


@dataclass(frozen=True)
class StatusMessage:
    """A note the user set; times are Unix seconds on the fake's clock."""

    content: str
    published_at: float
    expires_at: float | None = None


@dataclass(frozen=True)
class PreferredPresence:
    """What the user chose with ``setUserPreferredPresence``, until ``expires_at``."""

    availability: str
    activity: str
    expires_at: float


@dataclass(frozen=True)
class PresenceChange:
    """A change of someone's own presence; ``out_of_office`` None keeps their settings."""

    availability: str
    activity: str
    out_of_office: OutOfOffice | None = None


JOINS_MEETING = PresenceChange("Busy", "InAMeeting")
JOINS_CALL = PresenceChange("Busy", "InACall")
PRESENTS = PresenceChange("DoNotDisturb", "Presenting")
GOES_DO_NOT_DISTURB = PresenceChange("DoNotDisturb", "DoNotDisturb")
GOES_AWAY = PresenceChange("Away", "Away")
GOES_OFFLINE = PresenceChange("Offline", "Offline")
COMES_BACK = PresenceChange("Available", "Available", out_of_office=NOT_OUT_OF_OFFICE)


def sets_out_of_office(message: str) -> PresenceChange:
    """The change of someone who leaves with an automatic reply on: offline, out of office."""
    return PresenceChange(
        "Offline", "OutOfOffice", OutOfOffice(is_out_of_office=True, message=message)
    )


@dataclass(frozen=True)
class ScenarioStep:
    """``change`` happens to ``user_id`` ``after`` seconds into a played scenario."""

    after: float
    user_id: str
    change: PresenceChange


@dataclass
class GraphUser:
    """One person of the tenant and their own presence (before any preferred presence).

    ``account_enabled`` False is an account an administrator disabled: ``/users`` still lists
    it, with ``accountEnabled: false`` when ``$select`` asks for that property.
    """

    id: str
    display_name: str
    user_principal_name: str
    job_title: str | None = None
    account_enabled: bool = True
    availability: str = "Available"
    activity: str = "Available"
    out_of_office: OutOfOffice = NOT_OUT_OF_OFFICE
    status_message: StatusMessage | None = None
    preferred: PreferredPresence | None = None
    sequence: int = 1


class Fault(Enum):
    """An answer :meth:`GraphFake.fail_next` gives instead of the real one."""

    INTERNAL_SERVER_ERROR = "500, Graph error body"
    BAD_GATEWAY = "502, an HTML page from the edge"
    SERVICE_UNAVAILABLE = "503 with Retry-After"
    TOO_MANY_REQUESTS = "429 with Retry-After, whatever the budget"
    MALFORMED_JSON = "200 with a truncated JSON body"
    SLOW_ANSWER = "the right answer, a second late"
    DROPPED_CONNECTION = "the socket closes without an answer"
