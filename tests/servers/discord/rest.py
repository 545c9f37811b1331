"""Discord's REST API for a bot, beside the fake gateway: the token check's routes and more.

Extends :class:`tests.servers.discord_fake.DiscordFake` (the accounts tests' fake) with what a
running client reads: ``GET /gateway/bot`` (the gateway URL and ``session_start_limit``),
``GET /users/@me/guilds``, ``GET /guilds/{id}/members`` (paged with ``limit`` and ``after``,
403 without the Server Members intent), and ``GET /oauth2/applications/@me`` (``discord.py``
reads it). Every answer carries the ``X-RateLimit-*`` headers (``bucket_remaining`` 0 says a
route's bucket is spent); ``rate_limit_next`` answers that many of the following requests
with 429 and Discord's body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.servers.discord_fake import API_PREFIX, DiscordFake
from tests.servers.http_fake import FakeResponse

if TYPE_CHECKING:
    from tests.servers.discord.gateway import FakeGateway
    from tests.servers.http_fake import FakeRequest


@dataclass
class DiscordRestFake(DiscordFake):
    """The REST side of the fake Discord; reads guilds and members from ``gateway``."""

    gateway: FakeGateway | None = None
    members_intent_enabled: bool = True
    rate_limit_next: int = 0
    retry_after: float = 1.5
    identifies_remaining: int = 1000
    bucket_remaining: int = 4
    """``X-RateLimit-Remaining`` of every answer (0: the route's bucket is spent)."""
    bucket_reset_after: float = 1.0
    answered: list[str] = field(default_factory=list)

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one REST request as Discord would."""
        route = request.path.removeprefix(API_PREFIX)
        self.answered.append(route)
        if self.rate_limit_next > 0 and request.headers.get("authorization") == self._auth:
            self.rate_limit_next -= 1
            return self._rate_limited(self.retry_after)
        response = self._guild_route(request, route) or super().handle(request)
        headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(self.bucket_remaining),
            "X-RateLimit-Reset-After": f"{self.bucket_reset_after:.3f}",
            "X-RateLimit-Bucket": "fake-bucket",
            **response.headers,
        }
        return FakeResponse(response.status, response.body, headers, response.content_type)

    @property
    def _auth(self) -> str:
        return f"Bot {self.token}"

    def _guild_route(self, request: FakeRequest, route: str) -> FakeResponse | None:
        if self.gateway is None or request.headers.get("authorization") != self._auth:
            return None
        if route == "/gateway/bot":
            limit = {
                "total": 1000,
                "remaining": self.identifies_remaining,
                "reset_after": 3_600_000,
                "max_concurrency": 1,
            }
            return FakeResponse(
                200, {"url": self.gateway.url, "shards": 1, "session_start_limit": limit}
            )
        if route == "/oauth2/applications/@me":
            owner = {**self._bot_user(), "id": "1100000000000000001", "username": "owner"}
            application = {**self._application(), "owner": owner, "verify_key": "0" * 64}
            return FakeResponse(200, application)
        if route == "/users/@me/guilds":
            guilds = [
                {"id": g.guild_id, "name": g.name, "icon": None, "owner": False}
                for g in self.gateway.guilds.values()
            ]
            return FakeResponse(200, guilds)
        parts = route.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "guilds" and parts[2] == "members":
            return self._members(request, parts[1])
        return None

    def _members(self, request: FakeRequest, guild_id: str) -> FakeResponse:
        assert self.gateway is not None
        guild = self.gateway.guilds.get(guild_id)
        if guild is None:
            return FakeResponse(404, {"message": "Unknown Guild", "code": 10004})
        if not self.members_intent_enabled:
            return FakeResponse(403, {"message": "Missing Access", "code": 50001})
        limit = int(request.query.get("limit", ["1"])[0])
        after = int(request.query.get("after", ["0"])[0])
        ordered = sorted(guild.members.items(), key=lambda item: int(item[0]))
        page = [body for user_id, body in ordered if int(user_id) > after][:limit]
        return FakeResponse(200, page)
