"""What every slixmpp stream of Presence Tray needs, for the XMPP sign-in check
(``accounts.xmpp_login``) and the XMPP client (``platforms.xmpp``) alike.

Imports no slixmpp at run time (it must not load at app start-up), so it sits below both.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from slixmpp import ClientXMPP

_SASL_NAMESPACE: Final = "urn:ietf:params:xml:ns:xmpp-sasl"
_STANZA_LOGGER: Final = "slixmpp.xmlstream.xmlstream"


class _HideSaslStanzas(logging.Filter):
    """Drops slixmpp's records of SASL stanzas: PLAIN carries the password (base64)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _SASL_NAMESPACE not in record.getMessage()


_SASL_FILTER: Final = _HideSaslStanzas()


def hide_sasl_from_logs() -> None:
    """Keep the SASL exchange out of slixmpp's stanza log, for every stream (idempotent)."""
    logging.getLogger(_STANZA_LOGGER).addFilter(_SASL_FILTER)


async def stop_send_loop(stream: ClientXMPP) -> None:
    """End the stream's background task that sends stanzas.

    slixmpp starts it at the first connect and only cancels it when the stream is garbage
    collected, by which time the loop cannot finish it ("Task was destroyed but it is
    pending", logged whenever the collector happens to run). Call it once the stream is
    closed for good.
    """
    sender: asyncio.Future[None] | None = stream._run_out_filters
    if sender is not None and not sender.done():
        sender.cancel()
        await asyncio.wait({sender})
