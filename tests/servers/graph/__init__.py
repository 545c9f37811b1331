"""A fake Microsoft Graph tenant for Teams presence, over real HTTP (see :mod:`.tenant`).

Serve :meth:`GraphFake.handle` with :class:`tests.servers.http_fake.FakeHttpServer`; the API
base is ``<server url>/v1.0`` and the token endpoint ``<server url>/<tenant>/oauth2/v2.0/token``.
Give it the ``now`` of a :class:`presence_tray.core.clock.ManualClock` to run an hour at once.
"""

from tests.servers.graph.model import (
    COMES_BACK,
    GOES_AWAY,
    GOES_DO_NOT_DISTURB,
    GOES_OFFLINE,
    JOINS_CALL,
    JOINS_MEETING,
    PRESENTS,
    Fault,
    GraphUser,
    OutOfOffice,
    PresenceChange,
    ScenarioStep,
    sets_out_of_office,
)
from tests.servers.graph.oauth import SignIn
from tests.servers.graph.tenant import (
    GRAPH_PREFIX,
    MAX_IDS_PER_PRESENCE_REQUEST,
    SLOW_ANSWER_SECONDS,
    TOKEN_LIFETIME_SECONDS,
    GraphFake,
)

__all__ = [
    "COMES_BACK",
    "GOES_AWAY",
    "GOES_DO_NOT_DISTURB",
    "GOES_OFFLINE",
    "GRAPH_PREFIX",
    "JOINS_CALL",
    "JOINS_MEETING",
    "MAX_IDS_PER_PRESENCE_REQUEST",
    "PRESENTS",
    "SLOW_ANSWER_SECONDS",
    "TOKEN_LIFETIME_SECONDS",
    "Fault",
    "GraphFake",
    "GraphUser",
    "OutOfOffice",
    "PresenceChange",
    "ScenarioStep",
    "SignIn",
    "sets_out_of_office",
]
