"""Who is who: platforms, accounts, identities on them, and the people they belong to."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Platform(StrEnum):
    """Every platform Presence Tray knows."""

    DISCORD = "discord"
    SLACK = "slack"
    TEAMS = "teams"
    ZOOM = "zoom"
    WHATSAPP = "whatsapp"
    LINKEDIN = "linkedin"
    MATRIX = "matrix"
    XMPP = "xmpp"

    @property
    def display_name(self) -> str:
        """The platform's name as its users write it."""
        return _DISPLAY_NAMES[self]


_DISPLAY_NAMES = {
    Platform.DISCORD: "Discord",
    Platform.SLACK: "Slack",
    Platform.TEAMS: "Teams",
    Platform.ZOOM: "Zoom",
    Platform.WHATSAPP: "WhatsApp",
    Platform.LINKEDIN: "LinkedIn",
    Platform.MATRIX: "Matrix",
    Platform.XMPP: "XMPP",
}


class AccountRef(NamedTuple):
    """One connected account: a platform and our id for the account on it."""

    platform: Platform
    account_id: str

    def __str__(self) -> str:
        return f"{self.platform.display_name} ({self.account_id})"


class IdentityKey(NamedTuple):
    """The key of one identity: platform, account it was seen through, and the remote id.

    A named tuple rather than a dataclass: it is hashed on every ingested update, and tuple
    hashing is done in C.
    """

    platform: Platform
    account_id: str
    remote_id: str

    @property
    def account(self) -> AccountRef:
        """The account this identity was seen through."""
        return AccountRef(self.platform, self.account_id)


class Identity(NamedTuple):
    """A person's account on one platform, as a contact list reports it.

    A named tuple, like the hot-path values: tens of thousands are built at start-up.
    """

    key: IdentityKey
    display_name: str
    handles: tuple[str, ...] = ()
    """Emails, phone numbers and user names, for suggesting links."""
    chat_url: str | None = None
    """Where "open chat" leads, when the platform has such a link."""
    person_id: str | None = None
    """The person this identity belongs to, when a trusted source says so (the simulated
    network, a stored or user-confirmed link); identities naming the same id form one
    person. None: a person of its own."""


@dataclass(frozen=True, slots=True)
class Person:
    """A human being: one or more identities shown as one row with one badge."""

    person_id: str
    display_name: str
    identities: tuple[IdentityKey, ...] = field(default=())
