"""A fake Zoom account speaking the REST API over real HTTP (see :mod:`.account`).

Serve :meth:`ZoomAccountFake.handle` with :class:`tests.servers.http_fake.FakeHttpServer`; the
API base is ``<server url>/v2`` and the OAuth token endpoint ``<server url>/oauth/token``. Give
it the ``now`` of a :class:`presence_tray.core.clock.ManualClock` to run a minute at once.
"""

from tests.servers.zoom.account import (
    API_PREFIX,
    CLIENT_ID,
    MAX_PAGE_SIZE,
    ScenarioStep,
    StatusUpdate,
    ZoomAccountFake,
)
from tests.servers.zoom.errors import (
    INVALID_ACCESS_TOKEN,
    NOT_SIGNED_IN_TO_CLIENT,
    STATUS_UPDATE_FAILED,
    USER_NOT_FOUND,
)
from tests.servers.zoom.faults import (
    DroppedConnection,
    Fault,
    MalformedJson,
    RateLimited,
    ServerError,
    SlowAnswer,
)
from tests.servers.zoom.oauth import TOKEN_PATH, IssuedTokens
from tests.servers.zoom.people import ZoomStatus, ZoomUser
from tests.servers.zoom.rate_limits import PRO_PLAN, Label

__all__ = [
    "API_PREFIX",
    "CLIENT_ID",
    "INVALID_ACCESS_TOKEN",
    "MAX_PAGE_SIZE",
    "NOT_SIGNED_IN_TO_CLIENT",
    "PRO_PLAN",
    "STATUS_UPDATE_FAILED",
    "TOKEN_PATH",
    "USER_NOT_FOUND",
    "DroppedConnection",
    "Fault",
    "IssuedTokens",
    "Label",
    "MalformedJson",
    "RateLimited",
    "ScenarioStep",
    "ServerError",
    "SlowAnswer",
    "StatusUpdate",
    "ZoomAccountFake",
    "ZoomStatus",
    "ZoomUser",
]
