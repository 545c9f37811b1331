"""A fake Slack workspace speaking the Web API over real HTTP (see :mod:`.workspace`).

Serve :meth:`SlackWorkspaceFake.handle` with :class:`tests.servers.http_fake.FakeHttpServer`;
the API base is ``<server url>/api/`` (``slack_sdk``'s ``base_url``). The app-level-token fake
used by the Socket Mode token check stays in :mod:`tests.servers.slack_fake`. Give it the
``now`` of a :class:`presence_tray.core.clock.ManualClock` to run a minute or an hour at once.
"""

from tests.servers.slack.faults import (
    DroppedConnection,
    Fault,
    MalformedJson,
    Refusal,
    ServerError,
    SlowAnswer,
)
from tests.servers.slack.people import SlackPerson
from tests.servers.slack.rate_limits import METHOD_TIERS, TIER_CALLS_PER_MINUTE
from tests.servers.slack.tokens import CLIENT_ID
from tests.servers.slack.workspace import API_PREFIX, TOKEN_METHOD, AnsweredCall, SlackWorkspaceFake

__all__ = [
    "API_PREFIX",
    "CLIENT_ID",
    "METHOD_TIERS",
    "TIER_CALLS_PER_MINUTE",
    "TOKEN_METHOD",
    "AnsweredCall",
    "DroppedConnection",
    "Fault",
    "MalformedJson",
    "Refusal",
    "ServerError",
    "SlackPerson",
    "SlackWorkspaceFake",
    "SlowAnswer",
]
