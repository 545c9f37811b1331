"""The API's OpenAPI 3.1 document, written by hand beside the routes it describes.

A test compares its paths and methods with the server's routes, both ways, and validates it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from presence_tray import __version__
from presence_tray.core.own_status import OwnStatusChoice
from presence_tray.core.presence import PresenceState
from presence_tray.local_api.discovery import DEFAULT_PORT, LOOPBACK
from presence_tray.local_api.events import LAST_EVENT_ID, QUEUE_SIZE
from presence_tray.local_api.replay import MAX_ID_CHARS, REPLAY_BYTES, REPLAY_EVENTS
from presence_tray.local_api.server import BODY_LIMIT_BYTES

if TYPE_CHECKING:
    from collections.abc import Mapping

OPENAPI_PATH: Final = "/v1/openapi.json"

_NULLABLE_STRING: Final = {"type": ["string", "null"]}
_NULLABLE_NUMBER: Final = {"type": ["number", "null"]}
_STATES: Final = [state.value for state in PresenceState]


def _object(
    properties: dict[str, object], *, required: list[str] | None = None
) -> dict[str, object]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def _ref(name: str) -> dict[str, object]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_content(schema: Mapping[str, object]) -> dict[str, object]:
    return {"application/json": {"schema": schema}}


def _answer(description: str, schema: Mapping[str, object]) -> dict[str, object]:
    return {"description": description, "content": _json_content(schema)}


def _error(description: str) -> dict[str, object]:
    return _answer(description, _ref("Error"))


_SCHEMAS: Final[dict[str, object]] = {
    "Error": _object({"error": {"type": "string", "description": "What went wrong, a sentence."}}),
    "Device": _object(
        {
            "device": {"type": "string"},
            "state": {"enum": _STATES},
            "dnd": {"type": "boolean"},
        }
    ),
    "PlatformValue": _object(
        {
            "platform": {"type": "string"},
            "account": {"type": "string"},
            "id": {"type": "string", "description": "The person's id on the platform."},
            "state": {"enum": _STATES},
            "dnd": {"type": "boolean"},
            "activity": _NULLABLE_STRING,
            "note": _NULLABLE_STRING,
            "source": {"enum": ["push", "poll", "last_interaction", "cache", "none"]},
            "observed_at": {"type": "number", "description": "Seconds since the epoch."},
            "stale": {"type": "boolean"},
            "words": {"type": "string", "description": "The value as the app says it."},
            "devices": {"type": "array", "items": _ref("Device")},
            "last_active_at": _NULLABLE_NUMBER,
        }
    ),
    "Person": _object(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "state": {"enum": _STATES},
            "dnd": {"type": "boolean"},
            "activity": _NULLABLE_STRING,
            "decided_by": _NULLABLE_STRING,
            "decision": {"enum": ["most_available", "dnd_wins", "only_unknown", "no_data"]},
            "stale": {"type": "boolean"},
            "last_seen_at": _NULLABLE_NUMBER,
            "summary": {"type": "string"},
            "explanation": {"type": "string"},
            "platforms": {"type": "array", "items": _ref("PlatformValue")},
        }
    ),
    "People": _object(
        {
            "people": {"type": "array", "items": _ref("Person")},
            "errors": {"type": "array", "items": {"type": "string"}},
        }
    ),
    "AvailabilityRequest": {
        **_object(
            {
                "people": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1, "maxLength": 200},
                    "minItems": 1,
                    "maxItems": 5000,
                    "description": "Person ids, names or handles.",
                }
            }
        ),
        "additionalProperties": False,
    },
    "Availability": _object(
        {
            "all_reachable": {"type": "boolean"},
            "people": {
                "type": "array",
                "items": _object(
                    {
                        "query": {"type": "string"},
                        "found": {"type": "boolean"},
                        "reachable": {"type": "boolean"},
                        "error": {"type": "string"},
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "state": {"enum": _STATES},
                        "dnd": {"type": "boolean"},
                        "via": {"type": "array", "items": {"type": "string"}},
                    },
                    required=["query", "found", "reachable"],
                ),
            },
        }
    ),
    "Statistics": {
        "type": "object",
        "description": "Counters, account health, update rates, the cache's age, the polled "
        "accounts' API calls spent and left, and sections other parts add.",
        "properties": {
            "people": {"type": "integer"},
            "identities": {"type": "integer"},
            "updates_total": {"type": "integer"},
            "updates_by_platform": {"type": "object", "additionalProperties": {"type": "integer"}},
            "updates_per_second_by_platform": {
                "type": "object",
                "additionalProperties": {"type": "number"},
            },
            "events_total": {"type": "integer"},
            "events_per_second": {"type": "number"},
            "states": {"type": "object", "additionalProperties": {"type": "integer"}},
            "keyring": {"type": "object"},
            "accounts": {"type": "array", "items": {"type": "object"}},
            "cache": {"type": "object"},
            "api_calls": {"type": "array", "items": {"type": "object"}},
            "event_stream": {"type": "object"},
        },
        "required": ["people", "accounts", "cache", "api_calls"],
    },
    "OwnStatusRequest": {
        **_object({"status": {"enum": [choice.value for choice in OwnStatusChoice]}}),
        "additionalProperties": False,
    },
    "OwnStatusResults": _object(
        {
            "status": {"type": "string"},
            "set_everywhere": {"type": "boolean"},
            "accounts": {
                "type": "array",
                "items": _object(
                    {
                        "platform": {"type": "string"},
                        "account": {"type": "string"},
                        "outcome": {"enum": ["set", "unsupported", "not_connected", "failed"]},
                        "message": {"type": "string"},
                    }
                ),
            },
        }
    ),
}


def _responses(*parts: Mapping[str, object]) -> dict[str, object]:
    merged: dict[str, object] = {}
    for part in parts:
        merged.update(part)
    return merged


_UNAUTHORIZED: Final[dict[str, dict[str, object]]] = {
    "401": _error("No token, or not the API's token.")
}
_BAD_BODY: Final[dict[str, dict[str, object]]] = {
    "400": _error("The body is not the JSON this endpoint takes; nothing was changed."),
    "413": _error(f"The body is larger than {BODY_LIMIT_BYTES // 1024} KiB."),
}


def openapi_document() -> dict[str, object]:
    """The OpenAPI 3.1 document of the local API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Presence Tray local API",
            "version": __version__,
            "description": "Who is available across your platforms, from the running "
            "Presence Tray, on 127.0.0.1 only. Every endpoint but this document needs the "
            "token (Settings > General > Local API > Copy token) as a bearer token. Requests "
            "whose Host header is not 127.0.0.1, localhost or [::1] with the API's port are "
            "refused with 421.",
        },
        "servers": [
            {"url": f"http://{LOOPBACK}:{DEFAULT_PORT}", "description": "the default port"}
        ],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _SCHEMAS,
        },
        "paths": {
            "/v1/health": {
                "get": {
                    "summary": "The API answers",
                    "operationId": "health",
                    "responses": {
                        "200": _answer(
                            "Running.",
                            _object({"ok": {"type": "boolean"}, "version": {"type": "string"}}),
                        ),
                        **_UNAUTHORIZED,
                    },
                }
            },
            "/v1/people": {
                "get": {
                    "summary": "Everyone, with their aggregated and per-platform status",
                    "operationId": "listPeople",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "query",
                            "required": False,
                            "description": "Only the person this finds (id, name or handle); "
                            "repeat for several.",
                            "schema": {"type": "array", "items": {"type": "string"}},
                            "style": "form",
                            "explode": True,
                        }
                    ],
                    "responses": _responses(
                        {"200": _answer("The people.", _ref("People"))}, _UNAUTHORIZED
                    ),
                }
            },
            "/v1/people/{person_id}": {
                "get": {
                    "summary": "One person",
                    "operationId": "getPerson",
                    "parameters": [
                        {
                            "name": "person_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": _responses(
                        {
                            "200": _answer("The person.", _ref("Person")),
                            "404": _error("No one has this id."),
                        },
                        _UNAUTHORIZED,
                    ),
                }
            },
            "/v1/availability": {
                "post": {
                    "summary": "Can these people be reached now, and where",
                    "operationId": "availability",
                    "requestBody": {
                        "required": True,
                        "content": _json_content(_ref("AvailabilityRequest")),
                    },
                    "responses": {
                        "200": _answer("One answer per name, in order.", _ref("Availability")),
                        **_BAD_BODY,
                        **_UNAUTHORIZED,
                    },
                }
            },
            "/v1/stats": {
                "get": {
                    "summary": "Statistics and monitoring",
                    "operationId": "statistics",
                    "responses": {
                        "200": _answer("The statistics.", _ref("Statistics")),
                        **_UNAUTHORIZED,
                    },
                }
            },
            "/v1/events": {
                "get": {
                    "summary": "Server-sent events: one 'presence' event per batch of changes",
                    "description": "Each 'presence' event's data is {\"people\": [Person]}, the "
                    "people whose status changed; a 'removed' event's data is {\"people\": "
                    "[ids]}. A ': ping' comment comes every 15 s. A client that falls "
                    f"{QUEUE_SIZE} events behind is disconnected. The stream starts with "
                    "'retry: 3000'. Every event has an id ('<run>-<number>'); a client that "
                    "reconnects with the last id it read in Last-Event-ID (browsers' "
                    "EventSource does so by itself) first gets the events it missed. When "
                    "they are no longer all kept (the API keeps the last "
                    f"{REPLAY_EVENTS} events, at most {REPLAY_BYTES // 1024} KiB), or the id "
                    "is from before a restart of the app or of the API, the first event is "
                    "'resync' instead, its data {\"reason\": sentence}: read /v1/people "
                    "again and carry on with this stream, which goes on from there.",
                    "operationId": "events",
                    "parameters": [
                        {
                            "name": LAST_EVENT_ID,
                            "in": "header",
                            "required": False,
                            "description": "The id of the last event read, to get the events "
                            "missed since (or a 'resync' event).",
                            "schema": {"type": "string", "maxLength": MAX_ID_CHARS},
                        }
                    ],
                    "responses": _responses(
                        {
                            "200": {
                                "description": "The stream.",
                                "content": {"text/event-stream": {"schema": {"type": "string"}}},
                            }
                        },
                        _UNAUTHORIZED,
                    ),
                }
            },
            "/v1/me/status": {
                "put": {
                    "summary": "Set my status on every account that can, as the tray menu does",
                    "operationId": "setMyStatus",
                    "requestBody": {
                        "required": True,
                        "content": _json_content(_ref("OwnStatusRequest")),
                    },
                    "responses": {
                        "200": _answer("Each account's outcome.", _ref("OwnStatusResults")),
                        **_BAD_BODY,
                        **_UNAUTHORIZED,
                    },
                }
            },
            OPENAPI_PATH: {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {
                        "200": _answer("The OpenAPI document.", {"type": "object"}),
                    },
                }
            },
        },
    }
