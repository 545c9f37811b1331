"""Check an XMPP address and password by signing in once with slixmpp, then signing out.

The client connects (to ``host``/``port`` when given, else where the domain's DNS records
point), secures the stream with STARTTLS, authenticates with SASL and binds a resource; the
session starting is the proof. XMPP needs the password at every connect, so it is the secret.
slixmpp is imported inside :func:`sign_in_xmpp`: it must not load at app start-up.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING

from presence_tray.accounts.errors import ServerTooSlowError, ServerUnreachableError
from presence_tray.accounts.token_accounts import (
    DEFAULT_CHECK_TIMEOUT,
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    UnexpectedAnswerError,
    VerifiedAccount,
)
from presence_tray.slixmpp_support import hide_sasl_from_logs, stop_send_loop

if TYPE_CHECKING:
    from slixmpp import ClientXMPP

    from presence_tray.accounts.errors import SignInError

DEFAULT_PORT = 5222
_DISCONNECT_WAIT = 2.0  # seconds the server has to close the stream after we sign out


async def sign_in_xmpp(
    address: str,
    password: str,
    *,
    host: str | None = None,
    port: int | None = None,
    timeout: float = DEFAULT_CHECK_TIMEOUT,  # noqa: ASYNC109 - the whole sign-in's limit
) -> VerifiedAccount:
    """Sign in as ``address`` (a bare JID) once; raise a SignInError sentence if it fails."""
    jid = bare_jid(address)
    if not password:
        msg = f"Enter the password of {jid}."
        raise InvalidCredentialsFormatError(msg)
    host = (host or "").strip() or None
    if port is not None and not 0 < port < 65536:  # noqa: PLR2004 - the TCP port range
        msg = "The port must be a number from 1 to 65535 (XMPP's usual one is 5222)."
        raise InvalidCredentialsFormatError(msg)
    await _prove_login(jid, password, host, port, timeout)
    settings = {"address": jid}
    if host:
        settings["host"] = host
    if port is not None:
        settings["port"] = str(port)
    return VerifiedAccount(account_id=jid, label=jid, settings=settings, secret=password)


def bare_jid(address: str) -> str:
    """``address`` as a bare JID (``user@domain``, no resource), or a sentence saying why not."""
    from slixmpp.jid import JID, InvalidJID

    try:
        jid = JID(address.strip())
    except InvalidJID:
        jid = None
    if jid is None or not jid.user or not jid.domain:
        msg = "Enter your XMPP address, like alice@example.org."
        raise InvalidCredentialsFormatError(msg)
    return str(jid.bare)


async def _prove_login(
    jid: str, password: str, host: str | None, port: int | None, time_allowed: float
) -> None:
    """Connect, authenticate, wait for the session to start, disconnect; raise on failure."""
    from slixmpp import ClientXMPP

    hide_sasl_from_logs()
    client = ClientXMPP(jid, password)
    # A custom address is reached with STARTTLS on the plain port; direct TLS is only tried
    # where the domain's DNS records advertise it.
    client.enable_direct_tls = False
    domain = jid.partition("@")[2]
    where = (
        f"The XMPP server at {host or domain}:{port or DEFAULT_PORT}"
        if host or port
        else f"The XMPP server of {domain}"
    )
    outcome = _watch_sign_in(client, jid, where)
    if host or port:
        client.connect(host or domain, port or DEFAULT_PORT)
    else:
        client.connect()  # where the domain's DNS SRV records point
    try:
        await asyncio.wait_for(asyncio.shield(outcome), time_allowed)
    except TimeoutError:
        msg = f"{where} did not answer within {time_allowed:g} s. Try again later."
        raise ServerTooSlowError(msg) from None
    finally:
        if not outcome.done():
            outcome.cancel()  # what happens while closing no longer matters
        signed_in = not outcome.cancelled() and outcome.exception() is None
        await _close(client, signed_in=signed_in)


def _watch_sign_in(client: ClientXMPP, jid: str, where: str) -> asyncio.Future[None]:
    """A future that ends with the session starting, or with the sentence for what went wrong."""
    outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def settle(error: SignInError | None) -> None:
        if outcome.done():
            return
        if error is None:
            outcome.set_result(None)
        else:
            outcome.set_exception(error)

    domain = jid.partition("@")[2]
    rejected = CredentialsRejectedError(
        f"{where} did not accept this password for {jid}. Check it and try again."
    )
    no_method = UnexpectedAnswerError(f"{where} offers no sign-in method Presence Tray can use.")
    bad_certificate = UnexpectedAnswerError(
        f"{where} showed a certificate that is not valid for {domain}, so Presence Tray did "
        "not send the password. Check the address, or ask the server's admin."
    )
    unreachable = ServerUnreachableError(
        f"{where} could not be reached. Check the address (and the server and port, if you "
        "set them) and your network connection, then try again."
    )
    client.add_event_handler("session_start", lambda _: settle(None))
    client.add_event_handler("failed_auth", lambda _: settle(rejected))
    client.add_event_handler("no_auth", lambda _: settle(no_method))
    client.add_event_handler("ssl_invalid_chain", lambda _: settle(bad_certificate))
    client.add_event_handler("connection_failed", lambda _: settle(unreachable))
    # A certificate that fails verification closes the socket: "disconnected" comes first,
    # with the verification error as its reason, before "ssl_invalid_chain".
    client.add_event_handler(
        "disconnected",
        lambda reason: settle(
            bad_certificate if isinstance(reason, ssl.SSLCertVerificationError) else unreachable
        ),
    )
    return outcome


async def _close(client: ClientXMPP, *, signed_in: bool) -> None:
    """Stop connecting; sign out politely after a success, else just drop the connection."""
    client.cancel_connection_attempt()
    if not signed_in:
        client.abort()
    try:
        await asyncio.wait_for(client.disconnect(wait=_DISCONNECT_WAIT), _DISCONNECT_WAIT + 1)
    except TimeoutError:
        client.abort()
    await stop_send_loop(client)
