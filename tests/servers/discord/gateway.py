"""A fake Discord Gateway (WebSocket, JSON encoding) for one bot, on 127.0.0.1.

It follows gateway.mdx / gateway-events.mdx: HELLO with ``heartbeat_interval``; heartbeats
(op 1) answered by HEARTBEAT_ACK (op 11); IDENTIFY (op 2) checked for the token (close 4004)
and the privileged GUILD_PRESENCES intent (close 4014 when the application has not enabled it;
4013 for bits Discord does not know); READY with ``session_id`` and ``resume_gateway_url``; one
GUILD_CREATE per guild with its members and the presences of those not offline; sequence
numbers on every dispatch; RESUME (op 6) on ``resume_gateway_url`` replaying every dispatch
after the client's last sequence, then RESUMED. Guilds change as gateway-events.mdx says: the
bot removed from a guild (or the guild deleted) is GUILD_DELETE ``{"id"}`` without
``unavailable``; an outage is GUILD_DELETE ``{"id", "unavailable": true}`` (a new session's
READY still names the guild, with no GUILD_CREATE until it is back, which is a GUILD_CREATE);
a member leaving is GUILD_MEMBER_REMOVE ``{"guild_id", "user"}``, sent only to sessions that
asked for the privileged GUILD_MEMBERS intent. Faults a test can inject: drop the connection
(no close frame), stop answering heartbeats (a zombie connection), send RECONNECT (op 7) or
INVALID_SESSION (op 9, resumable or not), close with any code. Presence changes made while no
connection is up (or lost in flight: ``lose_dispatches``) are kept and replayed on resume, as
Discord does.

With ``compress=zlib-stream`` in the query (``discord.py`` asks for it), every message is sent
as binary from one zlib stream, each ending with a sync flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

if TYPE_CHECKING:
    from websockets.asyncio.server import Server

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
KNOWN_INTENTS = (1 << 26) - 1
RESUME_PATH = "/resume/"

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_RECONNECT, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 7, 9, 10, 11
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014

JsonObject = dict[str, Any]


def member(user_id: str, username: str, *, nick: str | None = None) -> JsonObject:
    """A guild member object (with ``flags``: discord.py requires it)."""
    return {
        "user": {
            "id": user_id,
            "username": username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
        },
        "nick": nick,
        "roles": [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
    }


def presence(
    user_id: str,
    status: str,
    *,
    custom_status: str | None = None,
    emoji: str | None = None,
    client_status: dict[str, str] | None = None,
    user: JsonObject | None = None,
) -> JsonObject:
    """A presence object: a partial ``user`` (only the id unless given), ``status``,
    ``client_status`` (desktop by default) and a custom status activity (type 4) if any."""
    activities: list[JsonObject] = []
    if custom_status is not None or emoji is not None:
        activity: JsonObject = {"name": "Custom Status", "type": 4, "created_at": 0}
        activity["state"] = custom_status
        if emoji is not None:
            activity["emoji"] = {"name": emoji}
        activities.append(activity)
    if client_status is None:
        client_status = {} if status == "offline" else {"desktop": status}
    return {
        "user": user or {"id": user_id},
        "status": status,
        "activities": activities,
        "client_status": client_status,
    }


@dataclass
class FakeGuild:
    """One guild the bot is in: its members and their presences (absent = offline)."""

    guild_id: str
    name: str
    members: dict[str, JsonObject] = field(default_factory=dict)
    presences: dict[str, JsonObject] = field(default_factory=dict)
    large: bool = False
    """More members than the client's ``large_threshold``: offline ones are not listed."""
    unavailable: bool = False
    """In an outage: READY names it, but no GUILD_CREATE comes until it is back."""

    def add(self, user_id: str, username: str, status: str = "offline", **extra: Any) -> None:
        """A member, with a presence unless offline."""
        self.members[user_id] = member(user_id, username)
        if status != "offline":
            self.presences[user_id] = presence(user_id, status, **extra)

    def create_event(self, *, with_presences: bool) -> JsonObject:
        """The GUILD_CREATE payload (presences only with the GUILD_PRESENCES intent)."""
        members = [
            body
            for user_id, body in self.members.items()
            if not self.large or user_id in self.presences
        ]
        return {
            "id": self.guild_id,
            "name": self.name,
            "unavailable": False,
            "large": self.large,
            "member_count": len(self.members),
            "members": members,
            "presences": list(self.presences.values()) if with_presences else [],
            "channels": [],
            "threads": [],
            "roles": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "features": [],
            "owner_id": "1",
            "joined_at": "2026-01-01T00:00:00+00:00",
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "icon": None,
            "splash": None,
            "banner": None,
            "description": None,
        }


@dataclass
class _Session:
    session_id: str
    intents: int
    events: list[tuple[int, str, JsonObject]] = field(default_factory=list)
    connection: _Connection | None = None

    @property
    def seq(self) -> int:
        return self.events[-1][0] if self.events else 0


class _Connection:
    """One client socket, with its optional zlib stream."""

    def __init__(self, socket: ServerConnection, *, zlib_stream: bool) -> None:
        self.socket = socket
        self._compressor = zlib.compressobj() if zlib_stream else None

    async def send(self, payload: JsonObject) -> None:
        text = json.dumps(payload)
        if self._compressor is None:
            await self.socket.send(text)
        else:
            data = self._compressor.compress(text.encode()) + self._compressor.flush(
                zlib.Z_SYNC_FLUSH
            )
            await self.socket.send(data)


@dataclass
class FakeGateway:
    """The gateway of one bot. Change the attributes (or call the fault methods) to script it."""

    token: str
    bot_id: str = "1180000000000000001"
    bot_name: str = "PresenceBot"
    application_id: str = "1180000000000000002"
    heartbeat_interval_ms: int = 45_000
    presence_intent_enabled: bool = True
    ack_heartbeats: bool = True
    lose_dispatches: bool = False
    refuse_sessions_with: int | None = None
    """Close code to answer every IDENTIFY and RESUME with (a gateway in trouble)."""
    """Dispatches are numbered and kept for replay but never arrive (lost in flight)."""
    guilds: dict[str, FakeGuild] = field(default_factory=dict)
    identifies: list[JsonObject] = field(default_factory=list)
    resumes: list[JsonObject] = field(default_factory=list)
    heartbeats: list[int | None] = field(default_factory=list)
    connect_paths: list[str] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    """The close code of each connection the client closed (None: no close frame)."""
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _server: Server | None = None
    _port: int | None = None
    _session_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _connected: asyncio.Event = field(default_factory=asyncio.Event)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeGateway:
        """Listen on a free port of 127.0.0.1."""
        self._server = await serve(self._serve, "127.0.0.1", 0, compression=None)
        self._port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def aclose(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        """The gateway URL ``GET /gateway/bot`` gives (``ws://127.0.0.1:<port>/``)."""
        assert self._port is not None, "start() the gateway first"
        return f"ws://127.0.0.1:{self._port}/"

    @property
    def resume_url(self) -> str:
        """The ``resume_gateway_url`` READY gives: another path, so a test sees it used."""
        return self.url.rstrip("/") + RESUME_PATH

    def guild(self, guild_id: str, name: str) -> FakeGuild:
        """Add a guild the bot is a member of."""
        self.guilds[guild_id] = FakeGuild(guild_id, name)
        return self.guilds[guild_id]

    @property
    def sequence(self) -> int:
        """The last sequence number dispatched (the highest of all sessions)."""
        return max((session.seq for session in self._sessions.values()), default=0)

    @property
    def connected(self) -> bool:
        """Whether a client socket is open and identified or resumed."""
        return any(session.connection is not None for session in self._sessions.values())

    # -- scripted changes and faults -------------------------------------------------------

    async def change_presence(self, guild_id: str, user_id: str, status: str, **extra: Any) -> int:
        """Someone's presence changes: PRESENCE_UPDATE to every session with the intent (kept
        for replay when its connection is down). Returns the last sequence number used."""
        guild = self.guilds[guild_id]
        payload = presence(user_id, status, **extra)
        if status == "offline":
            guild.presences.pop(user_id, None)
        else:
            guild.presences[user_id] = payload
        event = {**payload, "guild_id": guild_id}
        return await self._dispatch_to(GUILD_PRESENCES, "PRESENCE_UPDATE", event)

    async def remove_bot_from(self, guild_id: str) -> int:
        """The bot is kicked from ``guild_id`` (or it is deleted): GUILD_DELETE without
        ``unavailable``, and the guild is gone from READY and REST. Returns the last seq."""
        del self.guilds[guild_id]
        return await self._dispatch_to(GUILDS, "GUILD_DELETE", {"id": guild_id})

    async def start_outage(self, guild_id: str) -> int:
        """``guild_id`` becomes unavailable: GUILD_DELETE with ``unavailable: true``."""
        self.guilds[guild_id].unavailable = True
        event = {"id": guild_id, "unavailable": True}
        return await self._dispatch_to(GUILDS, "GUILD_DELETE", event)

    async def end_outage(self, guild_id: str) -> int:
        """``guild_id`` is available again: a GUILD_CREATE for it."""
        guild = self.guilds[guild_id]
        guild.unavailable = False
        last = 0
        for session in list(self._sessions.values()):
            if session.intents & GUILDS:
                event = guild.create_event(with_presences=bool(session.intents & GUILD_PRESENCES))
                last = await self._dispatch(session, "GUILD_CREATE", event)
        return last

    async def remove_member(self, guild_id: str, user_id: str) -> int:
        """``user_id`` leaves ``guild_id`` (or is kicked): GUILD_MEMBER_REMOVE, only to the
        sessions with the GUILD_MEMBERS intent. Returns the last seq used (0: none sent)."""
        guild = self.guilds[guild_id]
        user = guild.members.pop(user_id)["user"]
        guild.presences.pop(user_id, None)
        event = {"guild_id": guild_id, "user": user}
        return await self._dispatch_to(GUILD_MEMBERS, "GUILD_MEMBER_REMOVE", event)

    async def drop(self) -> None:
        """Cut every connection without a close frame (a network drop)."""
        for session in self._sessions.values():
            if session.connection is not None:
                session.connection.socket.transport.abort()
                session.connection = None
        self._connected.clear()

    async def send_reconnect(self) -> None:
        """Op 7: ask every client to reconnect and resume."""
        await self._send_all({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_sessions(self, *, resumable: bool) -> None:
        """Op 9; when not resumable, the sessions are forgotten (a resume gets op 9 too)."""
        await self._send_all({"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None})
        if not resumable:
            self._sessions.clear()

    async def close_with(self, code: int, reason: str = "") -> None:
        """Close every connection with a gateway close code."""
        for session in self._sessions.values():
            if session.connection is not None:
                await session.connection.socket.close(code, reason)

    async def request_heartbeat(self) -> None:
        """Op 1 from the gateway: the client must send a heartbeat at once."""
        await self._send_all({"op": OP_HEARTBEAT, "d": None, "s": None, "t": None})

    async def send_raw(self, text: str) -> None:
        """Send any text as it is (bad input: not JSON, unknown opcodes, odd payloads)."""
        for session in list(self._sessions.values()):
            if session.connection is not None:
                with contextlib.suppress(ConnectionClosed):
                    await session.connection.socket.send(text)

    async def wait_connected(self) -> None:
        """Until a client has identified or resumed."""
        await self._connected.wait()

    # -- protocol -------------------------------------------------------------------------

    async def _send_all(self, payload: JsonObject) -> None:
        for session in list(self._sessions.values()):
            if session.connection is not None:
                with contextlib.suppress(ConnectionClosed):
                    await session.connection.send(payload)

    async def _dispatch_to(self, intent: int, event: str, data: JsonObject) -> int:
        """``event`` to every session that asked for ``intent``; the last seq used."""
        last = 0
        for session in list(self._sessions.values()):
            if session.intents & intent:
                last = await self._dispatch(session, event, data)
        return last

    async def _dispatch(self, session: _Session, event: str, data: JsonObject) -> int:
        seq = session.seq + 1
        session.events.append((seq, event, data))
        if session.connection is not None and not self.lose_dispatches:
            with contextlib.suppress(ConnectionClosed):
                await session.connection.send({"op": OP_DISPATCH, "d": data, "s": seq, "t": event})
        return seq

    async def _serve(self, socket: ServerConnection) -> None:
        path = socket.request.path if socket.request is not None else "/"
        self.connect_paths.append(path)
        query = parse_qs(urlsplit(path).query)
        connection = _Connection(socket, zlib_stream=query.get("compress") == ["zlib-stream"])
        session: _Session | None = None
        hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
        try:
            await connection.send({"op": OP_HELLO, "d": hello, "s": None, "t": None})
            async for message in socket:
                payload = json.loads(message)
                session = await self._receive(connection, payload, session)
        except ConnectionClosed:
            pass
        finally:
            self.close_codes.append(socket.close_code)
            if session is not None and session.connection is connection:
                session.connection = None

    async def _receive(
        self, connection: _Connection, payload: JsonObject, session: _Session | None
    ) -> _Session | None:
        op, data = payload.get("op"), payload.get("d")
        fields: JsonObject = data if isinstance(data, dict) else {}
        if op == OP_HEARTBEAT:
            self.heartbeats.append(data)
            if self.ack_heartbeats:
                await connection.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            return await self._identify(connection, fields)
        elif op == OP_RESUME:
            return await self._resume(connection, fields)
        return session

    async def _identify(self, connection: _Connection, data: JsonObject) -> _Session | None:
        self.identifies.append(data)
        intents = int(data.get("intents", 0))
        if self.refuse_sessions_with is not None:
            await connection.socket.close(self.refuse_sessions_with, "Unknown error.")
            return None
        if data.get("token") != self.token:
            await connection.socket.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return None
        if intents & ~KNOWN_INTENTS:
            await connection.socket.close(CLOSE_INVALID_INTENTS, "Invalid intent(s).")
            return None
        if intents & GUILD_PRESENCES and not self.presence_intent_enabled:
            await connection.socket.close(CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return None
        session = _Session(f"fake-session-{next(self._session_ids)}", intents, connection=None)
        self._sessions[session.session_id] = session
        session.connection = connection
        await self._dispatch(session, "READY", self._ready(session))
        for guild in self.guilds.values():
            if guild.unavailable:
                continue
            event = guild.create_event(with_presences=bool(intents & GUILD_PRESENCES))
            await self._dispatch(session, "GUILD_CREATE", event)
        self._connected.set()
        return session

    def _ready(self, session: _Session) -> JsonObject:
        return {
            "v": 10,
            "user": {
                "id": self.bot_id,
                "username": self.bot_name,
                "discriminator": "0",
                "global_name": None,
                "avatar": None,
                "bot": True,
                "flags": 0,
            },
            "guilds": [{"id": guild_id, "unavailable": True} for guild_id in self.guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.resume_url,
            "application": {"id": self.application_id, "flags": 1 << 13},
            "private_channels": [],
            "relationships": [],
            "_trace": ["fake-gateway"],
        }

    async def _resume(self, connection: _Connection, data: JsonObject) -> _Session | None:
        self.resumes.append(data)
        if data.get("token") != self.token:
            await connection.socket.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return None
        session = self._sessions.get(str(data.get("session_id")))
        if session is None:
            await connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        session.connection = connection
        after = int(data.get("seq") or 0)
        for seq, event, payload in list(session.events):
            if seq > after:
                await connection.send({"op": OP_DISPATCH, "d": payload, "s": seq, "t": event})
        await self._dispatch(session, "RESUMED", {"_trace": ["fake-gateway"]})
        self._connected.set()
        return session
