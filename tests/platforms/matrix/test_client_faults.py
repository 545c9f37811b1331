"""The Matrix client against a scripted homeserver: what real Synapse cannot easily be made to do.

Rate limits (the test Synapse has them relaxed), server errors, a dropped network, a server with
presence turned off, lookups the server refuses, resuming from the last sync token, and saved
sign-ins that cannot be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

import httpx
import pytest

from presence_tray.core.client import OwnStatus
from presence_tray.core.clock import ManualClock
from presence_tray.core.errors import AuthError, RateLimitedError, TransientError
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.matrix.api import SIGNED_OUT
from presence_tray.platforms.matrix.client import PRESENCE_OFF, MatrixClient, client_for
from tests.platforms.simulated.helpers import RecordingSink

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

ME = "@me:example.org"
GRACE = "@grace:example.org"
ALAN = "@alan:example.org"
HOPPER = "@hopper:example.org"
ACCOUNT = AccountRef(Platform.MATRIX, ME)
ROOM = "!room:example.org"
TOKEN = "syt_secret_token_never_shown"

Answer = httpx.Response | Exception


def member(user_id: str, membership: str = "join", name: str | None = None) -> dict[str, object]:
    """An ``m.room.member`` state event."""
    content: dict[str, object] = {"membership": membership}
    if name is not None:
        content["displayname"] = name
    return {"type": "m.room.member", "state_key": user_id, "content": content}


def presence(user_id: str, state: str, **content: object) -> dict[str, object]:
    """An ``m.presence`` event."""
    return {"type": "m.presence", "sender": user_id, "content": {"presence": state, **content}}


def sync(
    batch: str, *, members: Sequence[object] = (), events: Sequence[object] = ()
) -> httpx.Response:
    """A ``/sync`` answer with ``next_batch``, members of ROOM and presence events."""
    body: dict[str, object] = {"next_batch": batch, "presence": {"events": list(events)}}
    if members:
        body["rooms"] = {"join": {ROOM: {"state": {"events": list(members)}}}}
    return httpx.Response(200, json=body)


def limited(retry_after_ms: int, headers: dict[str, str] | None = None) -> httpx.Response:
    """A 429 ``M_LIMIT_EXCEEDED``."""
    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": retry_after_ms}
    return httpx.Response(429, json=body, headers=headers)


@dataclass
class ScriptedHomeserver:
    """Answers ``/sync`` and ``PUT`` presence from queues, ``GET`` presence from a table.

    A ``/sync`` with nothing left in its queue waits (a long-poll with nothing new).
    """

    syncs: deque[Answer] = field(default_factory=deque)
    puts: deque[Answer] = field(default_factory=deque)
    presences: dict[str, Answer] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = unquote(request.url.path)
        if path.endswith("/sync"):
            if not self.syncs:
                await asyncio.Event().wait()
            return _answer(self.syncs.popleft(), request)
        if request.method == "PUT":
            return _answer(
                self.puts.popleft() if self.puts else httpx.Response(200, json={}), request
            )
        user_id = path.split("/presence/")[1].removesuffix("/status")
        default = httpx.Response(200, json={"presence": "online", "last_active_ago": 10})
        return _answer(self.presences.get(user_id, default), request)

    def sync_params(self) -> list[dict[str, str]]:
        """The query of every ``/sync`` asked for, in order."""
        return [dict(r.url.params) for r in self.requests if r.url.path.endswith("/sync")]


def _answer(answer: Answer, request: httpx.Request) -> httpx.Response:
    if isinstance(answer, Exception):
        raise answer
    answer.request = request
    return answer


@dataclass
class Scripted:
    """A client on a ManualClock talking to a :class:`ScriptedHomeserver`."""

    server: ScriptedHomeserver
    clock: ManualClock
    client: MatrixClient
    sink: RecordingSink

    async def run_until_waiting(self) -> asyncio.Task[None]:
        """Start ``run`` and let it go until it waits on a long-poll (or ends)."""
        task = asyncio.create_task(self.client.run(self.sink))
        for _ in range(200):
            await asyncio.sleep(0)
            if task.done() or (not self.server.syncs and _waiting_sync(self.server)):
                break
        return task

    def states(self) -> dict[str, PresenceState]:
        """The last state published for each user id."""
        return {value.identity.remote_id: value.state for value in self.sink.published}


def _waiting_sync(server: ScriptedHomeserver) -> bool:
    return bool(server.requests) and server.requests[-1].url.path.endswith("/sync")


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    """A client of ME, nothing scripted yet."""
    server = ScriptedHomeserver()
    clock = ManualClock()
    client = MatrixClient(
        ACCOUNT,
        homeserver="https://matrix.example.org",
        access_token=TOKEN,
        clock=clock,
        transport=httpx.MockTransport(server.handle),
    )
    yield Scripted(server, clock, client, RecordingSink())
    await client.aclose()


async def test_a_short_429_on_my_status_is_waited_out_and_sent_again(scripted: Scripted) -> None:
    scripted.server.puts.append(limited(1500))

    await scripted.client.set_own_status(OwnStatus(PresenceState.AWAY))

    assert scripted.clock.sleeps == [1.5]
    puts = [r for r in scripted.server.requests if r.method == "PUT"]
    assert [json.loads(r.content) for r in puts] == [{"presence": "unavailable"}] * 2


async def test_a_long_429_on_my_status_says_how_long_to_wait(scripted: Scripted) -> None:
    scripted.server.puts.append(limited(42_000))

    with pytest.raises(RateLimitedError) as caught:
        await scripted.client.set_own_status(OwnStatus(PresenceState.ONLINE))

    assert caught.value.retry_after == 42.0
    assert scripted.clock.sleeps == []


async def test_the_retry_after_header_wins_over_retry_after_ms(scripted: Scripted) -> None:
    scripted.server.puts.append(limited(1000, headers={"Retry-After": "30"}))

    with pytest.raises(RateLimitedError) as caught:
        await scripted.client.set_own_status(OwnStatus(PresenceState.ONLINE))

    assert caught.value.retry_after == 30.0


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(200, text="<html>captive portal</html>"),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
async def test_network_and_server_failures_are_transient(
    scripted: Scripted, failure: Answer
) -> None:
    scripted.server.syncs.append(failure)

    with pytest.raises(TransientError) as caught:
        await scripted.client.run(scripted.sink)

    assert str(caught.value).startswith("The homeserver matrix.example.org ")
    assert str(caught.value).endswith(" on the sync.")


async def test_an_unknown_token_is_an_auth_error_that_says_what_to_do(scripted: Scripted) -> None:
    body = {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}
    scripted.server.syncs.append(httpx.Response(401, json=body))

    with pytest.raises(AuthError) as caught:
        await scripted.client.run(scripted.sink)

    assert str(caught.value) == SIGNED_OUT
    assert caught.value.says_what_to_do
    assert TOKEN not in str(caught.value)


async def test_a_restart_resumes_from_the_last_sync_and_loses_no_change(
    scripted: Scripted,
) -> None:
    server = scripted.server
    server.syncs.extend(
        [
            sync("s1", members=[member(ME), member(GRACE, name="Grace")], events=[]),
            sync("s2", events=[presence(GRACE, "online")]),
            httpx.ConnectError("the network went away"),
        ]
    )
    with pytest.raises(TransientError):
        await scripted.client.run(scripted.sink)
    assert scripted.states() == {GRACE: PresenceState.ONLINE}

    server.syncs.append(sync("s3", events=[presence(GRACE, "unavailable")]))
    task = await scripted.run_until_waiting()
    await _stop(task)

    since = [params.get("since") for params in server.sync_params()]
    assert since == [None, "s1", "s2", "s2", "s3"]
    assert scripted.states() == {GRACE: PresenceState.IDLE}
    assert scripted.sink.calls.count("report_live") == 2


async def test_a_refused_sync_token_starts_over_with_a_full_sync(scripted: Scripted) -> None:
    server = scripted.server
    unknown_pos = {"errcode": "M_UNKNOWN_POS", "error": "Unknown position"}
    server.syncs.extend(
        [
            sync("s1", members=[member(ME), member(GRACE)]),
            httpx.Response(400, json=unknown_pos),
        ]
    )
    with pytest.raises(TransientError, match="Syncing again from the start"):
        await scripted.client.run(scripted.sink)

    server.syncs.append(sync("t1", events=[presence(GRACE, "online")]))
    task = await scripted.run_until_waiting()
    await _stop(task)

    since = [params.get("since") for params in server.sync_params()]
    assert since == [None, "s1", None, "t1"]
    assert scripted.states()[GRACE] is PresenceState.ONLINE


async def test_contacts_without_presence_in_the_sync_are_looked_up(scripted: Scripted) -> None:
    server = scripted.server
    people = [member(ME), member(GRACE), member(ALAN), member(HOPPER)]
    server.syncs.append(sync("s1", members=people))
    server.presences[GRACE] = httpx.Response(200, json={"presence": "unavailable"})
    forbidden = {"errcode": "M_FORBIDDEN", "error": "You are not allowed to see their presence."}
    server.presences[ALAN] = httpx.Response(403, json=forbidden)
    server.presences[HOPPER] = httpx.Response(404, json={"errcode": "M_NOT_FOUND"})

    task = await scripted.run_until_waiting()
    await _stop(task)

    assert {identity.key.remote_id for identity in scripted.sink.contacts} == {GRACE, ALAN, HOPPER}
    assert scripted.states() == {
        GRACE: PresenceState.IDLE,
        ALAN: PresenceState.UNKNOWN,
        HOPPER: PresenceState.UNKNOWN,
    }
    assert "report_live" in scripted.sink.calls


async def test_a_server_with_presence_off_is_degraded_and_everyone_unknown(
    scripted: Scripted,
) -> None:
    server = scripted.server
    server.syncs.append(sync("s1", members=[member(ME), member(GRACE)]))
    for user_id in (ME, GRACE):  # what Synapse answers with presence.enabled: false
        server.presences[user_id] = httpx.Response(200, json={"presence": "offline"})

    task = await scripted.run_until_waiting()
    await _stop(task)

    assert scripted.states() == {GRACE: PresenceState.UNKNOWN}
    assert scripted.sink.calls == [
        "replace_contacts",
        f"report_degraded: {PRESENCE_OFF}",
        "publish",
    ]


async def test_a_server_that_will_not_show_even_my_presence_is_degraded(
    scripted: Scripted,
) -> None:
    scripted.server.syncs.append(sync("s1", members=[member(ME), member(GRACE)]))
    scripted.server.presences[ME] = httpx.Response(403, json={"errcode": "M_FORBIDDEN"})

    task = await scripted.run_until_waiting()
    await _stop(task)

    assert scripted.sink.calls == [
        "replace_contacts",
        f"report_degraded: {PRESENCE_OFF}",
        "publish",
    ]
    assert scripted.states() == {GRACE: PresenceState.UNKNOWN}


async def test_presence_of_people_who_are_not_contacts_is_ignored(scripted: Scripted) -> None:
    stranger = "@stranger:example.org"
    scripted.server.syncs.append(
        sync("s1", members=[member(ME), member(GRACE)], events=[presence(stranger, "online")])
    )

    task = await scripted.run_until_waiting()
    await _stop(task)

    assert stranger not in scripted.states()


async def test_syncs_keep_my_chosen_presence(scripted: Scripted) -> None:
    scripted.server.syncs.append(sync("s1", members=[member(ME)]))
    await scripted.client.set_own_status(OwnStatus(PresenceState.BUSY, text="Writing"))

    task = await scripted.run_until_waiting()
    await _stop(task)

    assert {params["set_presence"] for params in scripted.server.sync_params()} == {"unavailable"}
    put = next(r for r in scripted.server.requests if r.method == "PUT")
    assert json.loads(put.content) == {"presence": "unavailable", "status_msg": "Writing"}


@pytest.mark.parametrize(
    ("settings", "secret"),
    [
        ({"homeserver": "https://matrix.example.org"}, "not json"),
        ({"homeserver": "https://matrix.example.org"}, '{"device_id": "D"}'),
        ({}, json.dumps({"access_token": TOKEN, "device_id": "D"})),
    ],
)
def test_client_for_refuses_an_unreadable_saved_sign_in(
    settings: dict[str, str], secret: str
) -> None:
    account = Account(ACCOUNT, "me", settings=settings)

    with pytest.raises(AuthError, match="Connect the Matrix account again in Settings") as caught:
        client_for(account, secret, clock=ManualClock())

    assert caught.value.says_what_to_do
    assert TOKEN not in str(caught.value)


async def test_a_contact_who_leaves_the_only_shared_room_is_no_longer_a_contact(
    scripted: Scripted,
) -> None:
    server = scripted.server
    server.syncs.append(sync("s1", members=[member(ME), member(GRACE), member(ALAN)]))
    server.syncs.append(sync("s2", members=[member(ALAN, "leave")]))

    task = await scripted.run_until_waiting()
    await _stop(task)

    assert [identity.key.remote_id for identity in scripted.sink.contacts] == [GRACE]
    assert scripted.sink.calls.count("replace_contacts") == 2  # once per change of contacts
