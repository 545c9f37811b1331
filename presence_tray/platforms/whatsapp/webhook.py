"""WhatsApp Cloud API webhooks, read without trusting them: the verify challenge, the
``X-Hub-Signature-256`` check and the ``messages`` payload (webhooks/reference/messages).

Pure functions and one small memory; no HTTP here (``presence_tray.whatsapp_webhook`` serves
them). Nothing in this module logs or keeps a message's content: only who wrote, when, and the
message id (to refuse a delivery seen before).

A delivery is ``{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>,
"changes": [{"field": "messages", "value": {...}}]}]}``; each ``value`` names the business
number (``metadata.phone_number_id``), the senders (``contacts[].wa_id``,
``contacts[].profile.name``) and their ``messages[]`` (``from``, ``id``, ``timestamp``,
``type``). ``statuses[]`` are receipts of the business's own messages: they say nothing about
anyone's presence and are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.core.identity import Platform
from presence_tray.platforms.wire import (
    DEFAULT_UNKNOWN_LOG,
    MISSING,
    UnknownValueLog,
    WireReader,
    as_mapping,
    get_list,
    get_str,
    get_value,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

WEBHOOK_OBJECT: Final = "whatsapp_business_account"
"""The ``object`` of every WhatsApp Business Account webhook."""
MESSAGES_FIELD: Final = "messages"
"""The subscription field of inbound messages (and of the ignored status receipts)."""
SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
"""Meta's signature of the raw body: ``sha256=`` and the hex HMAC-SHA256 with the app secret."""
_SIGNATURE_PREFIX = "sha256="
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")

NOT_A_USER_MESSAGE: Final = frozenset({"system"})
"""Message types that are not someone writing (a changed number is announced as "system")."""
_SENDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,256}")
_MAX_NAME_CHARS = 100

_PLATFORM = Platform.WHATSAPP


class PayloadError(ValueError):
    """The body is not a WhatsApp Business Account webhook at all (answered with 400)."""


# -- the GET verification -------------------------------------------------------------------


def verification_answer(query: Mapping[str, str], verify_token: str | None) -> str | None:
    """The ``hub.challenge`` to echo when Meta verifies the callback, else None (refused).

    Meta sends ``hub.mode=subscribe``, the verify token the user typed in the app dashboard
    (``hub.verify_token``) and a challenge; the token is compared in constant time. Without a
    saved token nothing is ever verified.
    """
    challenge = query.get("hub.challenge")
    if not verify_token or query.get("hub.mode") != "subscribe" or not challenge:
        return None
    offered = query.get("hub.verify_token", "")
    if not hmac.compare_digest(offered.encode(), verify_token.encode()):
        return None
    return challenge


# -- the POST signature ---------------------------------------------------------------------


def body_signature(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256``'s value for ``body`` (``sha256=<hex>``), as Meta computes it."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"{_SIGNATURE_PREFIX}{digest}"


def signature_matches(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is the signature of the raw ``body`` with ``app_secret``.

    Compared in constant time; a missing or malformed header never matches, nor does any
    header when there is no app secret.
    """
    if not app_secret or header is None or not header.startswith(_SIGNATURE_PREFIX):
        return False
    offered = header[len(_SIGNATURE_PREFIX) :]
    if not _SHA256_HEX.fullmatch(offered):
        return False
    expected = body_signature(body, app_secret)[len(_SIGNATURE_PREFIX) :]
    return hmac.compare_digest(offered.lower().encode(), expected.encode())


# -- the payload ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """Someone wrote to the business number: who, when, and the message's id (no content)."""

    business_number_id: str
    """``metadata.phone_number_id``: the number the message was sent to."""
    sender: str
    """``from`` (the ``wa_id``): the sender's phone number in digits (an id of another form,
    such as Meta's business-scoped user ids, is kept as it comes)."""
    message_id: str
    """``id`` (``wamid.…``): unique per message, and the same when Meta delivers it again."""
    sent_at: float
    """``timestamp``, seconds since the epoch."""
    profile_name: str | None
    """``contacts[].profile.name`` of the sender, when given."""


def read_delivery(
    payload: object, *, unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG
) -> list[InboundMessage]:
    """The inbound messages of one webhook delivery, in order.

    Raises :class:`PayloadError` when ``payload`` is not a WhatsApp Business Account webhook
    (not an object, another ``object``, no ``entry`` array). Inside it, unknown fields,
    other subscription fields, statuses and system messages are skipped; a value of the wrong
    type is reported once to ``unknown`` and its message skipped.
    """
    if as_mapping(payload) is None:
        msg = "the body is not a JSON object"
        raise PayloadError(msg)
    if get_str(payload, "object") != WEBHOOK_OBJECT:
        msg = f"the body's object is not {WEBHOOK_OBJECT!r}"
        raise PayloadError(msg)
    entries = get_list(payload, "entry")
    if entries is None:
        msg = "the body has no entry array"
        raise PayloadError(msg)
    read = WireReader(_PLATFORM, unknown)
    return [
        message
        for entry in entries
        for change in read.items(entry, "changes")
        if read.text(change, "field") in {None, MESSAGES_FIELD}
        for message in _messages_of(read, read.mapping(change, "value"))
    ]


def _messages_of(read: WireReader, value: Mapping[str, object] | None) -> list[InboundMessage]:
    """The user messages of one change's ``value``."""
    if value is None:
        return []
    number_id = read.text(value, "metadata", "phone_number_id")
    messages = read.items(value, "messages")
    if not messages:
        return []  # statuses only, or something else: nothing about anyone's activity
    if number_id is None or not _SENDER_ID.fullmatch(number_id):
        read.unknown.report_problem(_PLATFORM, "metadata.phone_number_id", "missing or not an id")
        return []
    names = _profile_names(read, value)
    found = []
    for message in messages:
        inbound = _inbound(read, message, number_id, names)
        if inbound is not None:
            found.append(inbound)
    return found


def _profile_names(read: WireReader, value: Mapping[str, object]) -> dict[str, str]:
    """Each sender's profile name by ``wa_id``."""
    names = {}
    for contact in read.items(value, "contacts"):
        wa_id = read.text(contact, "wa_id")
        name = read.text(contact, "profile", "name")
        if wa_id is not None and name is not None and name.strip():
            names[wa_id] = name.strip()[:_MAX_NAME_CHARS]
    return names


def _id_field(
    read: WireReader, message: object, field: str, pattern: re.Pattern[str]
) -> str | None:
    """The id in ``field``; a missing one, a wrong type or a malformed id is reported."""
    if get_value(message, field) is None:
        read.unknown.report(_PLATFORM, field, MISSING)
        return None
    text = read.text(message, field)
    if text is not None and not pattern.fullmatch(text):
        read.unknown.report_problem(_PLATFORM, field, "not an id")
        return None
    return text


def _inbound(
    read: WireReader, message: object, number_id: str, names: Mapping[str, str]
) -> InboundMessage | None:
    """One ``messages[]`` entry as an inbound message, or None when it is not one we use."""
    kind = read.text(message, "type")
    if kind is not None and kind.casefold() in NOT_A_USER_MESSAGE:
        return None
    sender = _id_field(read, message, "from", _SENDER_ID)
    message_id = _id_field(read, message, "id", _MESSAGE_ID)
    sent_at = read.timestamp(message, "timestamp", required=True)
    if sender is None or message_id is None or sent_at is None:
        return None
    return InboundMessage(number_id, sender, message_id, sent_at, names.get(sender))


# -- deliveries seen before -----------------------------------------------------------------


class SeenMessages:
    """The ids of the last ``capacity`` messages taken, to refuse one delivered again.

    Meta delivers a message again when it did not get a 200 in time, and a captured request
    could be sent again by anyone: either way a message id is taken once.
    """

    __slots__ = ("_capacity", "_ids")

    def __init__(self, capacity: int = 10_000) -> None:
        """Remember at most ``capacity`` ids; the oldest are forgotten first."""
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def take(self, message_id: str) -> bool:
        """Whether ``message_id`` is new (and now remembered); False when seen before."""
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)
