"""The fake Zoom account answers real HTTP (httpx) in Zoom's shapes, limits and faults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.core.clock import ManualClock
from tests.servers.http_fake import FakeHttpServer
from tests.servers.zoom import (
    CLIENT_ID,
    INVALID_ACCESS_TOKEN,
    MAX_PAGE_SIZE,
    NOT_SIGNED_IN_TO_CLIENT,
    STATUS_UPDATE_FAILED,
    TOKEN_PATH,
    USER_NOT_FOUND,
    DroppedConnection,
    Label,
    MalformedJson,
    RateLimited,
    ScenarioStep,
    ServerError,
    SlowAnswer,
    ZoomAccountFake,
    ZoomStatus,
    ZoomUser,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

START = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
CONTACT_KEYS = {"id", "email", "first_name", "last_name", "member_id"}
PRESENCE = "/v2/users/me/presence_status"


@pytest.fixture
def clock() -> ManualClock:
    """The account's time, moved by the tests."""
    return ManualClock(START)


@pytest.fixture
def account(clock: ManualClock) -> ZoomAccountFake:
    """An account of three colleagues; small limits (Light 3/s, Medium 2/s) to reach quickly."""
    fake = ZoomAccountFake(clock.now, rate_limits={Label.LIGHT: 3, Label.MEDIUM: 2})
    for first, last in (("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing")):
        fake.add_user(first, last)
    return fake


@pytest.fixture
def ada(account: ZoomAccountFake) -> ZoomUser:
    """The signed-in user."""
    return next(iter(account.users.values()))


@pytest.fixture
def grace(account: ZoomAccountFake) -> ZoomUser:
    """A colleague of ``ada``."""
    return list(account.users.values())[1]


@pytest.fixture
async def server(account: ZoomAccountFake) -> AsyncIterator[FakeHttpServer]:
    """``account`` served on a free port of 127.0.0.1."""
    served = await FakeHttpServer(account.handle).start()
    yield served
    await served.aclose()


@pytest.fixture
async def zoom(
    server: FakeHttpServer, account: ZoomAccountFake, ada: ZoomUser
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in as ``ada``."""
    headers = _bearer(account.issue_token(ada.id).access_token)
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _error(response: httpx.Response, status: int) -> int:
    """Zoom's error body ``{code, message}``; its code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["message"]
    return int(body["code"])


async def _contact_status(zoom: httpx.AsyncClient, user: ZoomUser) -> str:
    response = await zoom.get(
        f"/v2/chat/users/me/contacts/{user.id}", params={"query_presence_status": "true"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["presence_status"])


# ---------------------------------------------------------------------- users and contacts


async def test_me_is_the_token_user(zoom: httpx.AsyncClient, ada: ZoomUser) -> None:
    body = (await zoom.get("/v2/users/me")).json()

    assert body["id"] == ada.id
    assert body["email"] == "ada.lovelace@example.com"
    assert body["display_name"] == "Ada Lovelace"
    assert (body["first_name"], body["last_name"]) == ("Ada", "Lovelace")


async def test_company_contacts_are_paged_with_next_page_tokens(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, clock: ManualClock
) -> None:
    account.add_user("Katherine", "Johnson")
    account.add_user("Eve", "Outsider", external=True)
    seen: list[str] = []
    params = {"type": "company", "page_size": "3"}
    pages = 0
    while True:
        body = (await zoom.get("/v2/chat/users/me/contacts", params=params)).json()
        assert body["page_size"] == 3
        assert all(set(contact) == CONTACT_KEYS for contact in body["contacts"])
        seen += [contact["id"] for contact in body["contacts"]]
        pages += 1
        clock.advance(1)  # stay inside the small Medium limit
        if not body["next_page_token"]:
            break
        params["next_page_token"] = body["next_page_token"]

    assert pages == 2
    assert seen == [user.id for user in account.users.values() if not user.external]


async def test_contacts_default_to_company_in_pages_of_ten(
    zoom: httpx.AsyncClient, account: ZoomAccountFake
) -> None:
    outsider = account.add_user("Eve", "Outsider", external=True)

    company = (await zoom.get("/v2/chat/users/me/contacts")).json()
    external = (await zoom.get("/v2/chat/users/me/contacts", params={"type": "external"})).json()

    assert company["page_size"] == 10
    assert len(company["contacts"]) == 3
    assert company["next_page_token"] == ""
    assert [contact["member_id"] for contact in external["contacts"]] == [outsider.member_id]


async def test_external_contacts_are_named_by_member_id_only(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, clock: ManualClock
) -> None:
    outsider = account.add_user("Eve", "Outsider", external=True)

    listed = (await zoom.get("/v2/chat/users/me/contacts", params={"type": "external"})).json()
    by_member = await zoom.get(
        f"/v2/chat/users/me/contacts/{outsider.member_id}", params={"query_presence_status": "true"}
    )
    clock.advance(1)  # stay inside the small Medium limit
    by_id = await zoom.get(f"/v2/chat/users/me/contacts/{outsider.id}")

    assert listed["contacts"] == [
        {
            "id": "",
            "email": "eve.outsider@example.com",
            "first_name": "Eve",
            "last_name": "Outsider",
            "member_id": outsider.member_id,
        }
    ]
    assert by_member.status_code == 200
    assert (by_member.json()["id"], by_member.json()["presence_status"]) == ("", "Available")
    assert _error(by_id, 404) == USER_NOT_FOUND


async def test_an_external_contact_who_does_not_share_has_no_presence_status(
    zoom: httpx.AsyncClient, account: ZoomAccountFake
) -> None:
    outsider = account.add_user("Eve", "Outsider", external=True)
    outsider.shares_presence = False

    body = (
        await zoom.get(
            f"/v2/chat/users/me/contacts/{outsider.email}",
            params={"query_presence_status": "true"},
        )
    ).json()

    assert "presence_status" not in body
    assert body["member_id"] == outsider.member_id


async def test_a_refused_listing_is_zoom_s_error_for_that_type_only(
    zoom: httpx.AsyncClient, account: ZoomAccountFake
) -> None:
    account.add_user("Eve", "Outsider", external=True)
    account.refuse_contacts("external", 403, 4700, "Access denied.")

    external = await zoom.get("/v2/chat/users/me/contacts", params={"type": "external"})
    company = await zoom.get("/v2/chat/users/me/contacts", params={"type": "company"})

    assert _error(external, 403) == 4700
    assert company.status_code == 200
    assert len(company.json()["contacts"]) == 3


@pytest.mark.parametrize("page_size", ["0", str(MAX_PAGE_SIZE + 1), "ten"])
async def test_a_page_size_outside_1_to_50_is_refused(
    zoom: httpx.AsyncClient, page_size: str
) -> None:
    response = await zoom.get("/v2/chat/users/me/contacts", params={"page_size": page_size})

    assert _error(response, 400) == 300


async def test_a_next_page_token_expires_after_15_minutes(
    zoom: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = (await zoom.get("/v2/chat/users/me/contacts", params={"page_size": "1"})).json()
    clock.advance(15 * 60)

    response = await zoom.get(
        "/v2/chat/users/me/contacts",
        params={"page_size": "1", "next_page_token": first["next_page_token"]},
    )

    assert _error(response, 400) == 300


async def test_a_contact_has_presence_only_when_asked(
    zoom: httpx.AsyncClient, grace: ZoomUser
) -> None:
    plain = (await zoom.get(f"/v2/chat/users/me/contacts/{grace.id}")).json()
    by_email = await zoom.get(
        f"/v2/chat/users/me/contacts/{grace.email.upper()}",
        params={"query_presence_status": "true"},
    )

    assert "presence_status" not in plain
    assert set(plain) >= CONTACT_KEYS
    assert by_email.json()["presence_status"] == "Available"
    assert by_email.json()["id"] == grace.id


async def test_an_unknown_contact_is_404_user_not_found(zoom: httpx.AsyncClient) -> None:
    response = await zoom.get("/v2/chat/users/me/contacts/nobody@example.com")

    assert _error(response, 404) == USER_NOT_FOUND


# ---------------------------------------------------------------------- presence spellings


@pytest.mark.parametrize(
    ("status", "contact_word", "user_word"),
    [
        (ZoomStatus.IN_A_MEETING, "In_A_Meeting", "In_A_Zoom_Meeting"),
        (ZoomStatus.ON_A_CALL, "In_A_Call", "On_A_Call"),
        (ZoomStatus.IN_A_CALENDAR_EVENT, "In_A_Calendar_Event", "In_Calendar_Event"),
        (ZoomStatus.OUT_OF_OFFICE, "Out_of_Office", "Out_of_Office"),
        (ZoomStatus.DO_NOT_DISTURB, "Do_Not_Disturb", "Do_Not_Disturb"),
    ],
)
async def test_each_endpoint_spells_a_status_its_own_way(
    zoom: httpx.AsyncClient,
    account: ZoomAccountFake,
    grace: ZoomUser,
    clock: ManualClock,
    status: ZoomStatus,
    contact_word: str,
    user_word: str,
) -> None:
    account.set_presence(grace.id, status)

    assert await _contact_status(zoom, grace) == contact_word
    clock.advance(1)
    body = (await zoom.get(f"/v2/users/{grace.id}/presence_status")).json()
    assert body == {"status": user_word}


async def test_signed_out_people_are_offline(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, grace: ZoomUser
) -> None:
    account.set_presence(grace.id, ZoomStatus.OFFLINE)

    assert await _contact_status(zoom, grace) == "Offline"


async def test_a_timed_do_not_disturb_has_an_end_and_ends(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, grace: ZoomUser, clock: ManualClock
) -> None:
    account.set_presence(grace.id, ZoomStatus.DO_NOT_DISTURB, dnd_minutes=30)

    body = (await zoom.get(f"/v2/users/{grace.id}/presence_status")).json()
    assert body == {
        "status": "Do_No_Disturb",  # the spelling of users.d.ts for a timed DND
        "end_time": "2026-09-21T14:43:20Z",
        "remaining_time": 1800,
    }
    clock.advance(30 * 60)
    assert await _contact_status(zoom, grace) == "Available"


async def test_a_scenario_plays_on_the_clock(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, grace: ZoomUser, clock: ManualClock
) -> None:
    account.play(
        [
            ScenarioStep(60, grace.id, ZoomStatus.IN_A_MEETING),
            ScenarioStep(120, grace.id, ZoomStatus.AWAY),
        ]
    )

    assert await _contact_status(zoom, grace) == "Available"
    clock.advance(60)
    assert await _contact_status(zoom, grace) == "In_A_Meeting"
    clock.advance(60)
    assert await _contact_status(zoom, grace) == "Away"


# ---------------------------------------------------------------------- setting my status


async def test_setting_my_status_is_204_and_seen_by_others(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, ada: ZoomUser
) -> None:
    response = await zoom.put(PRESENCE, json={"status": "Do_Not_Disturb", "duration": 45})

    assert response.status_code == 204
    assert response.content == b""
    assert account.presence_of(ada.id) is ZoomStatus.DO_NOT_DISTURB
    assert ada.dnd_until == START + 45 * 60
    assert [(u.status, u.duration) for u in account.status_updates] == [("Do_Not_Disturb", 45)]


async def test_do_not_disturb_without_duration_lasts_the_default_20_minutes(
    zoom: httpx.AsyncClient, ada: ZoomUser
) -> None:
    await zoom.put(PRESENCE, json={"status": "Do_No_Disturb"})  # the request type's spelling

    assert ada.dnd_until == START + 20 * 60


@pytest.mark.parametrize(
    "body",
    [
        {"status": "Offline"},
        {"status": "Lunch"},
        {"status": "Away", "duration": 10},
        {"status": "Do_Not_Disturb", "duration": 1441},
        {"status": "Do_Not_Disturb", "duration": 0},
        {"status": "Do_Not_Disturb", "duration": "30"},
        {},
    ],
)
async def test_a_status_zoom_does_not_take_is_400_5301(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, body: dict[str, object]
) -> None:
    response = await zoom.put(PRESENCE, json=body)

    assert _error(response, 400) == STATUS_UPDATE_FAILED
    assert account.status_updates == []


async def test_without_a_zoom_app_signed_in_my_status_cannot_change(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, ada: ZoomUser
) -> None:
    account.set_presence(ada.id, ZoomStatus.OFFLINE)

    response = await zoom.put(PRESENCE, json={"status": "Available"})

    assert _error(response, 400) == NOT_SIGNED_IN_TO_CLIENT
    assert account.presence_of(ada.id) is ZoomStatus.OFFLINE


async def test_my_status_changes_at_most_once_a_minute(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, ada: ZoomUser, clock: ManualClock
) -> None:
    assert (await zoom.put(PRESENCE, json={"status": "Away"})).status_code == 204
    clock.advance(20)

    refused = await zoom.put(PRESENCE, json={"status": "Busy"})
    assert _error(refused, 429) == 429
    assert refused.headers["Retry-After"] == "40"
    assert account.presence_of(ada.id) is ZoomStatus.AWAY

    clock.advance(40)
    assert (await zoom.put(PRESENCE, json={"status": "Busy"})).status_code == 204
    assert account.presence_of(ada.id) is ZoomStatus.BUSY
    assert account.rate_limited == 1


async def test_only_my_own_status_can_be_set(zoom: httpx.AsyncClient, grace: ZoomUser) -> None:
    other = await zoom.put(f"/v2/users/{grace.id}/presence_status", json={"status": "Away"})
    unknown = await zoom.put("/v2/users/nobody/presence_status", json={"status": "Away"})

    assert _error(other, 400) == STATUS_UPDATE_FAILED
    assert _error(unknown, 404) == USER_NOT_FOUND


# ---------------------------------------------------------------------- tokens


async def test_a_missing_unknown_expired_or_revoked_token_is_401_code_124(
    server: FakeHttpServer, account: ZoomAccountFake, ada: ZoomUser, clock: ManualClock
) -> None:
    short = account.issue_token(ada.id, lifetime=60)
    revoked = account.issue_token(ada.id)
    account.revoke_token(revoked.refresh_token)
    async with httpx.AsyncClient(base_url=server.url) as client:
        missing = await client.get("/v2/users/me")
        unknown = await client.get("/v2/users/me", headers=_bearer("not-a-zoom-token"))
        gone = await client.get("/v2/users/me", headers=_bearer(revoked.access_token))
        fresh = await client.get("/v2/users/me", headers=_bearer(short.access_token))
        clock.advance(60)
        expired = await client.get("/v2/users/me", headers=_bearer(short.access_token))

    for refused in (missing, unknown, gone, expired):
        assert _error(refused, 401) == INVALID_ACCESS_TOKEN
    assert fresh.status_code == 200
    assert expired.json()["message"] == "Access token is expired."
    assert gone.json()["message"] == "Invalid access token."


async def _refresh(
    client: httpx.AsyncClient, refresh_token: str, client_id: str = CLIENT_ID
) -> httpx.Response:
    return await client.post(
        TOKEN_PATH,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
    )


async def test_a_refresh_rotates_the_tokens_and_retires_the_old_pair(
    server: FakeHttpServer, account: ZoomAccountFake, ada: ZoomUser
) -> None:
    first = account.issue_token(ada.id)
    async with httpx.AsyncClient(base_url=server.url) as client:
        renewed = await _refresh(client, first.refresh_token)
        body = renewed.json()
        reused = await _refresh(client, first.refresh_token)
        old_access = await client.get("/v2/users/me", headers=_bearer(first.access_token))
        new_access = await client.get("/v2/users/me", headers=_bearer(body["access_token"]))

    assert renewed.status_code == 200
    assert set(body) == {"access_token", "token_type", "refresh_token", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3599
    assert body["refresh_token"] != first.refresh_token
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert old_access.status_code == 401
    assert new_access.status_code == 200
    assert account.tokens.refreshes == 1


async def test_a_revoked_sign_in_cannot_be_refreshed_nor_by_another_client(
    server: FakeHttpServer, account: ZoomAccountFake, ada: ZoomUser
) -> None:
    revoked = account.issue_token(ada.id)
    account.revoke_token(revoked.access_token)
    live = account.issue_token(ada.id)
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await _refresh(client, revoked.refresh_token)
        stranger = await _refresh(client, live.refresh_token, client_id="someone-else")

    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert (stranger.status_code, stranger.json()["error"]) == (401, "invalid_client")


# ---------------------------------------------------------------------- limits and faults


async def test_each_label_is_held_to_its_limit_per_second(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, grace: ZoomUser, clock: ManualClock
) -> None:
    medium = [
        await zoom.get(f"/v2/chat/users/me/contacts/{grace.id}") for _ in range(3)
    ]  # Medium: 2 a second
    light = await zoom.get("/v2/users/me")  # Light has its own count
    clock.advance(1)
    again = await zoom.get(f"/v2/chat/users/me/contacts/{grace.id}")

    assert [r.status_code for r in medium] == [200, 200, 429]
    assert _error(medium[2], 429) == 429
    assert medium[2].headers["Retry-After"] == "1"
    assert light.status_code == 200
    assert again.status_code == 200
    assert (account.requests, account.rate_limited) == (5, 1)


async def test_refused_tokens_do_not_spend_the_limit(
    server: FakeHttpServer, account: ZoomAccountFake, ada: ZoomUser
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(5):
            await client.get("/v2/users/me", headers=_bearer("wrong"))
        good = await client.get(
            "/v2/users/me", headers=_bearer(account.issue_token(ada.id).access_token)
        )

    assert good.status_code == 200


async def test_faults_spoil_the_next_requests_in_turn(
    zoom: httpx.AsyncClient, account: ZoomAccountFake, clock: ManualClock
) -> None:
    account.fail_next(ServerError(503), MalformedJson(), RateLimited(7))

    server_error = await zoom.get("/v2/users/me")
    malformed = await zoom.get("/v2/users/me")
    limited = await zoom.get("/v2/users/me")
    clock.advance(1)
    fine = await zoom.get("/v2/users/me")

    assert server_error.status_code == 503
    assert malformed.status_code == 200
    with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
        malformed.json()
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert fine.status_code == 200
    assert account.rate_limited == 1


async def test_a_dropped_connection_and_a_slow_answer(
    server: FakeHttpServer, account: ZoomAccountFake, ada: ZoomUser
) -> None:
    account.fail_next(DroppedConnection(), SlowAnswer(0.5))
    headers = _bearer(account.issue_token(ada.id).access_token)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=0.1) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/v2/users/me")
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/v2/users/me")
