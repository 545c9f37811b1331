"""A webhook's body, its signature and its retry schedule (pure functions, no I/O).

Body: the hook's template for the event's status, filled in with :class:`string.Template`'s
safe substitution (``$person``, ``${state}`` ...; :data:`TEMPLATE_FIELDS` says which exist;
nothing is ever evaluated), or the default JSON body (:func:`default_body`). Every value is
inserted with JSON string escaping (``"`` becomes ``\\"``), so a template may put it inside
a JSON string safely.

Signature: ``X-Presence-Tray-Signature: sha256=<hex>``, the HMAC-SHA256 with the hook's
secret of ``<timestamp>.<body>``, where ``<timestamp>`` is the ``X-Presence-Tray-Timestamp``
header (whole seconds since the epoch). A receiver recomputes it over the raw body, compares
in constant time and rejects a timestamp more than five minutes away from its clock
(:func:`verify` does exactly that), so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from string import Template
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.webhooks import WebhookEvent

SIGNATURE_HEADER: Final = "X-Presence-Tray-Signature"
TIMESTAMP_HEADER: Final = "X-Presence-Tray-Timestamp"
EVENT_HEADER: Final = "X-Presence-Tray-Event"
SIGNATURE_PREFIX: Final = "sha256="
TIMESTAMP_TOLERANCE_SECONDS: Final = 300.0
"""How far a receiver should accept the timestamp from its own clock (either way)."""

TEMPLATE_FIELDS: Final = {
    "person": "the person's name (Me for your own status)",
    "person_id": "the person's id in Presence Tray (me for your own status)",
    "status": "the status word: online, idle, busy, away, offline or dnd",
    "state": "the presence state: online, idle, busy, away or offline",
    "dnd": "true under do-not-disturb, else false",
    "activity": 'what they are doing ("In a meeting"), or empty',
    "platform": "the platform the status comes from (Slack ...), or empty",
    "at": "when it changed, ISO 8601 in UTC",
    "until": "when the status or activity ends, ISO 8601 in UTC, or empty",
    "event": "person.status_changed, own_status.changed or test",
}
"""The ``$fields`` a template may use, each with what it holds."""

JSON_TYPE: Final = "application/json"
TEXT_TYPE: Final = "text/plain; charset=utf-8"

MAX_ATTEMPTS: Final = 6
"""Tries per delivery: the first and five retries (1, 2, 4, 8, 16 s apart, with jitter)."""
FIRST_RETRY_SECONDS: Final = 1.0
JITTER: Final = 0.2
"""Each wait is its schedule's value ± 20 %, so many hooks never retry in step."""
LONGEST_WAIT_SECONDS: Final = 300.0
"""A ``Retry-After`` longer than this is cut to it."""


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot be used (a broken ``$`` or an unknown field); None if it can."""
    parsed = Template(template)
    if not parsed.is_valid():
        return 'a "$" must start a field name such as $person; write "$$" for a dollar sign.'
    unknown = sorted(set(parsed.get_identifiers()) - TEMPLATE_FIELDS.keys())
    if unknown:
        known = ", ".join(f"${name}" for name in TEMPLATE_FIELDS)
        return f"${unknown[0]} is not a field. The fields are {known}."
    return None


def iso_time(seconds: float | None) -> str:
    """``seconds`` since the epoch as ISO 8601 in UTC (whole seconds); empty for None."""
    if seconds is None:
        return ""
    return datetime.fromtimestamp(int(seconds), UTC).isoformat().replace("+00:00", "Z")


def template_values(event: WebhookEvent) -> dict[str, str]:
    """The value of every :data:`TEMPLATE_FIELDS` entry for ``event``, unescaped."""
    return {
        "person": event.person,
        "person_id": event.person_id,
        "status": event.status_word,
        "state": event.state.value,
        "dnd": "true" if event.dnd else "false",
        "activity": event.activity,
        "platform": event.platform,
        "at": iso_time(event.at),
        "until": iso_time(event.until),
        "event": event.kind.value,
    }


def render(template: str, event: WebhookEvent) -> str:
    """``template`` filled in for ``event``, each value JSON-string escaped."""
    escaped = {name: json.dumps(value)[1:-1] for name, value in template_values(event).items()}
    return Template(template).safe_substitute(escaped)


def default_body(event: WebhookEvent) -> str:
    """The JSON body sent when the hook has no template for the event's status."""
    values = template_values(event)
    document = {
        "event": values["event"],
        "person": {"id": event.person_id, "name": event.person},
        "status": values["status"],
        "state": values["state"],
        "dnd": event.dnd,
        "activity": event.activity or None,
        "platform": event.platform or None,
        "at": values["at"],
        "until": values["until"] or None,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def body_for(templates: Mapping[str, str], event: WebhookEvent) -> tuple[bytes, str]:
    """The body (UTF-8) and its content type for ``event``: the status's template if the hook
    has one, else the default JSON."""
    template = templates.get(event.status_word)
    text = default_body(event) if template is None else render(template, event)
    return text.encode(), JSON_TYPE if _is_json(text) else TEXT_TYPE


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 with ``secret`` of ``b"<timestamp>." + body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signed_headers(secret: str, now: float, body: bytes) -> dict[str, str]:
    """The timestamp and signature headers for ``body`` sent at ``now``."""
    timestamp = int(now)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance: float = TIMESTAMP_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: the signature matches the raw ``body`` and the timestamp is
    within ``tolerance`` seconds of ``now``. ``headers`` keys must match exactly."""
    try:
        timestamp = int(headers.get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, headers.get(SIGNATURE_HEADER, ""))


def retry_wait(failed_attempts: int, jitter: float, retry_after: float | None = None) -> float:
    """Seconds to wait after ``failed_attempts`` (1, 2 ...) failures before trying again.

    1, 2, 4, 8, 16 s ... each ± :data:`JITTER` (``jitter`` is a random number in [0, 1));
    at least the receiver's ``Retry-After`` when it sent one, and never more than
    :data:`LONGEST_WAIT_SECONDS`.
    """
    base = FIRST_RETRY_SECONDS * 2.0 ** max(0, failed_attempts - 1)
    wait = base * (1 - JITTER + 2 * JITTER * jitter)
    if retry_after is not None:
        wait = max(wait, retry_after)
    return min(wait, LONGEST_WAIT_SECONDS)
