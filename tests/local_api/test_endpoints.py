"""Every endpoint of the local API, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.identity import Platform
from presence_tray.core.own_status import OwnStatusChoice
from presence_tray.core.presence import PresenceState
from tests.fakes import CANNOT_SET_STATUS, StatusSettingClient

if TYPE_CHECKING:
    from tests.local_api.conftest import Served


async def test_people_lists_everyone_with_every_platform_value(served: Served) -> None:
    answer = await served.client.get("/v1/people")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    people = {p["name"]: p for p in answer.json()["people"]}
    assert set(people) == {"Alice Chen", "Bob Stone", "Carol Diaz"}
    alice = people["Alice Chen"]
    assert (alice["id"], alice["state"], alice["decided_by"]) == ("alice-chen", "online", "teams")
    assert {p["platform"]: p["words"] for p in alice["platforms"]} == {
        "slack": "Slack: Away",
        "teams": "Teams: Available",
    }
    assert all(p["devices"] == [] and "last_active_at" in p for p in alice["platforms"])
    assert people["Bob Stone"]["dnd"] is True


async def test_people_can_be_asked_by_name(served: Served) -> None:
    answer = (await served.client.get("/v1/people", params={"name": ["bob", "zz"]})).json()
    assert [p["name"] for p in answer["people"]] == ["Bob Stone"]
    assert answer["errors"] == ["No one matches 'zz'."]


async def test_one_person_and_an_unknown_id(served: Served) -> None:
    answer = await served.client.get("/v1/people/alice-chen")
    assert answer.status_code == 200
    assert answer.json()["summary"] == "Available · Teams"
    missing = await served.client.get("/v1/people/nobody")
    assert missing.status_code == 404
    assert missing.json()["error"].startswith("No one has the id 'nobody'")


async def test_availability_answers_each_name_in_order(served: Served) -> None:
    answer = await served.client.post(
        "/v1/availability", json={"people": ["alice-chen", "Bob Stone", "nobody"]}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["all_reachable"] is False
    alice, bob, nobody = body["people"]
    assert (alice["reachable"], alice["via"]) == (True, ["teams"])
    assert (bob["reachable"], bob["state"], bob["dnd"]) == (False, "busy", True)
    assert nobody == {
        "query": "nobody",
        "found": False,
        "reachable": False,
        "error": "No one matches 'nobody'.",
    }


async def test_statistics_have_every_section(served: Served) -> None:
    served.extra["webhooks"] = {"received": 3}
    body = (await served.client.get("/v1/stats")).json()
    assert body["people"] == 3
    assert body["updates_by_platform"] == {"slack": 1, "teams": 1, "zoom": 1}
    assert set(body["updates_per_second_by_platform"]) == {"slack", "teams", "zoom"}
    assert body["cache"]["values"] == 3
    assert body["cache"]["oldest_age_seconds"] == 0
    assert body["api_calls"] == []  # no polled account runs here
    assert body["keyring"] == {"backend": "test", "problem": None}
    assert body["webhooks"] == {"received": 3}
    assert body["event_stream"] == {
        "clients": 0,
        "dropped": 0,
        "kept_for_reconnects": 0,
        "kept_bytes": 0,
    }


async def test_health(served: Served) -> None:
    assert (await served.client.get("/v1/health")).json()["ok"] is True


async def test_setting_my_status_goes_the_tray_menus_way(served: Served) -> None:
    slack = StatusSettingClient(Platform.SLACK)
    discord = StatusSettingClient(Platform.DISCORD, capabilities=CANNOT_SET_STATUS)
    served.supervisor.start(slack)
    served.supervisor.start(discord)
    answer = await served.client.put("/v1/me/status", json={"status": "dnd_1_hour"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "dnd_1_hour"
    assert body["set_everywhere"] is False
    assert [(a["platform"], a["outcome"]) for a in body["accounts"]] == [
        ("slack", "set"),
        ("discord", "unsupported"),
    ]
    (sent,) = slack.received
    assert (sent.state, sent.dnd) == (PresenceState.BUSY, True)
    assert sent.until is not None
    assert served.supervisor.own_status.requested == sent  # the tray's badge follows


async def test_the_openapi_document_needs_no_token(served: Served) -> None:
    answer = await served.client.get("/v1/openapi.json", headers={"Authorization": ""})
    assert answer.status_code == 200
    assert answer.json()["openapi"] == "3.1.0"


def test_every_menu_choice_is_a_status_the_api_takes() -> None:
    from presence_tray.local_api.openapi import openapi_document

    schemas = openapi_document()["components"]["schemas"]  # type: ignore[index]
    assert schemas["OwnStatusRequest"]["properties"]["status"]["enum"] == [
        choice.value for choice in OwnStatusChoice
    ]
