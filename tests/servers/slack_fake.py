"""A fake of Slack's Web API for an app-level token, served by a :class:`FakeHttpServer`.

Only ``POST /api/apps.connections.open`` for now, in Slack's documented shapes: success is
``{"ok": true, "url": "wss://…"}``; a refused token is HTTP 200 with
``{"ok": false, "error": "<code>"}``; rate limiting is HTTP 429 with ``Retry-After`` and
``{"ok": false, "error": "ratelimited"}``. ``api_base`` is ``<server url>/api``.
A whole workspace for user tokens (presence, DND, status) is :mod:`tests.servers.slack`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.servers.http_fake import FakeRequest, FakeResponse

API_PREFIX = "/api"


@dataclass
class SlackFake:
    """One Slack app with one valid app-level token; a bot token is refused by type."""

    app_token: str
    bot_token: str = "xoxb-FAKE-NOT-A-SECRET-bot"
    error_for_valid_token: str | None = None  # e.g. "missing_scope": refuse even the good one
    rate_limited_for: int | None = None  # seconds: answer every request with 429

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one Web API call as Slack would."""
        if self.rate_limited_for is not None:
            return FakeResponse(
                429,
                {"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(self.rate_limited_for)},
            )
        if (request.method, request.path) != ("POST", f"{API_PREFIX}/apps.connections.open"):
            return FakeResponse(404, b"", content_type="text/plain")
        return self._connections_open(request.headers.get("authorization", ""))

    def _connections_open(self, authorization: str) -> FakeResponse:
        if not authorization:
            return self._error("not_authed")
        if authorization == f"Bearer {self.bot_token}":
            return self._error("not_allowed_token_type")
        if authorization != f"Bearer {self.app_token}":
            return self._error("invalid_auth")
        if self.error_for_valid_token is not None:
            return self._error(self.error_for_valid_token)
        return FakeResponse(
            200, {"ok": True, "url": "wss://wss-primary.slack.com/link/?ticket=fake-ticket"}
        )

    @staticmethod
    def _error(code: str) -> FakeResponse:
        return FakeResponse(200, {"ok": False, "error": code})
