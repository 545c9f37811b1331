"""One connection to Discord's Gateway, and the session that outlives it (gateway.mdx).

HELLO gives the heartbeat interval; the first heartbeat goes after ``interval * random()``
(the documented jitter), then one every interval with the last sequence number. A heartbeat
sent while the previous one is still unacknowledged means a zombie connection: it is closed
with a code other than 1000/1001 (so the session survives) and resumed. With a session, the
connection RESUMEs (op 6) on ``resume_gateway_url`` with the last sequence and Discord replays
what was missed; otherwise it IDENTIFYs. RECONNECT (op 7) and a dropped connection resume;
INVALID_SESSION (op 9) resumes when ``d`` is true, else waits 1 to 5 s and identifies afresh.
Close codes that must not be retried become core errors: 4004 an AuthError (the token was
refused), 4014 a PermanentError saying how to enable the Presence Intent, 4010 to 4013 a
PermanentError; every other close is resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from presence_tray.core.errors import AuthError, PermanentError, TransientError

if TYPE_CHECKING:
    import random
    from collections.abc import Awaitable, Callable

    from presence_tray.core.clock import Clock

_log = logging.getLogger(__name__)

GATEWAY_VERSION: Final = 10
GUILDS: Final = 1 << 0
GUILD_PRESENCES: Final = 1 << 8
INTENTS: Final = GUILDS | GUILD_PRESENCES
"""257: guilds (members in GUILD_CREATE) and presences (PRESENCE_UPDATE)."""
LARGE_THRESHOLD: Final = 250
"""Guilds up to this size send every member in GUILD_CREATE (Discord's maximum)."""

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_RECONNECT, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 7, 9, 10, 11
NORMAL_CLOSE_CODE: Final = 1000
"""What we close with when we are done (Discord ends the session)."""
RESUMING_CLOSE_CODE: Final = 4000
"""What we close with when we mean to resume (1000 and 1001 would end the session)."""
CLOSE_AUTHENTICATION_FAILED: Final = 4004
CLOSE_INVALID_SEQUENCE: Final = 4007
CLOSE_SESSION_TIMED_OUT: Final = 4009
CLOSE_DISALLOWED_INTENTS: Final = 4014
PERMANENT_CLOSE_CODES: Final = frozenset({4010, 4011, 4012, 4013})
HELLO_TIMEOUT_SECONDS: Final = 20.0
OPEN_TIMEOUT_SECONDS: Final = 20.0
CLOSE_TIMEOUT_SECONDS: Final = 2.0
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024
INVALID_SESSION_WAIT: Final = (1.0, 5.0)
"""Seconds to wait, at random between these, before identifying after op 9 (gateway.mdx)."""

REFUSED_BY_GATEWAY: Final = (
    "Discord's gateway did not accept the bot token (close code 4004): it is wrong or was "
    "reset. Reconnect the account with the current token from the Bot page of your "
    "application in the Discord developer portal."
)
PRESENCE_INTENT_DISALLOWED: Final = (
    "Discord refused to send the bot anyone's status (close code 4014): its Presence Intent "
    'is off. Turn on "Presence Intent" on the Bot page of your application in the Discord '
    "developer portal, then reconnect the account."
)
UNSUPPORTED_CONNECTION: Final = (
    "Discord refused the bot's connection settings (close code {code}); this version of "
    "Presence Tray cannot connect to it."
)


class TokenRefusedError(AuthError):
    """The gateway refused the bot token (close 4004); the message says what to do."""

    says_what_to_do = True


class Next(Enum):
    """What to do after a connection ended."""

    RESUME = "resume"
    IDENTIFY = "identify"


@dataclass
class GatewaySession:
    """What lets a new connection resume: Discord's session id, where, and the last seq."""

    session_id: str | None = None
    resume_url: str | None = None
    seq: int | None = None

    @property
    def resumable(self) -> bool:
        """Whether a RESUME can be tried."""
        return self.session_id is not None and self.resume_url is not None

    def forget(self) -> None:
        """The session is over: the next connection identifies."""
        self.session_id = None
        self.resume_url = None
        self.seq = None


def gateway_address(url: str) -> str:
    """``url`` with the query Discord asks for: version 10, JSON, no compression."""
    parts = urlsplit(url)
    query = urlencode({"v": GATEWAY_VERSION, "encoding": "json"})
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


class GatewayConnection:
    """One WebSocket to the gateway, from HELLO to its end; tells what to do next."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        session: GatewaySession,
        clock: Clock,
        rng: random.Random,
        on_dispatch: Callable[[str, Any], None],
        before_identify: Callable[[], Awaitable[None]],
    ) -> None:
        """A connection to ``url`` identifying with ``token`` (after ``before_identify``, the
        budget) or resuming ``session``; each dispatch goes to ``on_dispatch(name, data)``."""
        self._url = url
        self._token = token
        self._session = session
        self._clock = clock
        self._rng = rng
        self._on_dispatch = on_dispatch
        self._before_identify = before_identify
        self._acknowledged = True
        self._zombie = False
        self.reached_session = False
        """True once READY or RESUMED arrived on this connection."""

    async def run(self) -> Next:
        """Connect, identify or resume, and receive until the connection ends."""
        resuming = self._session.resumable
        if not resuming:
            await self._before_identify()
        url = self._session.resume_url if resuming else None
        socket = await self._open(url or self._url)
        close_code = RESUMING_CLOSE_CODE
        heartbeat: asyncio.Task[None] | None = None
        try:
            interval = await self._hello(socket)
            heartbeat = asyncio.create_task(self._beat(socket, interval))
            await self._send(socket, self._resume() if resuming else self._identify())
            next_step = await self._receive(socket)
        except ConnectionClosed as closed:
            next_step = self._after_close(closed)
        except BaseException:
            close_code = NORMAL_CLOSE_CODE
            raise
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
            with contextlib.suppress(Exception):
                await socket.close(close_code)
        if next_step is Next.IDENTIFY:
            self._session.forget()
        return next_step

    async def _open(self, url: str) -> ClientConnection:
        try:
            return await connect(
                gateway_address(url),
                open_timeout=OPEN_TIMEOUT_SECONDS,
                close_timeout=CLOSE_TIMEOUT_SECONDS,
                ping_interval=None,
                max_size=MAX_MESSAGE_BYTES,
                compression=None,
            )
        except (OSError, InvalidHandshake, TimeoutError) as err:
            msg = f"Discord's gateway could not be reached: {type(err).__name__}."
            raise TransientError(msg) from err

    async def _hello(self, socket: ClientConnection) -> float:
        try:
            async with asyncio.timeout(HELLO_TIMEOUT_SECONDS):
                while True:
                    payload = _decoded(await socket.recv())
                    if payload.get("op") == OP_HELLO:
                        break
        except TimeoutError as err:
            msg = "Discord's gateway did not say hello."
            raise TransientError(msg) from err
        data = payload.get("d")
        interval = data.get("heartbeat_interval") if isinstance(data, dict) else None
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
            msg = "Discord's gateway sent no heartbeat interval."
            raise TransientError(msg)
        return float(interval) / 1000.0

    def _identify(self) -> dict[str, Any]:
        properties = {"os": "linux", "browser": "presence-tray", "device": "presence-tray"}
        return {
            "op": OP_IDENTIFY,
            "d": {
                "token": self._token,
                "intents": INTENTS,
                "properties": properties,
                "large_threshold": LARGE_THRESHOLD,
            },
        }

    def _resume(self) -> dict[str, Any]:
        session = self._session
        data = {"token": self._token, "session_id": session.session_id, "seq": session.seq}
        return {"op": OP_RESUME, "d": data}

    async def _beat(self, socket: ClientConnection, interval: float) -> None:
        await self._clock.sleep(interval * self._rng.random())
        while True:
            if not self._acknowledged:
                _log.info("Discord gateway: no heartbeat ACK; closing the zombie connection")
                self._zombie = True
                await socket.close(RESUMING_CLOSE_CODE, "zombie connection")
                return
            self._acknowledged = False
            with contextlib.suppress(ConnectionClosed):
                await self._send(socket, {"op": OP_HEARTBEAT, "d": self._session.seq})
            await self._clock.sleep(interval)

    async def _receive(self, socket: ClientConnection) -> Next:
        async for message in socket:
            payload = _decoded(message)
            op = payload.get("op")
            if op == OP_DISPATCH:
                self._dispatch(payload)
            elif op == OP_HEARTBEAT_ACK:
                self._acknowledged = True
            elif op == OP_HEARTBEAT:
                await self._send(socket, {"op": OP_HEARTBEAT, "d": self._session.seq})
            elif op == OP_RECONNECT:
                return Next.RESUME
            elif op == OP_INVALID_SESSION:
                return await self._invalid_session(resumable=payload.get("d") is True)
        return Next.RESUME if self._zombie else self._after_close(None)

    def _dispatch(self, payload: dict[str, Any]) -> None:
        seq, name, data = payload.get("s"), payload.get("t"), payload.get("d")
        if isinstance(seq, int) and not isinstance(seq, bool):
            self._session.seq = seq
        if name == "READY" and isinstance(data, dict):
            session_id, resume_url = data.get("session_id"), data.get("resume_gateway_url")
            if isinstance(session_id, str) and isinstance(resume_url, str):
                self._session.session_id, self._session.resume_url = session_id, resume_url
        if name in {"READY", "RESUMED"}:
            self.reached_session = True
        if isinstance(name, str):
            self._on_dispatch(name, data)

    async def _invalid_session(self, *, resumable: bool) -> Next:
        if resumable and self._session.resumable:
            return Next.RESUME
        self._session.forget()
        await self._clock.sleep(self._rng.uniform(*INVALID_SESSION_WAIT))
        return Next.IDENTIFY

    def _after_close(self, closed: ConnectionClosed | None) -> Next:
        received = closed.rcvd if closed is not None else None
        code = received.code if received is not None else None
        if self._zombie:
            return Next.RESUME
        if code == CLOSE_AUTHENTICATION_FAILED:
            raise TokenRefusedError(REFUSED_BY_GATEWAY)
        if code == CLOSE_DISALLOWED_INTENTS:
            raise PermanentError(PRESENCE_INTENT_DISALLOWED)
        if code in PERMANENT_CLOSE_CODES:
            raise PermanentError(UNSUPPORTED_CONNECTION.format(code=code))
        if code in {CLOSE_INVALID_SEQUENCE, CLOSE_SESSION_TIMED_OUT}:
            return Next.IDENTIFY
        return Next.RESUME if self._session.resumable else Next.IDENTIFY

    @staticmethod
    async def _send(socket: ClientConnection, payload: dict[str, Any]) -> None:
        await socket.send(json.dumps(payload))


def _decoded(message: str | bytes) -> dict[str, Any]:
    """One gateway message as a dict; anything unreadable is an empty one (ignored)."""
    try:
        payload = json.loads(message)
    except ValueError:
        _log.warning("Discord's gateway sent a message that is not JSON; ignored")
        return {}
    return payload if isinstance(payload, dict) else {}
