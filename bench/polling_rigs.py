"""The three polled platforms as the polling benchmark runs them: a fake, its people, a client.

Each rig builds the platform's test fake on the benchmark's shared clock (so the fake enforces
its documented rate limits on the compressed clock), fills it with the signed-in user and
``people`` colleagues, issues one long-lived access token, makes the platform's real client
pointed at the fake's address, and knows the two states a scripted change toggles a person
between, through the fake's own scenario methods:

- Slack: ``active`` (online) and a manual ``away`` (nobody goes idle by themselves: their last
  activity is set far ahead, so only scripted changes move them);
- Teams: ``Available`` and ``Busy``/``InAMeeting`` (busy);
- Zoom: ``Available`` and ``In_A_Meeting`` (busy).

Used by ``bench/polling.py``; nothing here measures anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from presence_tray.core.errors import AuthError
from presence_tray.core.identity import AccountRef, IdentityKey, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.slack.client import SlackClient
from presence_tray.platforms.teams.client import TeamsClient
from presence_tray.platforms.zoom.client import ZoomClient
from tests.servers.graph import COMES_BACK, GRAPH_PREFIX, JOINS_MEETING, GraphFake
from tests.servers.slack import API_PREFIX as SLACK_PREFIX
from tests.servers.slack import SlackWorkspaceFake
from tests.servers.zoom import API_PREFIX as ZOOM_PREFIX
from tests.servers.zoom import ZoomAccountFake, ZoomStatus

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

    from presence_tray.core.client import PlatformClient
    from presence_tray.core.clock import Clock
    from tests.servers.http_fake import FakeRequest, FakeResponse

TOKEN_LIFETIME_SECONDS = 400 * 24 * 3600.0
"""Longer than any run: the benchmark measures polling, not token renewal."""
AWAKE_FOR_SECONDS = 10 * 365 * 24 * 3600.0
"""How far ahead a Slack member's last activity is put, so Slack never makes them idle."""


class StaticToken:
    """The account's one access token, sent with every call (a TokenHolder without renewal).

    A refused token ends the run with an AuthError, as a revoked sign-in parks an account.
    """

    def __init__(self, token: str) -> None:
        """Send ``token``."""
        self._token = token

    async def call(
        self,
        send: Callable[[str], Awaitable[httpx.Response]],
        *,
        refused: Callable[[httpx.Response], bool] = lambda response: response.status_code == 401,
    ) -> httpx.Response:
        """Send with the token; an AuthError if the fake refuses it."""
        response = await send(self._token)
        if refused(response):
            msg = "The fake refused the benchmark's long-lived token."
            raise AuthError(msg)
        return response


class PlatformRig(Protocol):
    """One platform's fake with its people, and how to make its client and change someone."""

    platform: Platform
    people: list[str]
    """The remote ids of the monitored people (the signed-in user not among them)."""
    calm: PresenceState
    """What everyone shows at the start, and after every second change."""
    changed: PresenceState
    """What a person shows after every first change."""

    def handle(self, request: FakeRequest) -> FakeResponse:
        """The fake's HTTP handler."""
        ...

    def make_client(
        self, base_url: str, clock: Clock, is_priority: Callable[[IdentityKey], bool]
    ) -> PlatformClient:
        """The platform's real client, calling the fake at ``base_url`` (the server's URL)."""
        ...

    def change(self, remote_id: str, *, to_changed: bool) -> None:
        """Change the person's presence on the fake now (to ``changed``, or back to ``calm``)."""
        ...

    def forget_logs(self) -> None:
        """Drop the fake's own request logs (a day of requests would fill the memory)."""
        ...


def account_of(platform: Platform) -> AccountRef:
    """The benchmark's account on ``platform``."""
    return AccountRef(platform, f"bench-{platform.value}")


class _Fake(Protocol):
    def handle(self, request: FakeRequest) -> FakeResponse: ...


class _RigBase:
    """What the three rigs share: serving their fake, and making their client on it."""

    fake: _Fake
    token: str
    platform: Platform
    client_class: ClassVar[type[SlackClient | TeamsClient | ZoomClient]]
    api_path: ClassVar[str]
    """Where the fake's API lives on its server (the client's base URL after the address)."""

    def handle(self, request: FakeRequest) -> FakeResponse:
        """The fake's HTTP handler."""
        return self.fake.handle(request)

    def make_client(
        self, base_url: str, clock: Clock, is_priority: Callable[[IdentityKey], bool]
    ) -> PlatformClient:
        """The platform's real client on the fake served at ``base_url``."""
        return self.client_class(
            account_of(self.platform),
            tokens=StaticToken(self.token),
            clock=clock,
            is_priority=is_priority,
            base_url=base_url + self.api_path,
        )


@dataclass
class SlackRig(_RigBase):
    """A Slack workspace of ``people`` members and the signed-in user."""

    fake: SlackWorkspaceFake
    people: list[str]
    token: str
    platform: Platform = Platform.SLACK
    calm: PresenceState = PresenceState.ONLINE
    changed: PresenceState = PresenceState.AWAY
    client_class = SlackClient
    api_path = SLACK_PREFIX

    @classmethod
    def build(cls, people: int, clock: Clock) -> SlackRig:
        """The workspace on ``clock``."""
        fake = SlackWorkspaceFake(clock=clock.now)
        awake_until = clock.now() + AWAKE_FOR_SECONDS
        ids = [f"U{number:07d}" for number in range(people + 1)]
        for number, user_id in enumerate(ids):
            member = fake.add_person(user_id, f"member{number}", f"Member {number:04d}")
            member.last_activity = awake_until
        token = "FAKE-NOT-A-SECRET-slack-bench-token"  # noqa: S105 - a fake token for the fake
        fake.issue_token(token, ids[0], lifetime=TOKEN_LIFETIME_SECONDS)
        return cls(fake, ids[1:], token)

    def change(self, remote_id: str, *, to_changed: bool) -> None:
        """Away by hand, or back (without touching the last activity)."""
        if to_changed:
            self.fake.go_away(remote_id)
        else:
            self.fake.people[remote_id].manual_away = False

    def forget_logs(self) -> None:
        """Drop the answered-calls log."""
        self.fake.answered.clear()


@dataclass
class TeamsRig(_RigBase):
    """A Microsoft 365 tenant of ``people`` users and the signed-in user."""

    fake: GraphFake
    people: list[str]
    token: str
    platform: Platform = Platform.TEAMS
    calm: PresenceState = PresenceState.ONLINE
    changed: PresenceState = PresenceState.BUSY
    client_class = TeamsClient
    api_path = GRAPH_PREFIX

    @classmethod
    def build(cls, people: int, clock: Clock) -> TeamsRig:
        """The tenant on ``clock``."""
        fake = GraphFake(clock.now)
        ids = [fake.add_user(f"Colleague {number:04d}").id for number in range(people + 1)]
        token = fake.issue_token(ids[0], lifetime=TOKEN_LIFETIME_SECONDS)
        return cls(fake, ids[1:], token)

    def change(self, remote_id: str, *, to_changed: bool) -> None:
        """Into a meeting, or back."""
        self.fake.apply(remote_id, JOINS_MEETING if to_changed else COMES_BACK)

    def forget_logs(self) -> None:
        """The Graph fake keeps no log of its own."""


@dataclass
class ZoomRig(_RigBase):
    """A Zoom account of ``people`` company contacts and the signed-in user."""

    fake: ZoomAccountFake
    people: list[str]
    token: str
    platform: Platform = Platform.ZOOM
    calm: PresenceState = PresenceState.ONLINE
    changed: PresenceState = PresenceState.BUSY
    client_class = ZoomClient
    api_path = ZOOM_PREFIX + "/"

    @classmethod
    def build(cls, people: int, clock: Clock) -> ZoomRig:
        """The account on ``clock``."""
        fake = ZoomAccountFake(clock.now)
        ids = [fake.add_user("Colleague", f"No{number:04d}").id for number in range(people + 1)]
        token = fake.issue_token(ids[0], lifetime=TOKEN_LIFETIME_SECONDS).access_token
        return cls(fake, ids[1:], token)

    def change(self, remote_id: str, *, to_changed: bool) -> None:
        """Into a meeting, or available again."""
        status = ZoomStatus.IN_A_MEETING if to_changed else ZoomStatus.AVAILABLE
        self.fake.set_presence(remote_id, status)

    def forget_logs(self) -> None:
        """Drop the request-times log."""
        self.fake.request_times.clear()


RIGS: dict[str, Callable[[int, Clock], PlatformRig]] = {
    "slack": SlackRig.build,
    "teams": TeamsRig.build,
    "zoom": ZoomRig.build,
}
"""Each platform's rig, by the name the command line uses."""


def key_of(rig: PlatformRig, remote_id: str) -> IdentityKey:
    """The identity key of one monitored person of ``rig``."""
    return IdentityKey(rig.platform, account_of(rig.platform).account_id, remote_id)
