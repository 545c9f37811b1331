"""The API's endpoints, all JSON under ``/v1`` (the OpenAPI document describes each).

Reads come from the hub's memory, as the contacts window's do; the shapes are
:mod:`presence_tray.core.reports`' (the command line prints the same). Setting my status
goes the tray menu's way (``ClientSupervisor.choose_own_status``). A body that is not the
JSON the endpoint takes is refused with 400 and a sentence before anything is changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Final

from aiohttp import web

from presence_tray import __version__
from presence_tray.core import reports
from presence_tray.core.own_status import OwnStatusChoice
from presence_tray.local_api.events import (
    HELLO,
    LAST_EVENT_ID,
    PING,
    PING_SECONDS,
    EventFanOut,
)
from presence_tray.local_api.openapi import OPENAPI_PATH, openapi_document
from presence_tray.local_api.server import error_response

if TYPE_CHECKING:
    from presence_tray.local_api.sources import ApiSources

MAX_BATCH: Final = 5000
"""The most people one availability request may ask about."""
MAX_QUERY_CHARS: Final = 200
"""The longest name or id in a request: longer is a mistake, not a person."""
_BAD_REQUEST: Final = 400
_NOT_FOUND: Final = 404
_CHOICES: Final = ", ".join(choice.value for choice in OwnStatusChoice)


class BadRequestError(Exception):
    """The body is not what the endpoint takes; the message says what is wrong."""


class ApiRoutes:
    """The endpoints over ``sources``, with the event fan-out they stream from."""

    def __init__(self, sources: ApiSources) -> None:
        """Endpoints over ``sources``; call :meth:`close` when the server stops."""
        self._sources = sources
        self.events = EventFanOut(sources.hub, sources.clock)
        self._rates = reports.UpdateRateMeter(sources.hub, sources.clock.now())
        self._document = json.dumps(openapi_document(), indent=2).encode()

    def table(self) -> list[web.RouteDef]:
        """Every endpoint, for :class:`~presence_tray.local_api.server.LocalApi`."""
        return [
            web.get("/v1/health", self.health),
            web.get("/v1/people", self.people),
            web.get("/v1/people/{person_id}", self.person),
            web.post("/v1/availability", self.availability),
            web.get("/v1/stats", self.stats),
            web.get("/v1/events", self.stream_events),
            web.put("/v1/me/status", self.set_my_status),
            web.get(OPENAPI_PATH, self.openapi),
        ]

    def start(self) -> None:
        """Start hearing the hub for the event streams."""
        self.events.start()

    def close(self) -> None:
        """End every event stream (the server is stopping)."""
        self.events.close()

    # -- endpoints -----------------------------------------------------------------------

    async def health(self, _request: web.Request) -> web.Response:
        """``GET /v1/health``: the API answers, and which version of the app."""
        return web.json_response({"ok": True, "version": __version__})

    async def people(self, request: web.Request) -> web.Response:
        """``GET /v1/people[?name=...]``: everyone (or the people named), with every
        platform's value."""
        names = request.query.getall("name", [])
        hub = self._sources.hub
        return _json(reports.people_report(hub, names, now=self._sources.clock.now()))

    async def person(self, request: web.Request) -> web.Response:
        """``GET /v1/people/{person_id}``: one person."""
        person_id = request.match_info["person_id"]
        hub = self._sources.hub
        person = hub.person(person_id)
        report = None if person is None else reports.person_report(hub, person, self._now())
        if report is None:
            return error_response(
                _NOT_FOUND,
                f"No one has the id '{person_id[:MAX_QUERY_CHARS]}'; GET /v1/people lists "
                "everyone with their ids.",
            )
        return _json(report)

    async def availability(self, request: web.Request) -> web.Response:
        """``POST /v1/availability`` with ``{"people": [...]}``: who can be reached now."""
        try:
            names = _people_list(await _json_body(request))
        except BadRequestError as err:
            return error_response(_BAD_REQUEST, str(err))
        return _json(reports.availability_report(self._sources.hub, names))

    async def stats(self, _request: web.Request) -> web.Response:
        """``GET /v1/stats``: counters, account health, update rates, cache age, API calls."""
        sources = self._sources
        now = self._now()
        extra = {
            **sources.extra_statistics(),
            "event_stream": {
                "clients": self.events.clients,
                "dropped": self.events.dropped,
                "kept_for_reconnects": len(self.events.replay),
                "kept_bytes": self.events.replay.size_bytes,
            },
        }
        return _json(
            reports.statistics_report(
                sources.hub,
                sources.supervisor.statuses(),
                keyring=await sources.keyring(),
                now=now,
                update_rates=self._rates.rates(now),
                call_budgets=sources.call_budgets(),
                extra=extra,
            )
        )

    async def stream_events(self, request: web.Request) -> web.StreamResponse:
        """``GET /v1/events``: server-sent events, one per hub change batch, after the events
        missed since ``Last-Event-ID`` (or a resync event)."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        # Connected before the headers go: no change slips between.
        stream = self.events.connect(request.headers.get(LAST_EVENT_ID))
        try:
            await response.prepare(request)
            await response.write(HELLO)
            while True:
                try:
                    async with asyncio.timeout(PING_SECONDS):
                        event = await stream.next()
                except TimeoutError:
                    event = PING
                if event is None:
                    break
                await response.write(event)
        except (ConnectionError, RuntimeError):
            pass  # the client went away (aiohttp: "Cannot write to closing transport")
        finally:
            self.events.disconnect(stream)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write_eof()
        return response

    async def set_my_status(self, request: web.Request) -> web.Response:
        """``PUT /v1/me/status`` with ``{"status": "<choice>"}``: set my status everywhere it
        can be set, as the tray menu does; each account's outcome."""
        try:
            choice = _choice(await _json_body(request))
        except BadRequestError as err:
            return error_response(_BAD_REQUEST, str(err))
        results = await self._sources.supervisor.choose_own_status(choice)
        return _json({"status": choice.value, **reports.own_status_report(results)})

    async def openapi(self, _request: web.Request) -> web.Response:
        """``GET /v1/openapi.json``: the OpenAPI 3.1 document (no token needed)."""
        return web.Response(body=self._document, content_type="application/json")

    def _now(self) -> float:
        return self._sources.clock.now()


def _json(payload: object) -> web.Response:
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )


async def _json_body(request: web.Request) -> object:
    """The request's JSON body (413 raised by aiohttp beyond the size limit)."""
    if request.content_type != "application/json":
        msg = "Send the body as JSON, with 'Content-Type: application/json'."
        raise BadRequestError(msg)
    raw = await request.read()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        msg = "The body is not valid JSON."
        raise BadRequestError(msg) from None


def _only_key(body: object, key: str, example: str) -> object:
    if not isinstance(body, dict) or set(body) != {key}:
        msg = f"The body must be a JSON object with exactly one key, '{key}': {example}."
        raise BadRequestError(msg)
    return body[key]


def _people_list(body: object) -> list[str]:
    """The names or ids of ``{"people": [...]}``, checked."""
    people = _only_key(body, "people", '{"people": ["alice", "Bob Stone"]}')
    if not isinstance(people, list) or not people:
        msg = "'people' must be a list of at least one person id or name."
        raise BadRequestError(msg)
    if len(people) > MAX_BATCH:
        msg = f"Ask about at most {MAX_BATCH} people at once, not {len(people)}."
        raise BadRequestError(msg)
    if not all(isinstance(p, str) and 0 < len(p.strip()) <= MAX_QUERY_CHARS for p in people):
        msg = (
            "Each entry of 'people' must be a person id or name of 1 to "
            f"{MAX_QUERY_CHARS} characters."
        )
        raise BadRequestError(msg)
    return people


def _choice(body: object) -> OwnStatusChoice:
    """The status of ``{"status": "<choice>"}``, checked."""
    value = _only_key(body, "status", '{"status": "busy"}')
    if not isinstance(value, str):
        msg = f"'status' must be one of {_CHOICES}."
        raise BadRequestError(msg)
    try:
        return OwnStatusChoice(value)
    except ValueError:
        msg = f"'status' must be one of {_CHOICES}."
        raise BadRequestError(msg) from None
