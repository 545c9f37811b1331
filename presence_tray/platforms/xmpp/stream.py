"""The slixmpp side of the XMPP client: one stream, how it ended, stanzas as plain values.

:func:`open_stream` makes a :class:`slixmpp.ClientXMPP` in the running loop that never answers
subscription requests (the user's chat client decides those) and keeps the SASL exchange out
of the logs. :class:`StreamWatch` turns slixmpp's events into one outcome: the session started,
or the error kind that ended it, with a sentence. slixmpp is imported only when a stream is
opened, so it does not load at app start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import TYPE_CHECKING, Any, Final, TypeVar

from presence_tray.core.errors import AuthError, PermanentError, PresenceError, TransientError
from presence_tray.platforms.xmpp.contacts import RosterItem
from presence_tray.platforms.xmpp.normalise import UNAVAILABLE, XmppPresence
from presence_tray.slixmpp_support import hide_sasl_from_logs, stop_send_loop

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from slixmpp import ClientXMPP, Iq, Presence

DEFAULT_PORT: Final = 5222
DISCONNECT_WAIT_SECONDS: Final = 2.0
"""How long the server has to close the stream after we sign out."""
NOT_STATE_TYPES: Final = frozenset(
    {"subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"}
)
"""Presence types that say nothing about a resource's availability."""
_T = TypeVar("_T")


class PasswordRefusedError(AuthError):
    """The server refused the saved password; the message says how to connect again."""

    says_what_to_do = True


def open_stream(jid: str, password: str) -> ClientXMPP:
    """A stream for ``jid`` (not connected yet) that answers no subscription request."""
    from slixmpp import ClientXMPP

    hide_sasl_from_logs()
    stream = ClientXMPP(jid, password)
    # A custom address is reached with STARTTLS on the plain port (as at sign-in).
    stream.enable_direct_tls = False
    stream.auto_authorize = None  # neither accept nor refuse: the user's chat client decides
    stream.auto_subscribe = False
    stream.register_plugin("xep_0199")  # ping, for the keep-alive
    return stream


def server_description(domain: str, host: str | None, port: int | None) -> str:
    """How sentences name the server: its address when set, else the domain's server."""
    if host or port:
        return f"The XMPP server at {host or domain}:{port or DEFAULT_PORT}"
    return f"The XMPP server of {domain}"


class StreamWatch:
    """How one stream is doing: :attr:`started` when the session starts, :attr:`ended` with
    the error kind when it ends (never before :meth:`close` is called on purpose)."""

    def __init__(self, stream: ClientXMPP, jid: str, where: str) -> None:
        """Watch ``stream`` of ``jid``; ``where`` names the server in sentences."""
        loop = asyncio.get_running_loop()
        self.stream = stream
        self.started: asyncio.Future[None] = loop.create_future()
        self.ended: asyncio.Future[None] = loop.create_future()
        self._jid = jid
        self._where = where
        self._password_refused = False
        self._stream_error: str | None = None
        self._closing = False
        stream.add_event_handler("session_start", self._on_session_start)
        stream.add_event_handler("failed_auth", self._on_failed_auth)
        stream.add_event_handler("failed_all_auth", self._on_failed_all_auth)
        stream.add_event_handler("ssl_invalid_chain", self._on_invalid_certificate)
        stream.add_event_handler("connection_failed", self._on_connection_failed)
        stream.add_event_handler("stream_error", self._on_stream_error)
        stream.add_event_handler("disconnected", self._on_disconnected)

    async def until(
        self,
        awaitable: Awaitable[_T],
        timeout: float | None,  # noqa: ASYNC109 - real seconds the server has for this step
        what: str = "answer",
    ) -> _T:
        """``awaitable``'s result, unless the stream ends first (its error) or ``timeout``
        real seconds pass (a TransientError saying the server did not ``what``)."""
        task = asyncio.ensure_future(awaitable)
        racing: set[asyncio.Future[Any]] = {task, self.ended}
        try:
            done, _ = await asyncio.wait(
                racing, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        if task in done:
            return task.result()
        if self.ended.done():
            raise self._error()
        msg = f"{self._where} did not {what} within {timeout:g} s; trying again."
        raise TransientError(msg)

    async def close(self, *, sign_out: bool = True) -> None:
        """Stop connecting and sign out (or drop the connection if signing out hangs, or if
        not ``sign_out``: after a failure there is nobody to say goodbye to)."""
        self._closing = True
        stream = self.stream
        stream.cancel_connection_attempt()
        if sign_out and self.started.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stream.disconnect(wait=DISCONNECT_WAIT_SECONDS), DISCONNECT_WAIT_SECONDS + 1
                )
        stream.abort()
        await stop_send_loop(stream)
        if not self.started.done():
            self.started.cancel()
        if not self.ended.done():
            self.ended.cancel()
        elif not self.ended.cancelled():
            self.ended.exception()  # observed: it was raised, or the run ended otherwise

    def _error(self) -> PresenceError:
        error = self.ended.exception()
        if isinstance(error, PresenceError):
            return error
        return TransientError(f"{self._where} ended the connection.")  # pragma: no cover

    def _end(self, error: PresenceError) -> None:
        if not self._closing and not self.ended.done():
            self.ended.set_exception(error)

    def _on_session_start(self, _event: object) -> None:
        if not self.started.done():
            self.started.set_result(None)

    def _on_failed_auth(self, _event: object) -> None:
        self._password_refused = True

    def _on_failed_all_auth(self, _event: object) -> None:
        if self._password_refused:
            self._end(
                PasswordRefusedError(
                    f"{self._where} did not accept the saved password for {self._jid}. "
                    "Connect the XMPP account again in Settings with the current password."
                )
            )
        else:
            self._end(
                PermanentError(
                    f"{self._where} offers no sign-in method Presence Tray can use over an "
                    "encrypted connection. Ask the server's admin."
                )
            )

    def _on_invalid_certificate(self, _event: object) -> None:
        domain = self._jid.partition("@")[2]
        self._end(
            PermanentError(
                f"{self._where} showed a certificate that is not valid for {domain}, so "
                "Presence Tray did not send the password. Check the address (and the server "
                "and port, if you set them), or ask the server's admin."
            )
        )

    def _on_connection_failed(self, _event: object) -> None:
        self._end(
            TransientError(
                f"{self._where} could not be reached; trying again. Check your network "
                "connection if this goes on."
            )
        )

    def _on_stream_error(self, error: Any) -> None:
        self._stream_error = str(error["condition"] or "") or None

    def _on_disconnected(self, reason: object) -> None:
        if isinstance(reason, ssl.SSLCertVerificationError):
            self._on_invalid_certificate(reason)
            return
        if isinstance(reason, ssl.SSLError):
            self._end(
                PermanentError(
                    f"{self._where} could not agree on a secure connection with Presence Tray "
                    "(TLS), so no password was sent. Ask the server's admin."
                )
            )
            return
        because = f" ({self._stream_error})" if self._stream_error else ""
        self._end(TransientError(f"{self._where} closed the connection{because}; reconnecting."))


def roster_items(iq: Iq) -> list[RosterItem]:
    """The items of a roster result or push."""
    items: dict[Any, Any] = iq["roster"]["items"]
    return [
        RosterItem(str(jid), str(item["name"] or ""), str(item["subscription"] or "none"))
        for jid, item in items.items()
    ]


def resource_presence(presence: Presence, *, received_at: float) -> XmppPresence | None:
    """One resource's presence as the normaliser reads it; None for subscription requests,
    probes and errors, which say nothing about availability."""
    kind = presence.xml.get("type")
    if kind in NOT_STATE_TYPES:
        return None
    stanza: XmppPresence = {
        "resource": str(presence["from"].resource),
        "show": str(presence["show"] or "") or None,
        "status": str(presence["status"] or "") or None,
        "priority": int(presence["priority"]),
        "received_at": received_at,
    }
    if kind is not None:
        stanza["type"] = UNAVAILABLE if kind == UNAVAILABLE else str(kind)
    return stanza
