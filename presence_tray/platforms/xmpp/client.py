"""One XMPP account's client: the roster as contacts, presence pushed per resource, my status.

:meth:`XmppClient.run` connects with slixmpp in the running event loop (STARTTLS, SASL),
reads the roster, then sends my initial presence, after which the server sends the current
presence of every contact who shares theirs and every change from then on (RFC 6121 §4.4).
Each contact's resources are combined by priority before normalisation (:mod:`.contacts`).
Roster pushes keep the contacts up to date: a contact taken off the roster (a push with
subscription ``remove``), here or while the app was not running, is no longer a contact
(:meth:`~presence_tray.core.client.PresenceSink.replace_contacts`). A sharing contact who
sent nothing within :data:`SETTLE_SECONDS` of our initial presence is offline.

Every :data:`KEEPALIVE_SECONDS` the server is pinged (XEP-0199); no answer (a dead connection,
the computer waking from sleep) or a dropped stream ends ``run`` with a TransientError, and
the supervisor reconnects with back-off. Nothing is lost: each connection starts from the
presence the server sends afresh, and sends my last chosen status again. A refused password
is an AuthError (reconnect the account); certificate and TLS problems are PermanentErrors.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Final

from presence_tray.core.errors import PresenceError, TransientError
from presence_tray.platforms.xmpp import CAPABILITIES
from presence_tray.platforms.xmpp.contacts import ContactBook
from presence_tray.platforms.xmpp.own_status import AVAILABLE_PRESENCE, OWN_PRIORITY, own_presence
from presence_tray.platforms.xmpp.stream import (
    DEFAULT_PORT,
    StreamWatch,
    open_stream,
    resource_presence,
    roster_items,
    server_description,
)

if TYPE_CHECKING:
    from slixmpp import ClientXMPP, Iq, Presence

    from presence_tray.core.client import Capabilities, OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.preferences import Account
    from presence_tray.platforms.xmpp.own_status import OwnPresence

STEP_TIMEOUT_SECONDS: Final = 20.0
"""Real seconds the server has for one step: accepting the sign-in, the roster, a ping."""
SETTLE_SECONDS: Final = 3.0
"""How long after our initial presence a sharing contact's silence means offline."""
KEEPALIVE_SECONDS: Final = 60.0
"""How often the server is pinged to prove the connection is alive (give or take 10 %)."""


class XmppClient:
    """Presence of one XMPP account's roster, pushed; and my own presence there."""

    def __init__(  # noqa: PLR0913 - keyword-only seams, each with a default
        self,
        account: AccountRef,
        *,
        address: str,
        password: str,
        clock: Clock,
        host: str | None = None,
        port: int | None = None,
        rng: random.Random | None = None,
        settle_seconds: float = SETTLE_SECONDS,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        timeout: float = STEP_TIMEOUT_SECONDS,
    ) -> None:
        """A client signing in as the bare address ``address`` with ``password``.

        ``host``/``port`` override where the domain's DNS records point. ``settle_seconds``,
        ``keepalive_seconds`` (clock time) and ``timeout`` (real seconds per step) are for
        tests; ``rng`` spreads the keep-alive pings of several accounts apart.
        """
        self._account = account
        self._jid = address
        self._password = password
        self._clock = clock
        self._host = (host or "").strip() or None
        self._port = port
        self._rng = rng or random.Random()
        self._settle_seconds = settle_seconds
        self._keepalive_seconds = keepalive_seconds
        self._timeout = timeout
        self._where = server_description(address.partition("@")[2], self._host, port)
        self._own: OwnPresence = AVAILABLE_PRESENCE
        self._stream: ClientXMPP | None = None

    @property
    def account(self) -> AccountRef:
        """The account this client serves."""
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        """What an XMPP client can do."""
        return CAPABILITIES

    async def run(self, sink: PresenceSink) -> None:
        """Connect, list the roster and deliver presence into ``sink`` until cancelled."""
        stream = open_stream(self._jid, self._password)
        watch = StreamWatch(stream, self._jid, self._where)
        book = ContactBook(self._account, self._jid)
        stream.add_event_handler("roster_update", lambda iq: self._on_roster(iq, book, sink))
        stream.add_event_handler("presence", lambda stanza: self._on_presence(stanza, book, sink))
        sign_out = True
        try:
            if self._host or self._port:
                stream.connect(self._host or stream.boundjid.domain, self._port or DEFAULT_PORT)
            else:
                stream.connect()  # where the domain's DNS SRV records point
            await watch.until(watch.started, self._timeout, "accept the sign-in")
            await self._read_roster(watch)
            self._stream = stream
            self._send_own_presence()
            sink.report_live()
            await watch.until(self._keep_alive(stream, book, sink), None)
        except PresenceError:
            sign_out = False  # the stream ended or died
            raise
        finally:
            self._stream = None
            await watch.close(sign_out=sign_out)

    async def set_own_status(self, status: OwnStatus) -> None:
        """Send my presence as ``status`` asks (see :mod:`.own_status`); kept for reconnects."""
        self._own = own_presence(status)
        if self._stream is not None:
            self._send_own_presence()

    async def aclose(self) -> None:
        """Nothing to close: each run closes its own connection."""

    async def _read_roster(self, watch: StreamWatch) -> None:
        """Ask for the roster; its answer reaches :meth:`_on_roster` as a roster update."""
        from slixmpp.exceptions import IqError, IqTimeout

        try:
            await watch.until(watch.stream.get_roster(timeout=self._timeout), None)
        except (IqError, IqTimeout) as err:
            msg = f"{self._where} did not send the contact list (roster); trying again."
            raise TransientError(msg) from err

    def _send_own_presence(self) -> None:
        if self._stream is not None:
            own = self._own
            self._stream.send_presence(pshow=own.show, pstatus=own.status, ppriority=OWN_PRIORITY)

    def _on_roster(self, iq: Iq, book: ContactBook, sink: PresenceSink) -> None:
        changed = book.update(roster_items(iq))
        # The roster as it is after this result or push (the server sends pushes only after
        # the full roster): contacts taken off it are no longer contacts.
        sink.replace_contacts(book.identities())
        now = self._clock.now()
        for item in changed:
            # Sharing contacts' presence comes from the server (or :meth:`_keep_alive` marks
            # them offline); the others' is unknown, and says why.
            if not item.shares_presence:
                sink.publish(book.presence_of(item.jid, observed_at=now))

    def _on_presence(self, presence: Presence, book: ContactBook, sink: PresenceSink) -> None:
        now = self._clock.now()
        stanza = resource_presence(presence, received_at=now)
        jid = str(presence["from"].bare)
        if stanza is not None and book.record(jid, stanza):
            sink.publish(book.presence_of(jid, observed_at=now))

    async def _keep_alive(self, stream: ClientXMPP, book: ContactBook, sink: PresenceSink) -> None:
        """Mark silent contacts offline once settled, then ping the server until it fails."""
        from slixmpp import JID
        from slixmpp.exceptions import IqError, IqTimeout

        server = JID(stream.boundjid.domain)
        await self._clock.sleep(self._settle_seconds)
        now = self._clock.now()
        for jid in book.silent():
            sink.publish(book.signed_out(jid, observed_at=now))
        while True:
            await self._clock.sleep(self._keepalive_seconds * self._rng.uniform(0.9, 1.1))
            try:
                await stream.plugin["xep_0199"].ping(server, timeout=self._timeout)
            except IqError:
                pass  # an error answer is still an answer: the connection is alive
            except IqTimeout as err:
                msg = f"{self._where} stopped answering; reconnecting."
                raise TransientError(msg) from err


def client_for(account: Account, secret: str, *, clock: Clock) -> XmppClient:
    """The client of a saved XMPP account (settings as the sign-in stored them) whose main
    secret is the password."""
    settings = account.settings
    port = settings.get("port", "").strip()
    return XmppClient(
        account.ref,
        address=settings.get("address") or account.ref.account_id,
        password=secret,
        clock=clock,
        host=settings.get("host") or None,
        port=int(port) if port.isdigit() else None,
    )
