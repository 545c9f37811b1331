"""What the local API refuses: no token or a wrong one, a Host that is not the loopback,
origins the user did not allow, and bodies too big or malformed (nothing changes then)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.core.identity import Platform
from tests.fakes import StatusSettingClient
from tests.local_api.conftest import TOKEN, serve

if TYPE_CHECKING:
    from tests.local_api.conftest import Served

ENDPOINTS = [
    ("GET", "/v1/people"),
    ("GET", "/v1/people/alice-chen"),
    ("POST", "/v1/availability"),
    ("GET", "/v1/stats"),
    ("GET", "/v1/events"),
    ("PUT", "/v1/me/status"),
    ("GET", "/v1/health"),
    ("GET", "/v1/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer"])
async def test_no_token_or_a_wrong_one_is_401(
    served: Served, method: str, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with httpx.AsyncClient(base_url=served.url, headers=headers) as stranger:
        answer = await stranger.request(method, path, json={"status": "busy"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in answer.json()["error"]
    assert served.supervisor.own_status.requested is None


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1", "localhost:1", "", "0.0.0.0:{port}"],
)
async def test_a_host_that_is_not_this_loopback_server_is_refused(
    served: Served, host: str
) -> None:
    headers = {"Host": host.format(port=served.server.port)}
    answer = await served.client.get("/v1/people", headers=headers)
    assert answer.status_code == 421
    assert "127.0.0.1 or localhost" in answer.json()["error"]
    openapi = await served.client.get("/v1/openapi.json", headers=headers)
    assert openapi.status_code == 421


@pytest.mark.parametrize("host", ["localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
async def test_the_loopback_names_are_accepted(served: Served, host: str) -> None:
    headers = {"Host": host.format(port=served.server.port)}
    assert (await served.client.get("/v1/health", headers=headers)).status_code == 200


async def test_no_cors_headers_unless_an_origin_is_allowed(served: Served) -> None:
    origin = {"Origin": "http://localhost:3000"}
    answer = await served.client.get("/v1/people", headers=origin)
    assert answer.status_code == 200
    assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    preflight = await served.client.options(
        "/v1/people", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


async def test_an_allowed_origin_gets_cors_and_its_preflight_answered() -> None:
    async with serve(allowed_origins={"http://localhost:3000"}) as served:
        allowed = {"Origin": "http://localhost:3000"}
        preflight = await served.client.options(
            "/v1/availability",
            headers={
                **allowed,
                "Access-Control-Request-Method": "POST",
                "Authorization": "",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        answer = await served.client.get("/v1/people", headers=allowed)
        assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert answer.headers["Vary"] == "Origin"
        other = await served.client.get("/v1/people", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        served.server.set_allowed_origins(())
        again = await served.client.get("/v1/people", headers=allowed)
        assert "access-control-allow-origin" not in again.headers


async def test_an_oversized_body_is_413_and_changes_nothing(served: Served) -> None:
    slack = StatusSettingClient(Platform.SLACK)
    served.supervisor.start(slack)
    body = json.dumps({"status": "busy", "padding": "x" * 300_000})
    answer = await served.client.put(
        "/v1/me/status", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert "too large" in answer.json()["error"]
    assert slack.received == []
    assert served.supervisor.own_status.requested is None


@pytest.mark.parametrize(
    ("content", "content_type", "sentence"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ('{"status": "busy"}', "text/plain", "Content-Type: application/json"),
        ('["busy"]', "application/json", "exactly one key, 'status'"),
        ('{"status": "busy", "text": "x"}', "application/json", "exactly one key"),
        ('{"status": "sleeping"}', "application/json", "'status' must be one of available"),
        ('{"status": 3}', "application/json", "'status' must be one of"),
        ('{"status": ["busy"]}', "application/json", "'status' must be one of"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
    ],
)
async def test_a_malformed_status_is_400_and_changes_nothing(
    served: Served, content: str | bytes, content_type: str, sentence: str
) -> None:
    slack = StatusSettingClient(Platform.SLACK)
    served.supervisor.start(slack)
    answer = await served.client.put(
        "/v1/me/status", content=content, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 400
    assert sentence in answer.json()["error"]
    assert slack.received == []
    assert served.supervisor.own_status.requested is None


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({"people": []}, "at least one"),
        ({"people": "alice"}, "must be a list"),
        ({"people": ["alice", 3]}, "Each entry"),
        ({"people": [""]}, "Each entry"),
        ({"people": ["x" * 201]}, "Each entry"),
        ({"people": ["alice"] * 5001}, "at most 5000 people"),
        ({"names": ["alice"]}, "exactly one key, 'people'"),
    ],
)
async def test_a_malformed_availability_request_is_400(
    served: Served, body: object, sentence: str
) -> None:
    answer = await served.client.post("/v1/availability", json=body)
    assert answer.status_code == 400
    assert sentence in answer.json()["error"]


async def test_the_largest_batch_is_answered(served: Served) -> None:
    answer = await served.client.post("/v1/availability", json={"people": ["alice-chen"] * 5000})
    assert answer.status_code == 200
    assert len(answer.json()["people"]) == 5000


async def test_unknown_paths_and_methods_are_json_sentences(served: Served) -> None:
    missing = await served.client.get("/v1/nowhere")
    assert missing.status_code == 404
    assert "/v1/openapi.json" in missing.json()["error"]
    wrong = await served.client.delete("/v1/people")
    assert wrong.status_code == 405
    assert "method" in wrong.json()["error"]


async def test_the_token_never_reaches_a_log(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await served.client.get("/v1/people")
    await served.client.get("/v1/nowhere")
    await served.client.put(
        "/v1/me/status", content="{bad", headers={"Content-Type": "application/json"}
    )
    async with httpx.AsyncClient(base_url=served.url) as stranger:
        await stranger.get("/v1/people", headers={"Authorization": "Bearer guessed-token"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TOKEN not in logged
    assert "guessed-token" not in logged
    assert "Authorization" not in logged
