"""Outgoing webhooks: what a hook is, and which hooks a status change fires (no I/O here).

A :class:`Webhook` is a URL the user added, fired on their own status change and/or on the
changes of chosen people, with an optional body template per status
(:mod:`presence_tray.core.webhook_body` renders and signs it). The wiring layer
(``presence_tray.webhook_service``) delivers the :class:`WebhookEvent` values made here.

A person's change fires a hook when their fresh, known status (state and do-not-disturb)
differs from the last one sent for them, the first one after start-up included, so a smart
light shows the right colour at once. Values turning stale and "unknown" never fire; an
activity changing alone (a new meeting title) does not either.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import urlsplit

from presence_tray.core.describe import activity_words
from presence_tray.core.presence import PresenceState
from presence_tray.core.webhook_body import template_problem

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from presence_tray.core.client import OwnStatus
    from presence_tray.core.hub import PresenceChanged

DND: Final = "dnd"
"""The status word of do-not-disturb (a template may be set for it as for any state)."""
STATUS_WORDS: Final = (*(state.value for state in PresenceState), DND)
"""Every status a template can be set for: the presence states plus do-not-disturb."""
ME: Final = "me"
"""The person id of an event about my own status."""


class WebhookEventKind(StrEnum):
    """Why a hook was fired (the default body's ``event``)."""

    PERSON = "person.status_changed"
    OWN_STATUS = "own_status.changed"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Webhook:
    """One outgoing webhook as the user set it up. Its signing secret lives in the keyring."""

    hook_id: str
    url: str
    on_own_status: bool = False
    person_ids: frozenset[str] = frozenset()
    templates: Mapping[str, str] = field(default_factory=dict)
    """Body template per status word (:data:`STATUS_WORDS`); none: the default JSON body."""
    created_at: float = 0.0

    def problem(self) -> str | None:
        """Why this hook cannot be saved, as a sentence; None when it can."""
        return (
            url_problem(self.url)
            or (
                None
                if self.on_own_status or self.person_ids
                else "Choose what fires this webhook: your own status, some people, or both."
            )
            or templates_problem(self.templates)
        )

    def fires_for(self, person_id: str) -> bool:
        """Whether a change of ``person_id`` (:data:`ME` for my own status) fires this hook."""
        return self.on_own_status if person_id == ME else person_id in self.person_ids


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One status change to send: who, their status, and when (seconds since the epoch)."""

    kind: WebhookEventKind
    person_id: str
    person: str
    state: PresenceState
    dnd: bool
    at: float
    activity: str = ""
    platform: str = ""
    until: float | None = None

    @property
    def status_word(self) -> str:
        """``"dnd"`` under do-not-disturb, else the state's word: which template applies."""
        return DND if self.dnd else self.state.value


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, as a sentence; None when it can."""
    text = url.strip()
    if not text:
        return "Enter the address that receives the webhook, starting with https://."
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return "That address is not valid. Check it for typing mistakes."
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        return "The address must start with https:// (or http://) and name a host."
    if any(ch.isspace() for ch in text):
        return "The address must not contain spaces."
    return None


def destination(url: str) -> str:
    """The scheme and host of ``url``, the only part of it ever logged or reported.

    The rest may hold a secret (an IFTTT key, a Home Assistant webhook id in the path).
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "an invalid address"
    return f"{parts.scheme}://{host}{port}"


def sends_in_clear(url: str) -> bool:
    """Whether ``url`` is plain http to a host that is not this computer (a warning case)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme == "http" and not _on_this_network((parts.hostname or "").lower())


def _on_this_network(host: str) -> bool:
    """Whether ``host`` is this computer or a local-network address (by its name or number)."""
    if host == "localhost" or host.endswith((".local", ".lan", ".home.arpa")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def templates_problem(templates: Mapping[str, str]) -> str | None:
    """Why a template cannot be used (an unknown status or field), as a sentence; or None."""
    for word, template in templates.items():
        if word not in STATUS_WORDS:
            return f"There is no status called {word!r}."
        problem = template_problem(template)
        if problem is not None:
            return f"The template for {word}: {problem}"
    return None


def event_for_own_status(status: OwnStatus, now: float) -> WebhookEvent:
    """The event for my own status as the tray set it."""
    return WebhookEvent(
        WebhookEventKind.OWN_STATUS,
        ME,
        "Me",
        status.state,
        status.dnd,
        now,
        activity=status.text or "",
        until=status.until,
    )


def test_event(now: float) -> WebhookEvent:
    """The event "Send a test" sends: my status as Available."""
    return WebhookEvent(WebhookEventKind.TEST, ME, "Me", PresenceState.ONLINE, dnd=False, at=now)


class PersonChanges:
    """Turns the hub's change batches into events for the people some hook watches.

    Remembers the last status sent per watched person, so a batch that changes nothing a
    person could see (an activity, a value confirmed, a value aging out) fires nothing.
    """

    def __init__(self) -> None:
        """Start with nobody's status sent."""
        self._sent: dict[str, tuple[PresenceState, bool]] = {}

    def events(
        self, changes: Sequence[PresenceChanged], watched: Iterable[str], now: float
    ) -> list[WebhookEvent]:
        """The events of ``changes`` for the ``watched`` person ids, at ``now``."""
        wanted = set(watched)
        events: list[WebhookEvent] = []
        for change in changes:
            person_id = change.person.person_id
            new = change.new
            decider = new.decided_by
            if person_id not in wanted or decider is None or new.stale:
                continue
            if new.state is PresenceState.UNKNOWN:
                continue
            status = (new.state, new.dnd)
            if self._sent.get(person_id) == status:
                continue
            self._sent[person_id] = status
            events.append(
                WebhookEvent(
                    WebhookEventKind.PERSON,
                    person_id,
                    change.person.display_name,
                    new.state,
                    new.dnd,
                    now,
                    activity=activity_words(new.activity),
                    platform=decider.identity.platform.display_name,
                    until=None if new.activity is None else new.activity.until,
                )
            )
        return events


class WebhookSecrets(Protocol):
    """Where each hook's signing secret is kept (the OS keyring), by hook id."""

    async def get(self, hook_id: str) -> str | None:
        """The hook's secret, or None if there is none."""
        ...

    async def put(self, hook_id: str, secret: str) -> None:
        """Store (or replace) the hook's secret."""
        ...

    async def delete(self, hook_id: str) -> None:
        """Forget the hook's secret; nothing happens if there is none."""
        ...
