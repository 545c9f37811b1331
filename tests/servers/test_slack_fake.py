"""The fake Slack workspace answers like Slack's Web API, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.web.async_client import AsyncWebClient

from presence_tray.accounts.tokens import is_unauthorized
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.clock import ManualClock
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.platforms.slack.contacts import list_contacts
from presence_tray.platforms.slack.web_api import SlackWebApi
from tests.servers.http_fake import FakeHttpServer
from tests.servers.slack import (
    API_PREFIX,
    CLIENT_ID,
    TOKEN_METHOD,
    AnsweredCall,
    DroppedConnection,
    MalformedJson,
    Refusal,
    ServerError,
    SlackWorkspaceFake,
    SlowAnswer,
)
from tests.servers.slack.tokens import SCOPES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

TOKEN = "xoxp-FAKE-NOT-A-SECRET-alice"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
WEDNESDAY_MORNING = 1_795_597_200.0  # 2026-11-25 09:00 UTC


@pytest.fixture
def slack_clock() -> ManualClock:
    """The workspace's time, moved by the test."""
    return ManualClock(WEDNESDAY_MORNING)


@pytest.fixture
def workspace(slack_clock: ManualClock) -> SlackWorkspaceFake:
    """Alice (who holds ``TOKEN``), Bob and Carol, all active just now."""
    fake = SlackWorkspaceFake(clock=slack_clock.now)
    for user_id in (ALICE, BOB, CAROL):
        fake.add_person(user_id, user_id.removeprefix("U0").lower())
    fake.issue_token(TOKEN, ALICE)
    return fake


@pytest.fixture
async def server(workspace: SlackWorkspaceFake) -> AsyncIterator[FakeHttpServer]:
    """``workspace`` served on a free port."""
    running = await FakeHttpServer(workspace.handle).start()
    yield running
    await running.aclose()


@pytest.fixture
async def api(server: FakeHttpServer) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client with Alice's token, based at ``/api/``."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=server.url + API_PREFIX, headers=headers) as client:
        yield client


async def _call(api: httpx.AsyncClient, method: str, **arguments: object) -> dict[str, object]:
    """POST ``arguments`` as a form; the JSON answer of an HTTP 200."""
    response = await api.post(method, data={k: str(v) for k, v in arguments.items()})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert isinstance(answer, dict)
    return answer


async def test_auth_test_names_the_tokens_user(api: httpx.AsyncClient) -> None:
    assert await _call(api, "auth.test") == {
        "ok": True,
        "url": "https://fake-workspace.slack.com/",
        "team": "Fake Workspace",
        "user": "alice",
        "team_id": "T0FAKETEAM",
        "user_id": ALICE,
        "is_enterprise_install": False,
    }


async def test_users_list_pages_with_a_cursor_until_it_is_empty(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.add_person("U0DAVE", "dave")
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        answer = await _call(api, "users.list", limit=2, cursor=cursor)
        members = answer["members"]
        assert isinstance(members, list)
        assert len(members) <= 2
        seen += [member["id"] for member in members]
        pages += 1
        cursor = answer["response_metadata"]["next_cursor"]  # type: ignore[index]
        if not cursor:
            break
    assert (seen, pages) == ([ALICE, BOB, CAROL, "U0DAVE"], 2)
    everyone = await _call(api, "users.list")
    members = everyone["members"]
    assert isinstance(members, list)
    assert len(members) == 4
    bob = members[1]
    assert (bob["id"], bob["name"], bob["real_name"], bob["deleted"], bob["is_bot"]) == (
        BOB,
        "bob",
        "Bob",
        False,
        False,
    )
    assert bob["profile"]["status_text"] == ""


async def test_a_cursor_slack_never_gave_is_refused(api: httpx.AsyncClient) -> None:
    forged = base64.b64encode(b"user:U0NOBODY").decode()
    for cursor in ("%%%", forged):
        assert await _call(api, "users.list", cursor=cursor) == {
            "ok": False,
            "error": "invalid_cursor",
        }


async def test_presence_of_others_is_only_active_or_away(api: httpx.AsyncClient) -> None:
    assert await _call(api, "users.getPresence", user=BOB) == {"ok": True, "presence": "active"}


async def test_presence_of_the_caller_has_the_details_and_turns_idle_after_ten_minutes(
    api: httpx.AsyncClient, slack_clock: ManualClock
) -> None:
    active_since = int(slack_clock.now())
    assert await _call(api, "users.getPresence") == {
        "ok": True,
        "presence": "active",
        "online": True,
        "auto_away": False,
        "manual_away": False,
        "connection_count": 1,
        "last_activity": active_since,
    }
    slack_clock.advance(600)
    idle = await _call(api, "users.getPresence", user=ALICE)
    assert (idle["presence"], idle["auto_away"], idle["manual_away"]) == ("away", True, False)


async def test_set_presence_away_then_auto(api: httpx.AsyncClient) -> None:
    assert await _call(api, "users.setPresence", presence="away") == {"ok": True}
    away = await _call(api, "users.getPresence")
    assert (away["presence"], away["manual_away"]) == ("away", True)
    await _call(api, "users.setPresence", presence="auto")
    assert (await _call(api, "users.getPresence"))["presence"] == "active"
    refused = await _call(api, "users.setPresence", presence="busy")
    assert refused == {"ok": False, "error": "invalid_presence"}


async def test_a_disconnected_caller_is_offline_without_last_activity(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.disconnect(ALICE)
    answer = await _call(api, "users.getPresence")
    assert (answer["presence"], answer["online"], answer["connection_count"]) == ("away", False, 0)
    assert "last_activity" not in answer


async def test_dnd_info_and_team_info(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake, slack_clock: ManualClock
) -> None:
    start, end = int(slack_clock.now()) + 3600, int(slack_clock.now()) + 7200
    workspace.set_dnd_schedule(BOB, start, end)
    schedule = {"dnd_enabled": True, "next_dnd_start_ts": start, "next_dnd_end_ts": end}
    assert await _call(api, "dnd.info", user=BOB) == {"ok": True} | schedule
    team = await _call(api, "dnd.teamInfo", users=f"{BOB},{CAROL}")
    none = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
    assert team == {"ok": True, "users": {BOB: schedule, CAROL: none}}
    too_many = ",".join([BOB] * 51)
    assert (await _call(api, "dnd.teamInfo", users=too_many))["error"] == "too_many_users"
    assert (await _call(api, "dnd.info", user="U0NOBODY"))["error"] == "user_not_found"


async def test_snooze_shows_in_the_callers_dnd_info_and_ends(
    api: httpx.AsyncClient, slack_clock: ManualClock
) -> None:
    snooze = await _call(api, "dnd.setSnooze", num_minutes=30)
    end = int(slack_clock.now()) + 1800
    assert snooze == {
        "ok": True,
        "snooze_enabled": True,
        "snooze_endtime": end,
        "snooze_remaining": 1800,
        "snooze_is_indefinite": False,
    }
    slack_clock.advance(600)
    info = await _call(api, "dnd.info")
    assert (info["snooze_enabled"], info["snooze_endtime"], info["snooze_remaining"]) == (
        True,
        end,
        1200,
    )
    ended = await _call(api, "dnd.endSnooze")
    assert (ended["ok"], ended["snooze_enabled"]) == (True, False)
    again = await _call(api, "dnd.endSnooze")
    assert again == {"ok": False, "error": "snooze_not_active"}
    assert (await _call(api, "dnd.setSnooze"))["error"] == "missing_duration"


async def test_a_custom_status_set_as_json_expires(
    api: httpx.AsyncClient, slack_clock: ManualClock
) -> None:
    expiration = int(slack_clock.now()) + 900
    status = {"status_text": "Lunch", "status_emoji": ":taco:", "status_expiration": expiration}
    response = await api.post("users.profile.set", json={"profile": status})
    assert response.json()["profile"]["status_text"] == "Lunch"
    profile = (await _call(api, "users.profile.get"))["profile"]
    assert isinstance(profile, dict)
    assert {name: profile[name] for name in status} == status
    assert profile["huddle_state"] == "default_unset"
    slack_clock.advance(900)
    cleared = (await _call(api, "users.profile.get"))["profile"]
    assert isinstance(cleared, dict)
    assert (cleared["status_text"], cleared["status_emoji"], cleared["status_expiration"]) == (
        "",
        "",
        0,
    )


async def test_a_huddle_shows_in_the_profile_until_it_is_left(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.join_huddle(CAROL)
    profile = (await _call(api, "users.profile.get", user=CAROL))["profile"]
    assert profile["huddle_state"] == "in_a_huddle"  # type: ignore[index]
    workspace.join_huddle(CAROL, joined=False)
    profile = (await _call(api, "users.profile.get", user=CAROL))["profile"]
    assert profile["huddle_state"] == "default_unset"  # type: ignore[index]


async def test_profile_set_takes_a_form_json_string_and_refuses_bad_ones(
    api: httpx.AsyncClient,
) -> None:
    form = await _call(api, "users.profile.set", profile=json.dumps({"status_text": "Focus"}))
    assert form["profile"]["status_text"] == "Focus"  # type: ignore[index]
    too_long = json.dumps({"status_text": "x" * 101})
    assert (await _call(api, "users.profile.set", profile=too_long))["error"] == "too_long"
    assert (await _call(api, "users.profile.set", profile="{"))["error"] == "invalid_profile"
    response = await api.post(
        "users.profile.set", content=b"[1", headers={"Content-Type": "application/json"}
    )
    assert response.json() == {"ok": False, "error": "invalid_json"}


@pytest.mark.parametrize(
    ("method", "arguments", "per_minute"),
    [
        ("dnd.teamInfo", {"users": BOB}, 20),
        ("users.getPresence", {"user": BOB}, 50),
        ("users.profile.get", {}, 100),
    ],
)
async def test_each_method_is_held_to_its_tier_then_recovers_after_the_window(
    api: httpx.AsyncClient,
    slack_clock: ManualClock,
    method: str,
    arguments: dict[str, str],
    per_minute: int,
) -> None:
    for _ in range(per_minute):
        assert (await _call(api, method, **arguments))["ok"] is True
    limited = await api.post(method, data=arguments)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert (await _call(api, "auth.test"))["ok"] is True  # other methods have their own count
    slack_clock.advance(59)
    assert (await api.post(method, data=arguments)).headers["Retry-After"] == "1"
    slack_clock.advance(1)
    assert (await _call(api, method, **arguments))["ok"] is True


async def test_tokens_missing_wrong_revoked_or_expired_are_refused(
    server: FakeHttpServer, workspace: SlackWorkspaceFake, slack_clock: ManualClock
) -> None:
    workspace.issue_token("xoxp-short", BOB, lifetime=12 * 3600)
    workspace.issue_token("xoxp-revoked", CAROL)
    workspace.revoke_token("xoxp-revoked")
    slack_clock.advance(12 * 3600)

    async def error_for(authorization: str | None) -> object:
        headers = {} if authorization is None else {"Authorization": authorization}
        async with httpx.AsyncClient(base_url=server.url + API_PREFIX) as client:
            return (await client.post("auth.test", headers=headers)).json()["error"]

    assert await error_for(None) == "not_authed"
    assert await error_for("Bearer xoxp-wrong") == "invalid_auth"
    assert await error_for("Bearer xoxp-revoked") == "token_revoked"
    assert await error_for("Bearer xoxp-short") == "token_expired"


async def test_an_unknown_method_is_named(api: httpx.AsyncClient) -> None:
    assert await _call(api, "users.teleport") == {"ok": False, "error": "unknown_method"}


async def test_a_server_error_is_an_html_page(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.fail_next(ServerError(503), method="users.getPresence")
    assert (await _call(api, "auth.test"))["ok"] is True  # only the named method fails
    failed = await api.post("users.getPresence")
    assert (failed.status_code, failed.headers["Content-Type"]) == (503, "text/html")
    assert (await _call(api, "users.getPresence"))["ok"] is True  # once


async def test_malformed_json_does_not_parse(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.fail_next(MalformedJson())
    response = await api.post("auth.test")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_a_slow_answer_arrives_late_or_times_the_client_out(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.fail_next(SlowAnswer(0.3))
    started = time.monotonic()
    assert (await _call(api, "auth.test"))["ok"] is True
    assert time.monotonic() - started >= 0.3
    workspace.fail_next(SlowAnswer(0.3))
    with pytest.raises(httpx.ReadTimeout):
        await api.post("auth.test", timeout=0.05)


async def test_a_dropped_connection_gives_no_response(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.fail_next(DroppedConnection())
    with pytest.raises(httpx.RemoteProtocolError):
        await api.post("auth.test")
    assert (await _call(api, "auth.test"))["ok"] is True


async def test_a_scripted_afternoon(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake, slack_clock: ManualClock
) -> None:
    start = slack_clock.now()
    workspace.at(start + 300, lambda fake: fake.go_away(BOB))
    workspace.at(start + 600, lambda fake: fake.set_dnd_schedule(BOB, start + 600, start + 3300))
    workspace.at(start + 900, lambda fake: fake.set_status(BOB, "Dentist", expires_in=1800))

    async def bob() -> tuple[object, object, object]:
        presence = await _call(api, "users.getPresence", user=BOB)
        dnd = await _call(api, "dnd.teamInfo", users=BOB)
        profile = await _call(api, "users.profile.get", user=BOB)
        return (presence["presence"], dnd["users"], profile["profile"]["status_text"])  # type: ignore[index]

    assert (await bob())[0] == "active"
    slack_clock.advance(300)
    assert (await bob())[0] == "away"
    slack_clock.advance(600)
    _, dnd, status = await bob()
    assert (dnd[BOB]["dnd_enabled"], dnd[BOB]["next_dnd_end_ts"], status) == (  # type: ignore[index]
        True,
        int(start + 3300),
        "Dentist",
    )
    slack_clock.advance(1800)
    assert (await bob())[2] == ""
    workspace.come_back(BOB)
    assert (await bob())[0] == "active"


# ------------------------------------------------ cross-check: the official slack_sdk client


@pytest.fixture
def sdk(server: FakeHttpServer) -> AsyncWebClient:
    """Slack's own AsyncWebClient with Alice's token, pointed at the fake."""
    return AsyncWebClient(token=TOKEN, base_url=server.url + API_PREFIX)


async def test_slack_sdk_reads_every_page_presence_dnd_and_profile(
    sdk: AsyncWebClient, workspace: SlackWorkspaceFake, server: FakeHttpServer
) -> None:
    workspace.set_status(BOB, "In a meeting", ":calendar:", expires_in=3600)
    pages: list[list[str]] = []
    cursors: list[str] = []
    async for page in await sdk.users_list(limit=2):  # slack_sdk follows next_cursor itself
        pages.append([member["id"] for member in page["members"]])
        cursors.append(page["response_metadata"]["next_cursor"])
    assert (pages, cursors[-1]) == ([[ALICE, BOB], [CAROL]], "")
    assert server.requests[-1].query["cursor"] == [cursors[0]]

    presence = await sdk.users_getPresence(user=BOB)
    assert presence.data == {"ok": True, "presence": "active"}
    team = await sdk.dnd_teamInfo(users=[BOB, CAROL])
    assert set(team["users"]) == {BOB, CAROL}
    profile = await sdk.users_profile_get(user=BOB)
    assert (profile["profile"]["status_text"], profile["profile"]["status_emoji"]) == (
        "In a meeting",
        ":calendar:",
    )
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_slack_sdk_writes_presence_snooze_and_status(
    sdk: AsyncWebClient, workspace: SlackWorkspaceFake
) -> None:
    assert (await sdk.users_setPresence(presence="away"))["ok"] is True
    assert workspace.people[ALICE].manual_away
    snooze = await sdk.dnd_setSnooze(num_minutes=25)
    assert (snooze["snooze_enabled"], snooze["snooze_remaining"]) == (True, 1500)
    status = await sdk.users_profile_set(profile={"status_text": "Focus", "status_emoji": ":ear:"})
    assert status["profile"]["status_text"] == "Focus"
    assert (await sdk.dnd_endSnooze())["snooze_enabled"] is False


async def test_slack_sdk_sees_the_429_and_its_retry_after(
    sdk: AsyncWebClient, api: httpx.AsyncClient
) -> None:
    for _ in range(20):
        await _call(api, "dnd.teamInfo", users=BOB)
    with pytest.raises(SlackApiError) as caught:
        await sdk.dnd_teamInfo(users=[BOB])
    response = caught.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "60"


async def test_slack_sdk_rate_limit_handler_waits_retry_after_and_retries_once(
    server: FakeHttpServer,
    api: httpx.AsyncClient,
    slack_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=slack_clock.sleep))
    handler = builtin_async_handlers.AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    sdk = AsyncWebClient(token=TOKEN, base_url=server.url + API_PREFIX, retry_handlers=[handler])
    for _ in range(20):
        await _call(api, "users.setPresence", presence="auto")
    assert (await sdk.users_setPresence(presence="away"))["ok"] is True
    [pause] = slack_clock.sleeps
    assert 60 <= pause < 61  # Retry-After plus slack_sdk's jitter of under a second
    assert [r.path for r in server.requests[-2:]] == ["/api/users.setPresence"] * 2


# ------------------------------------------------ token rotation, answer log, refusals on cue


async def _renew(server: FakeHttpServer, refresh_token: str, **extra: str) -> dict[str, object]:
    """POST oauth.v2.access as a public client renewing a rotated token."""
    form = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": refresh_token}
    async with httpx.AsyncClient(base_url=server.url + API_PREFIX) as client:
        response = await client.post(TOKEN_METHOD, data=form | extra)
    assert response.status_code == 200
    answer = response.json()
    assert isinstance(answer, dict)
    return answer


async def test_a_rotated_token_is_renewed_once_and_the_old_refresh_token_is_spent(
    server: FakeHttpServer, workspace: SlackWorkspaceFake, slack_clock: ManualClock
) -> None:
    workspace.issue_token("xoxe.xoxp-old", BOB, lifetime=60, refresh_token="xoxe-1-old")
    renewed = await _renew(server, "xoxe-1-old")
    assert renewed == {
        "ok": True,
        "access_token": "xoxe.xoxp-FAKE-NOT-A-SECRET-1",
        "expires_in": 43200,
        "refresh_token": "xoxe-1-FAKE-NOT-A-SECRET-1",
        "token_type": "user",
        "scope": SCOPES,
        "team": {"id": "T0FAKETEAM", "name": "Fake Workspace"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    tokens = TokenSet.from_response(renewed, now=slack_clock.now())
    assert tokens.expires_at == slack_clock.now() + 43200
    assert await _renew(server, "xoxe-1-old") == {"ok": False, "error": "invalid_grant"}
    async with httpx.AsyncClient(base_url=server.url + API_PREFIX) as client:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        assert (await client.post("auth.test", headers=headers)).json()["user_id"] == BOB
    assert workspace.tokens.refreshes == 1


async def test_renewal_needs_the_client_id_and_the_grant_type(
    server: FakeHttpServer, workspace: SlackWorkspaceFake
) -> None:
    workspace.issue_token("xoxe.xoxp-old", BOB, refresh_token="xoxe-1-old")
    assert (await _renew(server, "xoxe-1-old", client_id="someone-else"))["error"] == (
        "invalid_client_id"
    )
    assert (await _renew(server, "xoxe-1-old", grant_type="password"))["error"] == (
        "invalid_grant_type"
    )
    assert (await _renew(server, "xoxe-1-old"))["ok"] is True  # not spent by the refusals


async def test_a_revoked_sign_in_refuses_the_access_and_the_refresh_token(
    server: FakeHttpServer, api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.issue_token("xoxe.xoxp-carol", CAROL, refresh_token="xoxe-1-carol")
    workspace.revoke_sign_in(CAROL)
    async with httpx.AsyncClient(base_url=server.url + API_PREFIX) as client:
        headers = {"Authorization": "Bearer xoxe.xoxp-carol"}
        assert (await client.post("auth.test", headers=headers)).json()["error"] == "token_revoked"
    assert (await _renew(server, "xoxe-1-carol"))["error"] == "invalid_grant"
    assert (await _call(api, "auth.test"))["ok"] is True  # Alice's sign-in is hers


async def test_every_answer_is_logged_with_its_time_and_status(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake, slack_clock: ManualClock
) -> None:
    for _ in range(21):
        await _call_any(api, "dnd.teamInfo", users=BOB)
    slack_clock.advance(5)
    await _call(api, "users.getPresence", user=BOB)
    assert workspace.answered[0] == AnsweredCall("dnd.teamInfo", WEDNESDAY_MORNING, 200)
    assert workspace.rate_limited == [AnsweredCall("dnd.teamInfo", WEDNESDAY_MORNING, 429)]
    assert workspace.calls_of("users.getPresence") == [
        AnsweredCall("users.getPresence", WEDNESDAY_MORNING + 5, 200)
    ]


async def _call_any(api: httpx.AsyncClient, method: str, **arguments: str) -> int:
    """POST ``arguments``; the HTTP status, whatever it is."""
    return (await api.post(method, data=arguments)).status_code


async def test_users_list_may_send_fewer_members_than_asked(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.users_list_page_cap = 2
    first = await _call(api, "users.list", limit=200)
    assert [member["id"] for member in first["members"]] == [ALICE, BOB]  # type: ignore[attr-defined]
    cursor = first["response_metadata"]["next_cursor"]  # type: ignore[index]
    rest = await _call(api, "users.list", limit=200, cursor=cursor)
    assert [member["id"] for member in rest["members"]] == [CAROL]  # type: ignore[attr-defined]


async def test_a_refusal_on_cue_carries_slacks_extra_fields(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    missing = Refusal("missing_scope", {"needed": "dnd:read", "provided": "users:read"})
    workspace.fail_next(missing, method="dnd.teamInfo")
    assert await _call(api, "dnd.teamInfo", users=BOB) == {
        "ok": False,
        "error": "missing_scope",
        "needed": "dnd:read",
        "provided": "users:read",
    }
    assert (await _call(api, "dnd.teamInfo", users=BOB))["ok"] is True


async def test_a_removed_person_is_not_found(
    api: httpx.AsyncClient, workspace: SlackWorkspaceFake
) -> None:
    workspace.remove_person(CAROL)
    assert (await _call(api, "users.getPresence", user=CAROL))["error"] == "user_not_found"


# ------------------------------------- cross-check: slack_sdk and the Slack client's Web API


class _StaticToken:
    """An AuthorizedCaller with one fixed token (the real one is accounts.tokens.TokenHolder)."""

    async def call(
        self,
        send: Callable[[str], Awaitable[httpx.Response]],
        *,
        refused: Callable[[httpx.Response], bool] = is_unauthorized,
    ) -> httpx.Response:
        del refused  # the token is never renewed here
        return await send(TOKEN)


async def test_slack_sdk_and_the_clients_web_api_read_the_same_answers(
    sdk: AsyncWebClient, server: FakeHttpServer, workspace: SlackWorkspaceFake
) -> None:
    workspace.users_list_page_cap = 2
    workspace.go_away(CAROL)
    workspace.set_status(BOB, "Dentist", ":tooth:")
    web_api = SlackWebApi(
        tokens=_StaticToken(), clock=ManualClock(), base_url=server.url + API_PREFIX
    )
    try:
        for user_id in (ALICE, BOB, CAROL):
            ours = await web_api.read("users.getPresence", user=user_id)
            assert ours == (await sdk.users_getPresence(user=user_id)).data
        sdk_members = [
            member async for page in await sdk.users_list(limit=200) for member in page["members"]
        ]
        contacts = await list_contacts(web_api, AccountRef(Platform.SLACK, "work"), me=ALICE)
    finally:
        await web_api.aclose()
    assert [member["id"] for member in sdk_members] == [ALICE, BOB, CAROL]
    assert [contact.identity.key.remote_id for contact in contacts] == [BOB, CAROL]
    assert [dict(contact.profile) for contact in contacts] == [
        member["profile"] for member in sdk_members[1:]
    ]
