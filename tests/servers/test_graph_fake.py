"""The fake Microsoft Graph answers real HTTP (httpx) in Graph's shapes, limits and faults."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.core.clock import ManualClock
from tests.servers.graph import (
    COMES_BACK,
    GRAPH_PREFIX,
    JOINS_MEETING,
    MAX_IDS_PER_PRESENCE_REQUEST,
    PRESENTS,
    Fault,
    GraphFake,
    GraphUser,
    ScenarioStep,
    sets_out_of_office,
)
from tests.servers.http_fake import FakeHttpServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

START = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
BULK = f"{GRAPH_PREFIX}/communications/getPresencesByUserId"
PRESENCE_KEYS = {
    "id",
    "availability",
    "activity",
    "statusMessage",
    "outOfOfficeSettings",
    "sequenceNumber",
}


@pytest.fixture
def clock() -> ManualClock:
    """The tenant's time, moved by the tests."""
    return ManualClock(START)


@pytest.fixture
def tenant(clock: ManualClock) -> GraphFake:
    """A tenant of three people; a small budget (5 requests / 10 s) to reach it quickly."""
    fake = GraphFake(clock.now, request_limit=5, window_seconds=10.0)
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        fake.add_user(name, job_title="Engineer")
    return fake


@pytest.fixture
def ada(tenant: GraphFake) -> GraphUser:
    """The signed-in user."""
    return next(iter(tenant.users.values()))


@pytest.fixture
def grace(tenant: GraphFake) -> GraphUser:
    """A colleague of ``ada``."""
    return list(tenant.users.values())[1]


@pytest.fixture
async def server(tenant: GraphFake) -> AsyncIterator[FakeHttpServer]:
    """``tenant`` served on a free port of 127.0.0.1."""
    served = await FakeHttpServer(tenant.handle).start()
    yield served
    await served.aclose()


@pytest.fixture
async def graph(
    server: FakeHttpServer, tenant: GraphFake, ada: GraphUser
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in as ``ada``."""
    headers = _bearer(tenant.issue_token(ada.id))
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _error_code(response: httpx.Response) -> str:
    error = response.json()["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert error["message"]
    return str(error["code"])


async def _bulk(graph: httpx.AsyncClient, *ids: str) -> list[dict[str, object]]:
    response = await graph.post(BULK, json={"ids": list(ids)})
    assert response.status_code == 200, response.text
    value: list[dict[str, object]] = response.json()["value"]
    return value


# ---------------------------------------------------------------------- users


async def test_me_is_the_token_user(graph: httpx.AsyncClient, ada: GraphUser) -> None:
    response = await graph.get(f"{GRAPH_PREFIX}/me")

    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("$metadata#users/$entity")
    assert body["id"] == ada.id
    assert body["displayName"] == "Ada Lovelace"
    assert body["userPrincipalName"] == "ada.lovelace@contoso.onmicrosoft.com"


async def test_users_are_paged_with_next_links(
    graph: httpx.AsyncClient, tenant: GraphFake, clock: ManualClock
) -> None:
    tenant.add_user("Katherine Johnson")
    seen: list[str] = []
    url: str | None = f"{GRAPH_PREFIX}/users?$top=3"
    pages = 0
    while url is not None:
        body = (await graph.get(url)).json()
        seen += [user["id"] for user in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
        clock.advance(10)  # stay inside the small budget

    assert pages == 2
    assert seen == list(tenant.users)


async def test_users_without_top_come_in_one_page_of_up_to_100(graph: httpx.AsyncClient) -> None:
    body = (await graph.get(f"{GRAPH_PREFIX}/users")).json()

    assert len(body["value"]) == 3
    assert "@odata.nextLink" not in body


async def test_select_gives_the_named_properties_and_account_enabled_only_when_named(
    graph: httpx.AsyncClient, tenant: GraphFake, grace: GraphUser
) -> None:
    grace.account_enabled = False
    plain = (await graph.get(f"{GRAPH_PREFIX}/users")).json()
    selected = (await graph.get(f"{GRAPH_PREFIX}/users?$select=id,accountEnabled")).json()

    assert all("accountEnabled" not in user for user in plain["value"])
    assert selected["@odata.context"].endswith("$metadata#users(id,accountEnabled)")
    assert selected["value"] == [
        {"id": user.id, "accountEnabled": user is not grace} for user in tenant.users.values()
    ]  # a disabled account is still listed


async def test_next_links_keep_the_select(graph: httpx.AsyncClient, clock: ManualClock) -> None:
    first = (await graph.get(f"{GRAPH_PREFIX}/users?$select=id,accountEnabled&$top=2")).json()
    clock.advance(10)
    second = (await graph.get(first["@odata.nextLink"])).json()

    assert [set(user) for user in second["value"]] == [{"id", "accountEnabled"}]


async def test_selecting_a_property_users_do_not_have_is_a_400(graph: httpx.AsyncClient) -> None:
    response = await graph.get(f"{GRAPH_PREFIX}/users?$select=id,shoeSize")

    assert response.status_code == 400
    assert "shoeSize" in response.json()["error"]["message"]


@pytest.mark.parametrize("query", ["$top=1000", "$top=0", "$top=many", "$skiptoken=forged"])
async def test_a_bad_page_request_is_a_400(graph: httpx.AsyncClient, query: str) -> None:
    response = await graph.get(f"{GRAPH_PREFIX}/users?{query}")

    assert response.status_code == 400
    assert _error_code(response) == "BadRequest"


# ---------------------------------------------------------------------- reading presence


async def test_a_presence_has_graphs_shape(
    graph: httpx.AsyncClient, grace: GraphUser, ada: GraphUser
) -> None:
    theirs = (await graph.get(f"{GRAPH_PREFIX}/users/{grace.id}/presence")).json()
    mine = (await graph.get(f"{GRAPH_PREFIX}/me/presence")).json()
    same = (await graph.get(f"{GRAPH_PREFIX}/communications/presences/{grace.id}")).json()

    assert set(theirs) == PRESENCE_KEYS | {"@odata.context"}
    assert theirs["id"] == grace.id
    assert (theirs["availability"], theirs["activity"]) == ("Available", "Available")
    assert theirs["statusMessage"] is None
    assert theirs["outOfOfficeSettings"] == {"message": None, "isOutOfOffice": False}
    assert isinstance(theirs["sequenceNumber"], str)
    assert mine["id"] == ada.id
    assert same == theirs


async def test_presences_by_user_id_keep_the_order_and_mark_strangers_unknown(
    graph: httpx.AsyncClient, tenant: GraphFake
) -> None:
    stranger = "00000000-0000-4000-8000-000000000000"
    ids = [*reversed(tenant.users), stranger]

    presences = await _bulk(graph, *ids)

    assert [presence["id"] for presence in presences] == ids
    assert all(set(presence) == PRESENCE_KEYS for presence in presences)
    assert presences[-1]["availability"] == "PresenceUnknown"


async def test_650_ids_are_answered_and_651_are_refused(
    graph: httpx.AsyncClient, tenant: GraphFake
) -> None:
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(MAX_IDS_PER_PRESENCE_REQUEST + 1)]

    assert len(await _bulk(graph, *ids[:-1])) == MAX_IDS_PER_PRESENCE_REQUEST
    too_many = await graph.post(BULK, json={"ids": ids})

    assert too_many.status_code == 400
    assert _error_code(too_many) == "BadRequest"
    assert "650" in too_many.json()["error"]["message"]


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"ids": []}', b'{"ids": "one"}', b'{"ids": ["ada"]}']
)
async def test_a_bad_presences_request_is_a_400(graph: httpx.AsyncClient, body: bytes) -> None:
    response = await graph.post(BULK, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert _error_code(response) == "BadRequest"


async def test_an_unknown_user_is_a_404_and_an_unknown_path_a_400(
    graph: httpx.AsyncClient,
) -> None:
    missing = await graph.get(f"{GRAPH_PREFIX}/users/00000000-0000-4000-8000-000000000000/presence")
    unknown = await graph.get(f"{GRAPH_PREFIX}/me/people")

    assert (missing.status_code, _error_code(missing)) == (404, "NotFound")
    assert (unknown.status_code, _error_code(unknown)) == (400, "BadRequest")


# ---------------------------------------------------------------------- writing presence


async def test_a_preferred_presence_shows_until_cleared(
    graph: httpx.AsyncClient, ada: GraphUser, grace: GraphUser, tenant: GraphFake
) -> None:
    actions = f"{GRAPH_PREFIX}/users/{ada.id}/presence"
    before = (await _bulk(graph, ada.id))[0]["sequenceNumber"]

    chosen = await graph.post(
        f"{actions}/setUserPreferredPresence",
        json={"availability": "DoNotDisturb", "activity": "DoNotDisturb"},
    )
    [shown] = await _bulk(graph, ada.id)
    cleared = await graph.post(f"{actions}/clearUserPreferredPresence")

    assert (chosen.status_code, cleared.status_code) == (200, 200)
    assert (shown["availability"], shown["activity"]) == ("DoNotDisturb", "DoNotDisturb")
    assert str(shown["sequenceNumber"]) > str(before)
    assert tenant.presence_of(ada.id) == ("Available", "Available")


async def test_a_preferred_presence_expires_and_needs_a_session(
    graph: httpx.AsyncClient, ada: GraphUser, tenant: GraphFake, clock: ManualClock
) -> None:
    response = await graph.post(
        f"{GRAPH_PREFIX}/users/{ada.id}/presence/setUserPreferredPresence",
        json={"availability": "Busy", "activity": "Busy", "expirationDuration": "PT1H"},
    )
    assert response.status_code == 200
    assert tenant.presence_of(ada.id) == ("Busy", "Busy")

    tenant.apply(ada.id, sets_out_of_office("Back Monday"))
    assert tenant.presence_of(ada.id) == ("Offline", "OutOfOffice")  # no session
    tenant.apply(ada.id, COMES_BACK)
    clock.advance(3600)
    assert tenant.presence_of(ada.id) == ("Available", "Available")


async def test_an_unsupported_preferred_pair_is_a_400(
    graph: httpx.AsyncClient, ada: GraphUser
) -> None:
    response = await graph.post(
        f"{GRAPH_PREFIX}/users/{ada.id}/presence/setUserPreferredPresence",
        json={"availability": "Busy", "activity": "InAMeeting"},
    )

    assert response.status_code == 400
    assert "InAMeeting" in response.json()["error"]["message"]


async def test_a_status_message_shows_its_expiry_to_its_owner_only_and_expires(
    graph: httpx.AsyncClient,
    tenant: GraphFake,
    ada: GraphUser,
    grace: GraphUser,
    clock: ManualClock,
) -> None:
    status = {
        "message": {"content": "Lunch", "contentType": "text"},
        "expiryDateTime": {"dateTime": "2026-09-21T15:13:20.0000000", "timeZone": "UTC"},
    }
    response = await graph.post(
        f"{GRAPH_PREFIX}/users/{ada.id}/presence/setStatusMessage", json={"statusMessage": status}
    )
    assert response.status_code == 200

    mine = (await graph.get(f"{GRAPH_PREFIX}/me/presence")).json()["statusMessage"]
    as_grace = _bearer(tenant.issue_token(grace.id))
    seen_by_grace = await graph.post(BULK, json={"ids": [ada.id]}, headers=as_grace)
    theirs = seen_by_grace.json()["value"][0]["statusMessage"]
    clock.advance(3600)
    expired = (await graph.get(f"{GRAPH_PREFIX}/me/presence")).json()["statusMessage"]

    assert mine["message"] == {"content": "Lunch", "contentType": "text"}
    assert mine["expiryDateTime"] == {"dateTime": "2026-09-21T15:13:20.000000", "timeZone": "UTC"}
    assert mine["publishedDateTime"] == "2026-09-21T14:13:20.000000Z"
    assert theirs == {key: value for key, value in mine.items() if key != "expiryDateTime"}
    assert expired is None


async def test_an_empty_status_message_clears_it(graph: httpx.AsyncClient, ada: GraphUser) -> None:
    action = f"{GRAPH_PREFIX}/users/{ada.id}/presence/setStatusMessage"
    for content in ("In the lab", ""):
        response = await graph.post(
            action, json={"statusMessage": {"message": {"content": content}}}
        )
        assert response.status_code == 200

    assert (await graph.get(f"{GRAPH_PREFIX}/me/presence")).json()["statusMessage"] is None


async def test_setting_someone_elses_presence_is_forbidden(
    graph: httpx.AsyncClient, grace: GraphUser, tenant: GraphFake
) -> None:
    response = await graph.post(
        f"{GRAPH_PREFIX}/users/{grace.id}/presence/setUserPreferredPresence",
        json={"availability": "Away", "activity": "Away"},
    )

    assert (response.status_code, _error_code(response)) == (403, "Forbidden")
    assert tenant.presence_of(grace.id) == ("Available", "Available")


# ---------------------------------------------------------------------- tokens, limits, faults


async def test_missing_unknown_revoked_and_expired_tokens_are_401(
    server: FakeHttpServer, tenant: GraphFake, ada: GraphUser, clock: ManualClock
) -> None:
    revoked = tenant.issue_token(ada.id)
    tenant.revoke_token(revoked)
    expiring = tenant.issue_token(ada.id, lifetime=60)
    answers = []
    async with httpx.AsyncClient(base_url=server.url) as client:
        answers.append(await client.get(f"{GRAPH_PREFIX}/me"))
        for token in ("not-a-token", revoked, expiring):
            if token is expiring:
                valid = await client.get(f"{GRAPH_PREFIX}/me", headers=_bearer(token))
                assert valid.status_code == 200
                clock.advance(60)
            answers.append(await client.get(f"{GRAPH_PREFIX}/me", headers=_bearer(token)))

    assert [answer.status_code for answer in answers] == [401] * 4
    assert {_error_code(answer) for answer in answers} == {"InvalidAuthenticationToken"}
    assert "expired" in answers[-1].json()["error"]["message"]


async def test_over_the_budget_is_a_429_with_retry_after_then_it_recovers(
    graph: httpx.AsyncClient, ada: GraphUser, clock: ManualClock
) -> None:
    for _ in range(4):
        assert (await graph.post(BULK, json={"ids": [ada.id]})).status_code == 200
    clock.advance(4)
    assert (await graph.post(BULK, json={"ids": [ada.id]})).status_code == 200  # the 5th

    throttled = await graph.post(BULK, json={"ids": [ada.id]})
    clock.advance(5.5)
    still = await graph.get(f"{GRAPH_PREFIX}/me")  # refused requests do not count
    clock.advance(0.5)  # the first four leave the window
    recovered = await graph.post(BULK, json={"ids": [ada.id]})

    assert (throttled.status_code, _error_code(throttled)) == (429, "TooManyRequests")
    assert throttled.headers["Retry-After"] == "6"
    assert (still.status_code, still.headers["Retry-After"]) == (429, "1")
    assert recovered.status_code == 200


async def test_queued_faults_answer_the_next_requests_in_turn(
    graph: httpx.AsyncClient, tenant: GraphFake
) -> None:
    tenant.fail_next(
        Fault.INTERNAL_SERVER_ERROR,
        Fault.BAD_GATEWAY,
        Fault.SERVICE_UNAVAILABLE,
        Fault.TOO_MANY_REQUESTS,
        Fault.MALFORMED_JSON,
    )

    answers = [await graph.get(f"{GRAPH_PREFIX}/me") for _ in range(6)]

    assert [answer.status_code for answer in answers] == [500, 502, 503, 429, 200, 200]
    assert _error_code(answers[0]) == "InternalServerError"
    assert answers[1].headers["content-type"] == "text/html"
    assert _error_code(answers[2]) == "ServiceUnavailable"
    assert answers[2].headers["Retry-After"] == answers[3].headers["Retry-After"] == "5"
    with pytest.raises(json.JSONDecodeError):
        answers[4].json()
    assert answers[5].json()["displayName"] == "Ada Lovelace"


# ---------------------------------------------------------------------- scenarios


async def test_a_played_scenario_is_seen_through_presences_by_user_id(
    graph: httpx.AsyncClient, tenant: GraphFake, grace: GraphUser, clock: ManualClock
) -> None:
    tenant.play(
        [
            ScenarioStep(60, grace.id, JOINS_MEETING),
            ScenarioStep(120, grace.id, PRESENTS),
            ScenarioStep(600, grace.id, sets_out_of_office("On leave until Monday")),
        ]
    )
    seen = []
    for _ in range(4):
        [presence] = await _bulk(graph, grace.id)
        seen.append(presence)
        clock.advance(240)  # jumps past one or two steps, and empties the budget's window

    assert [(p["availability"], p["activity"]) for p in seen] == [
        ("Available", "Available"),
        ("DoNotDisturb", "Presenting"),
        ("DoNotDisturb", "Presenting"),
        ("Offline", "OutOfOffice"),
    ]
    assert seen[-1]["outOfOfficeSettings"] == {
        "message": "On leave until Monday",
        "isOutOfOffice": True,
    }
    sequence_numbers = [str(p["sequenceNumber"]) for p in seen]
    assert sequence_numbers[0] < sequence_numbers[1] == sequence_numbers[2] < sequence_numbers[3]


async def test_coming_back_clears_the_out_of_office(
    graph: httpx.AsyncClient, tenant: GraphFake, grace: GraphUser
) -> None:
    tenant.apply(grace.id, sets_out_of_office("Away"))
    tenant.apply(grace.id, COMES_BACK)

    [presence] = await _bulk(graph, grace.id)

    assert (presence["availability"], presence["activity"]) == ("Available", "Available")
    assert presence["outOfOfficeSettings"] == {"message": None, "isOutOfOffice": False}


async def test_a_slow_answer_comes_late_and_a_dropped_connection_never(
    graph: httpx.AsyncClient, tenant: GraphFake
) -> None:
    tenant.slow_answer_seconds = 0.3
    tenant.fail_next(Fault.SLOW_ANSWER, Fault.DROPPED_CONNECTION)

    with pytest.raises(httpx.ReadTimeout):
        await graph.get(f"{GRAPH_PREFIX}/me", timeout=0.1)
    with pytest.raises(httpx.RemoteProtocolError):
        await graph.get(f"{GRAPH_PREFIX}/me")
    answer = await graph.get(f"{GRAPH_PREFIX}/me")

    assert answer.json()["displayName"] == "Ada Lovelace"


async def test_without_presence_read_all_reading_others_is_forbidden(
    graph: httpx.AsyncClient, tenant: GraphFake, grace: GraphUser
) -> None:
    tenant.deny_presence_reads()

    answer = await graph.post(BULK, json={"ids": [grace.id]})

    assert (answer.status_code, _error_code(answer)) == (403, "Forbidden")


async def test_the_server_may_page_fewer_users_than_top_asks(
    graph: httpx.AsyncClient, tenant: GraphFake
) -> None:
    tenant.server_page_size = 2

    body = (await graph.get(f"{GRAPH_PREFIX}/users?$top=999")).json()

    assert len(body["value"]) == 2
    assert "$top=2" in body["@odata.nextLink"]


async def test_an_id_left_out_of_the_answer_is_missing_from_value(
    graph: httpx.AsyncClient, tenant: GraphFake, ada: GraphUser, grace: GraphUser
) -> None:
    tenant.left_out_of_answers.add(grace.id)

    presences = await _bulk(graph, ada.id, grace.id)

    assert [presence["id"] for presence in presences] == [ada.id]
