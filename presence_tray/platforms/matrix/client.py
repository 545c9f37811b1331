"""The Matrix client: contacts and presence pushed over ``/sync``, and my own presence.

With the saved access token, against the homeserver's client-server API
(platform-apis.md §7):

1. ``GET /sync`` with a filter for presence, room membership and ``m.direct`` only
   (:data:`~.rooms.SYNC_FILTER`), long-polling :data:`SYNC_TIMEOUT_SECONDS` at a time, with
   ``set_presence`` set to my chosen presence (syncing is what keeps me online: Synapse drops
   a presence nobody syncs to offline after about 30 s). The ``since`` token is kept across
   restarts, so after a dropped connection the next sync picks up every change since;
2. contacts are the members of my direct rooms and of my shared rooms (:mod:`.rooms`), me
   left out, added as they appear and removed when we share no room any more;
3. ``m.presence`` events are normalised and published; a contact the syncs have said nothing
   about is looked up with ``GET /presence/{userId}/status``, at most
   :data:`LOOKUPS_PER_SYNC` per sync (one the server will not show is published as unknown);
4. once connected, my own presence is read back: a server with presence turned off answers a
   bare ``offline`` (Synapse) although I am syncing online. That is reported as degraded, not
   as a failure: contacts still work, the account needs no action from the user, and only the
   server's admin can turn presence on; everyone's presence is then published as unknown;
5. ``PUT /presence/{me}/status`` sets my presence (:mod:`.own_status`); a 429 asking to wait
   a few seconds is waited out once, a longer one is passed on as RateLimitedError.

Failures (:mod:`.api`): a signed-out session is an AuthError (needs reconnect); the network
and 5xx are TransientErrors, for the supervisor to restart the client with back-off. A sync
token the server refuses (a 4xx) is dropped: the restarted client does a full sync again.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from presence_tray.core.errors import RateLimitedError, TransientError
from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import PresenceSource
from presence_tray.platforms.matrix import CAPABILITIES
from presence_tray.platforms.matrix.api import (
    REQUEST_TIMEOUT_SECONDS,
    MatrixApi,
    MatrixRefusedError,
    MatrixSignInError,
)
from presence_tray.platforms.matrix.normalise import (
    PRESENCE_EVENT_TYPE,
    normalise_matrix_presence,
)
from presence_tray.platforms.matrix.own_status import OFFLINE, ONLINE, presence_body
from presence_tray.platforms.matrix.rooms import (
    SYNC_FILTER,
    RoomDirectory,
    contact_identity,
)
from presence_tray.platforms.vocabulary import unknown_presence
from presence_tray.platforms.wire import as_list, get_str, get_value

if TYPE_CHECKING:
    import random

    import httpx

    from presence_tray.core.client import Capabilities, OwnStatus, PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import AccountRef
    from presence_tray.core.preferences import Account

_log = logging.getLogger(__name__)

SYNC_TIMEOUT_SECONDS: Final = 30.0
"""How long the homeserver may hold one ``/sync`` open waiting for something new."""
LOOKUPS_PER_SYNC: Final = 50
"""Contacts whose presence is looked up one by one after a sync, at most."""
STATUS_RETRY_WAIT_SECONDS: Final = 5.0
"""A 429 on my status asking to wait at most this long is waited out, then sent again."""
PRESENCE_OFF: Final = (
    "This homeserver has presence turned off, so no one's presence is shared (contacts "
    "still are). Only the server's admin can turn it on."
)
SIGN_IN_UNREADABLE: Final = (
    "The saved Matrix sign-in could not be read. Connect the Matrix account again in Settings."
)


class MatrixClient:
    """One Matrix account: live presence of its contacts over ``/sync``, and my presence."""

    def __init__(
        self,
        account: AccountRef,
        *,
        homeserver: str,
        access_token: str,
        clock: Clock,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        sync_timeout: float = SYNC_TIMEOUT_SECONDS,
    ) -> None:
        """A client for ``account`` (its id is my user id) on ``homeserver`` (base URL);
        ``transport`` and the timeouts are for tests. ``rng`` is unused: the homeserver
        needs no jitter of ours (kept for the live clients' common signature)."""
        del rng
        self._account = account
        self._me = account.account_id
        self._clock = clock
        self._sync_timeout = sync_timeout
        self._api = MatrixApi(
            homeserver, access_token, clock=clock, transport=transport, timeout=timeout
        )
        self._since: str | None = None
        self._rooms = RoomDirectory(self._me)
        self._contacts: set[str] = set()
        self._contacts_listed = False
        """The contacts went to the sink at least once (the first sync's are complete)."""
        self._heard: set[str] = set()
        """Contacts whose presence a sync or a lookup has told."""
        self._sync_presence = ONLINE
        self._presence_off = False

    @property
    def account(self) -> AccountRef:
        """The account this client serves."""
        return self._account

    @property
    def capabilities(self) -> Capabilities:
        """What a Matrix client can do."""
        return CAPABILITIES

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._api.aclose()

    async def run(self, sink: PresenceSink) -> None:
        """Sync contacts and presence until cancelled (resuming from the last sync token)."""
        await self._sync_once(sink, wait=0.0)
        await self._report_health(sink)
        while True:
            await self._look_up_unheard(sink)
            await self._sync_once(sink, wait=self._sync_timeout)

    async def set_own_status(self, status: OwnStatus) -> None:
        """Set my Matrix presence (see :mod:`.own_status`); raise a core error kind on failure."""
        body = presence_body(status)
        path = f"/presence/{quote(self._me, safe='')}/status"
        # Syncs send the new presence from now: the update wakes the running long-poll (my
        # own presence changed), and the next sync may start before this call returns.
        previous, self._sync_presence = self._sync_presence, body["presence"]
        try:
            await self._put_presence(path, body)
        except BaseException:
            self._sync_presence = previous
            raise

    async def _put_presence(self, path: str, body: dict[str, str]) -> None:
        try:
            await self._api.call("presence update", "PUT", path, json_body=body)
        except RateLimitedError as err:
            if err.retry_after > STATUS_RETRY_WAIT_SECONDS:
                raise
            _log.info("%s: presence update rate limited; again in %.1f s", self, err.retry_after)
            await self._clock.sleep(err.retry_after)
            await self._api.call("presence update", "PUT", path, json_body=body)

    def __str__(self) -> str:
        return str(self._account)

    # -- syncing -------------------------------------------------------------------------

    async def _sync_once(self, sink: PresenceSink, *, wait: float) -> None:
        params = {
            "filter": json.dumps(SYNC_FILTER, separators=(",", ":")),
            "timeout": str(round(wait * 1000)),
            "set_presence": self._sync_presence,
        }
        if self._since is not None:
            params["since"] = self._since
        try:
            answer = await self._api.call("sync", "GET", "/sync", params=params, extra_wait=wait)
        except MatrixRefusedError as err:
            if self._since is None:
                raise
            # A sync token the server no longer knows (a reset, another server behind the
            # address): start over with a full sync, which tells everything again.
            self._since = None
            msg = f"{err} Syncing again from the start."
            raise TransientError(msg) from err
        self._rooms.apply(answer)
        self._follow_contacts(sink)
        self._publish_presence(sink, answer)
        next_batch = get_str(answer, "next_batch")
        if next_batch:
            self._since = next_batch

    def _follow_contacts(self, sink: PresenceSink) -> None:
        """Make the people I share a room with now my contacts: newcomers are added, and
        people who left (or whose rooms I left) are no longer contacts."""
        found = self._rooms.contacts()
        if self._contacts_listed and found.keys() == self._contacts:
            return
        sink.replace_contacts(contact_identity(self._account, user, found[user]) for user in found)
        new = found.keys() - self._contacts
        self._contacts = set(found)
        self._heard &= self._contacts
        self._contacts_listed = True
        _log.info("%s: %d new Matrix contacts (%d in all)", self, len(new), len(self._contacts))

    def _publish_presence(self, sink: PresenceSink, answer: object) -> None:
        now = self._clock.now()
        for event in as_list(get_value(answer, "presence", "events")) or []:
            sender = get_str(event, "sender")
            if get_str(event, "type") != PRESENCE_EVENT_TYPE or sender not in self._contacts:
                continue
            self._heard.add(sender)
            if not self._presence_off:
                sink.publish(normalise_matrix_presence(self._key(sender), event, observed_at=now))

    async def _look_up_unheard(self, sink: PresenceSink) -> None:
        unheard = sorted(self._contacts - self._heard)[:LOOKUPS_PER_SYNC]
        for user_id in unheard:
            key = self._key(user_id)
            if self._presence_off:
                sink.publish(unknown_presence(key, self._clock.now(), PresenceSource.PUSH))
                self._heard.add(user_id)
                continue
            try:
                answer = await self._presence_of(user_id)
            except MatrixRefusedError as err:  # 403 or 404: not shown to me
                _log.info("%s: no presence shown for a contact (HTTP %d)", self, err.status)
                sink.publish(unknown_presence(key, self._clock.now(), PresenceSource.PUSH))
            except RateLimitedError:
                _log.info("%s: presence lookups rate limited; the rest after the next sync", self)
                return
            else:
                sink.publish(normalise_matrix_presence(key, answer, observed_at=self._clock.now()))
            self._heard.add(user_id)

    async def _report_health(self, sink: PresenceSink) -> None:
        """Live, or degraded when the server has presence turned off (see the module text)."""
        if self._sync_presence != OFFLINE and not self._presence_off:
            try:
                mine = await self._presence_of(self._me)
            except MatrixRefusedError:  # not even my own: other servers' way to say it
                mine = {"presence": OFFLINE}
            self._presence_off = mine == {"presence": OFFLINE}
            if self._presence_off:
                _log.info("%s: the homeserver has presence turned off", self)
                self._heard.clear()  # so every contact is published as unknown
        if self._presence_off:
            sink.report_degraded(PRESENCE_OFF)
        else:
            sink.report_live()

    async def _presence_of(self, user_id: str) -> dict[str, object]:
        path = f"/presence/{quote(user_id, safe='')}/status"
        return await self._api.call("presence lookup", "GET", path)

    def _key(self, user_id: str) -> IdentityKey:
        return IdentityKey(Platform.MATRIX, self._account.account_id, user_id)


def client_for(
    account: Account, secret: str, *, clock: Clock, api_base: str | None = None
) -> MatrixClient:
    """The client of a saved Matrix account, from its settings and its main secret.

    ``secret`` is the JSON ``{"access_token", "device_id"}`` the sign-in saved
    (:mod:`presence_tray.accounts.matrix_login`); the homeserver is in the settings, unless
    ``api_base`` names another (the end-to-end tests' seam). An unreadable secret or a
    missing homeserver is an AuthError: the account must be connected again.
    """
    try:
        saved = json.loads(secret)
    except ValueError:
        saved = None
    token = get_str(saved, "access_token")
    homeserver = api_base or account.settings.get("homeserver", "")
    if not token or not homeserver.startswith(("https://", "http://")):
        raise MatrixSignInError(SIGN_IN_UNREADABLE)
    return MatrixClient(account.ref, homeserver=homeserver, access_token=token, clock=clock)


__all__ = ["SYNC_TIMEOUT_SECONDS", "MatrixClient", "client_for"]
