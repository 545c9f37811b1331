"""WhatsApp Cloud API webhooks on the local API: ``GET`` and ``POST /webhooks/whatsapp``.

WhatsApp shares no presence; a message someone sends to the user's business number says only
when they last wrote. The user forwards the local API's address with a tunnel of their choice
and gives Meta the callback URL, a verify token and (here) the app secret. The routes skip
the local API's bearer token and Host check: Meta cannot send either, and every request
authenticates itself instead — the verify token for ``GET``, the ``X-Hub-Signature-256``
HMAC of the raw body with the app secret for ``POST``.

Messages are recorded only in a connected run (a :class:`WhatsAppInbox` on the hub); while the
simulated network shows, both routes answer 503 (:data:`SIMULATED_NETWORK_ANSWER`) and Meta
delivers again later. Saving the secrets in the settings also saves the webhook as an account
(``whatsapp_account``), which alone makes the next start a connected run
(``account_clients.reader_of``: it is read by the inbox, with no client).

What is refused, with nothing recorded: a body over :data:`MAX_BODY_BYTES` (413), no saved
secrets or no keyring (503, so Meta delivers again once the user has set them up), a missing
or wrong signature (403), a body that is not JSON or not a WhatsApp Business Account
webhook (400). A valid delivery is answered 200 at once (Meta delivers again after anything
else); inside it, a message id taken before (the last :data:`REMEMBERED_MESSAGE_IDS`), a
message older than :data:`MAX_MESSAGE_AGE_SECONDS` and one older than the sender's last known
message are ignored. Logs name the reason, never a secret, a body or a message's content.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, NamedTuple

from presence_tray.core.added_identities import ADDED_BY_HAND, whatsapp_chat_url
from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Platform
from presence_tray.core.secrets import SecretStoreUnavailableError
from presence_tray.platforms.whatsapp.normalise import whatsapp_last_interaction
from presence_tray.platforms.whatsapp.webhook import (
    SIGNATURE_HEADER,
    PayloadError,
    SeenMessages,
    read_delivery,
    signature_matches,
    verification_answer,
)
from presence_tray.platforms.wire import DEFAULT_UNKNOWN_LOG, UnknownValueLog

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.secrets import SecretStore
    from presence_tray.platforms.whatsapp.webhook import InboundMessage

_log = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/webhooks/whatsapp"
"""Where Meta's callback URL points on the local API (behind the user's tunnel)."""
MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest body taken: a ``messages`` delivery carries a few updates of a few kB."""
MAX_MESSAGE_AGE_SECONDS: Final = 7 * 86_400.0
"""Older messages are ignored: Meta stops delivering a message again after 7 days, so an
older one can only be a captured request sent again (the remembered ids do not survive a
restart; this window does)."""
REMEMBERED_MESSAGE_IDS: Final = 10_000
"""How many message ids are remembered to refuse a second delivery of one."""

WEBHOOK_SECRETS_ACCOUNT: Final = AccountRef(Platform.WHATSAPP, "webhook")
"""The keyring entries' account: user names ``whatsapp:webhook#verify_token`` and
``whatsapp:webhook#app_secret`` (service ``presence-tray``)."""
VERIFY_TOKEN_NAME: Final = "verify_token"  # noqa: S105 - the entry's name, not a token
APP_SECRET_NAME: Final = "app_secret"  # noqa: S105 - the entry's name, not a secret
MIN_VERIFY_TOKEN_CHARS: Final = 8


@dataclass(frozen=True, slots=True)
class WebhookSecrets:
    """The verify token and app secret the user entered (their repr hides both)."""

    verify_token: str = field(repr=False)
    app_secret: str = field(repr=False)


def check_webhook_secrets(verify_token: str, app_secret: str) -> WebhookSecrets:
    """The secrets as typed, trimmed; ValueError (a sentence) when one cannot be right."""
    token, secret = verify_token.strip(), app_secret.strip()
    if len(token) < MIN_VERIFY_TOKEN_CHARS or any(char.isspace() for char in token):
        msg = (
            f"Choose a verify token of at least {MIN_VERIFY_TOKEN_CHARS} characters without "
            "spaces, and type the same one in your Meta app's webhook settings."
        )
        raise ValueError(msg)
    if not secret or any(char.isspace() for char in secret):
        msg = (
            "Paste the App Secret from your Meta app (App settings, Basic, App secret, Show); "
            "it has no spaces."
        )
        raise ValueError(msg)
    return WebhookSecrets(token, secret)


class WebhookSecretsKeeper:
    """The webhook's secrets in the keyring, read once and then kept in memory for the routes."""

    def __init__(self, store: Callable[[], Awaitable[SecretStore]]) -> None:
        """Reach the keyring through ``store`` (raises SecretStoreUnavailableError's sentence)."""
        self._store = store
        self._lock = asyncio.Lock()
        self._loaded = False
        self._secrets: WebhookSecrets | None = None

    def __repr__(self) -> str:
        return f"WebhookSecretsKeeper(loaded={self._loaded})"

    @property
    def known(self) -> bool | None:
        """Whether secrets are saved, once read or changed this run (None: not read yet)."""
        return self._secrets is not None if self._loaded else None

    async def current(self) -> WebhookSecrets | None:
        """The saved secrets, or None when the user has not set them (both are needed)."""
        async with self._lock:
            if not self._loaded:
                store = await self._store()
                token = await store.get(WEBHOOK_SECRETS_ACCOUNT, name=VERIFY_TOKEN_NAME)
                secret = await store.get(WEBHOOK_SECRETS_ACCOUNT, name=APP_SECRET_NAME)
                self._secrets = WebhookSecrets(token, secret) if token and secret else None
                self._loaded = True
            return self._secrets

    async def save(self, verify_token: str, app_secret: str) -> None:
        """Check and store both; ValueError (a sentence) for a value that cannot be right."""
        secrets = check_webhook_secrets(verify_token, app_secret)
        async with self._lock:
            store = await self._store()
            await store.put(WEBHOOK_SECRETS_ACCOUNT, secrets.verify_token, name=VERIFY_TOKEN_NAME)
            await store.put(WEBHOOK_SECRETS_ACCOUNT, secrets.app_secret, name=APP_SECRET_NAME)
            self._secrets, self._loaded = secrets, True
        _log.info("WhatsApp webhook: verify token and app secret saved in the keyring")

    async def remove(self) -> None:
        """Forget both; the webhook refuses every request from now on."""
        async with self._lock:
            self._secrets, self._loaded = None, True
            store = await self._store()
            await store.delete(WEBHOOK_SECRETS_ACCOUNT, name=VERIFY_TOKEN_NAME)
            await store.delete(WEBHOOK_SECRETS_ACCOUNT, name=APP_SECRET_NAME)
        _log.info("WhatsApp webhook: verify token and app secret removed from the keyring")


class Answer(NamedTuple):
    """What the webhook answers: an HTTP status and a short plain text."""

    status: int
    text: str


_NOT_SET_UP = Answer(503, "WhatsApp messages are not set up in Presence Tray")
_BAD_SIGNATURE = Answer(403, "signature refused")
_TOO_LARGE = Answer(413, "body too large")
_MALFORMED = Answer(400, "not a WhatsApp Business Account webhook")
_TAKEN = Answer(200, "ok")


class WhatsAppInbox:
    """Applies WhatsApp webhook deliveries to the hub: a message sets its sender's last
    interaction (the state stays unknown: writing is not being online)."""

    def __init__(
        self,
        hub: PresenceHub,
        secrets: Callable[[], Awaitable[WebhookSecrets | None]],
        *,
        clock: Clock,
        unknown: UnknownValueLog = DEFAULT_UNKNOWN_LOG,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_age_seconds: float = MAX_MESSAGE_AGE_SECONDS,
        remembered_ids: int = REMEMBERED_MESSAGE_IDS,
    ) -> None:
        """Publish to ``hub``; ``secrets`` gives the saved ones (e.g.
        :meth:`WebhookSecretsKeeper.current`), ``clock`` the time messages are observed."""
        self._hub = hub
        self._secrets = secrets
        self._clock = clock
        self._unknown = unknown
        self.max_body_bytes = max_body_bytes
        self._max_age = max_age_seconds
        self._seen = SeenMessages(remembered_ids)
        self._latest: OrderedDict[IdentityKey, float] = OrderedDict()
        self._capacity = remembered_ids
        self._warned: set[str] = set()

    async def verify(self, query: Mapping[str, str]) -> Answer:
        """Meta's ``GET`` verification: the challenge echoed when the verify token matches."""
        saved = await self._saved_secrets()
        if saved is None:
            return _NOT_SET_UP
        challenge = verification_answer(query, saved.verify_token)
        if challenge is None:
            self._refused("verification refused: wrong mode, verify token or no challenge")
            return Answer(403, "verification refused")
        _log.info("WhatsApp webhook: callback verified")
        return Answer(200, challenge)

    async def receive(self, body: bytes, signature: str | None) -> Answer:
        """One ``POST`` delivery: checked, then its messages recorded."""
        if len(body) > self.max_body_bytes:
            return self.too_large()
        saved = await self._saved_secrets()
        if saved is None:
            return _NOT_SET_UP
        if not signature_matches(body, signature, saved.app_secret):
            missing = "missing" if signature is None else "does not match the app secret"
            self._refused(f"delivery refused: {SIGNATURE_HEADER} {missing}")
            return _BAD_SIGNATURE
        try:
            messages = read_delivery(json.loads(body), unknown=self._unknown)
        except (ValueError, RecursionError) as err:  # JSONDecodeError and PayloadError
            reason = err if isinstance(err, PayloadError) else "the body is not JSON"
            self._refused(f"delivery refused: {reason}")
            return _MALFORMED
        taken = self.take(messages)
        _log.debug("WhatsApp webhook: %d of %d message(s) recorded", taken, len(messages))
        return _TAKEN

    def too_large(self) -> Answer:
        """The answer to a body over the limit (also given before it is read whole)."""
        self._refused(f"delivery refused: the body is over {self.max_body_bytes} bytes")
        return _TOO_LARGE

    def take(self, messages: Iterable[InboundMessage]) -> int:
        """Record ``messages`` (already checked) as last interactions; how many were new."""
        now = self._clock.now()
        taken = 0
        for message in sorted(messages, key=lambda each: each.sent_at):
            if now - message.sent_at > self._max_age:
                _log.info("WhatsApp webhook: ignored a message older than the retry window")
            elif not self._seen.take(message.message_id):
                _log.info("WhatsApp webhook: ignored a message delivered before")
            elif self._record(message, now):
                taken += 1
        return taken

    def _record(self, message: InboundMessage, now: float) -> bool:
        key = IdentityKey(Platform.WHATSAPP, message.business_number_id, message.sender)
        if message.sent_at < self._last_interaction(key):
            _log.info("WhatsApp webhook: ignored a message older than the sender's last one")
            return False
        if self._hub.identity(key) is None:
            self._hub.add_identities([_sender_identity(key, message.profile_name)])
        self._remember(key, message.sent_at)
        keys = [key]
        by_hand = IdentityKey(Platform.WHATSAPP, ADDED_BY_HAND, message.sender)
        if self._hub.identity(by_hand) is not None:
            keys.append(by_hand)  # the number the user added to a person hears of it too
        for each in keys:
            self._hub.ingest(
                whatsapp_last_interaction(each, sent_at=message.sent_at, observed_at=now)
            )
        return True

    def _last_interaction(self, key: IdentityKey) -> float:
        """When the sender last wrote, as far as this run or the cache knows."""
        known = self._latest.get(key, float("-inf"))
        person = self._hub.person_of(key)
        aggregate = None if person is None else self._hub.aggregate(person.person_id)
        for value in () if aggregate is None else aggregate.values:
            if value.identity == key and value.last_active_at is not None:
                known = max(known, value.last_active_at)
        return known

    def _remember(self, key: IdentityKey, sent_at: float) -> None:
        self._latest[key] = sent_at
        self._latest.move_to_end(key)
        if len(self._latest) > self._capacity:
            self._latest.popitem(last=False)

    async def _saved_secrets(self) -> WebhookSecrets | None:
        try:
            saved = await self._secrets()
        except SecretStoreUnavailableError as err:
            self._refused(f"the keyring cannot be read ({err})")
            return None
        if saved is None:
            self._refused("no verify token and app secret are saved; set them up in Settings")
        return saved

    def _refused(self, reason: str) -> None:
        """Log why a request was refused: at WARNING the first time, then quietly."""
        level = logging.DEBUG if reason in self._warned else logging.WARNING
        self._warned.add(reason)
        _log.log(level, "WhatsApp webhook: %s", reason)


def _sender_identity(key: IdentityKey, profile_name: str | None) -> Identity:
    """The identity of someone who wrote: their profile name, number and chat link."""
    digits = key.remote_id if key.remote_id.isdigit() and key.remote_id.isascii() else None
    number = None if digits is None else f"+{digits}"
    return Identity(
        key,
        profile_name or number or key.remote_id,
        () if number is None else (number,),  # links it with the same number elsewhere
        chat_url=None if digits is None else whatsapp_chat_url(digits),
    )


SIMULATED_NETWORK_ANSWER: Final = Answer(
    503,
    "Presence Tray is showing its simulated network; WhatsApp messages are recorded only "
    "while it shows your connected accounts",
)
"""What the webhook answers while the simulated network shows (Meta delivers again later)."""
