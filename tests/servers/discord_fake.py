"""A fake of Discord's REST API for one bot, served by a :class:`FakeHttpServer`.

Only what the bot-token check reads, in Discord's documented shapes: ``GET /users/@me`` (the
bot's user object), ``GET /applications/@me`` (the application object; its ``flags`` carry
the presence intent), the 401 body ``{"message": "401: Unauthorized", "code": 0}`` for a wrong
token, and a 429 with ``retry_after`` and the ``X-RateLimit-*`` headers when asked to. Paths
are under ``/api/v10`` like Discord's, so ``api_base`` is ``<server url>/api/v10``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.servers.http_fake import FakeRequest, FakeResponse

API_PREFIX = "/api/v10"
GATEWAY_PRESENCE = 1 << 12
GATEWAY_PRESENCE_LIMITED = 1 << 13
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15  # another intent flag: not the presence one


@dataclass
class DiscordFake:
    """One bot application. Change the attributes between requests to script the answers."""

    token: str
    bot_id: str = "1180000000000000001"
    bot_name: str = "PresenceBot"
    application_id: str = "1180000000000000002"
    application_flags: int = GATEWAY_PRESENCE_LIMITED
    rate_limited_for: float | None = None  # seconds: answer every request with 429
    user_is_bot: bool = True
    outage: bool = False  # answer every request with 502, as Discord's edge does in an outage

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one REST request as Discord would."""
        if self.outage:
            return FakeResponse(502, b"<html>502 Bad Gateway</html>", content_type="text/html")
        if self.rate_limited_for is not None:
            return self._rate_limited(self.rate_limited_for)
        if request.headers.get("authorization") != f"Bot {self.token}":
            return FakeResponse(401, {"message": "401: Unauthorized", "code": 0})
        route = (request.method, request.path.removeprefix(API_PREFIX))
        if route == ("GET", "/users/@me"):
            return FakeResponse(200, self._bot_user())
        if route == ("GET", "/applications/@me"):
            return FakeResponse(200, self._application())
        return FakeResponse(404, {"message": "404: Not Found", "code": 0})

    def _bot_user(self) -> dict[str, object]:
        return {
            "id": self.bot_id,
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": self.user_is_bot,
            "verified": True,
            "flags": 0,
            "mfa_enabled": False,
        }

    def _application(self) -> dict[str, object]:
        return {
            "id": self.application_id,
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "flags": self.application_flags,
            "bot": self._bot_user(),
        }

    @staticmethod
    def _rate_limited(retry_after: float) -> FakeResponse:
        return FakeResponse(
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            headers={
                "Retry-After": str(int(retry_after) + 1),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "1767225600.000",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": "fake-bucket-users-me",
                "X-RateLimit-Scope": "user",
            },
        )
