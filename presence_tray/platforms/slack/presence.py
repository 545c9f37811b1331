"""Reading people's Slack presence: one ``users.getPresence`` each, DND fifty at a time.

``users.getPresence`` takes one person per call (Tier 3), so it is the scarce budget the poll
rota spends. Do-not-disturb comes from ``dnd.teamInfo`` for up to 50 people per call (Tier 2):
when someone about to be asked has DND information older than the polling interval, one call
renews it for them and for the 49 people whose information is oldest, and only if that budget
has room now; otherwise their last known DND is used, so DND never slows presence down. The
custom status comes from the profiles ``users.list`` brought (see :mod:`.contacts`).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Final

from presence_tray.core.presence import PresenceSource
from presence_tray.platforms.slack.normalise import normalise_slack_presence
from presence_tray.platforms.slack.web_api import SlackRefusalError
from presence_tray.platforms.vocabulary import unknown_presence
from presence_tray.platforms.wire import get_mapping

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from presence_tray.core.client import PresenceSink
    from presence_tray.core.clock import Clock
    from presence_tray.core.identity import IdentityKey
    from presence_tray.core.presence import PlatformPresence
    from presence_tray.platforms.slack.web_api import SlackWebApi

_log = logging.getLogger(__name__)

DND_TEAM_INFO_MAX_USERS: Final = 50
"""``dnd.teamInfo`` takes at most 50 users per call (platform-apis.md §2.2)."""
CANNOT_TELL_ERRORS: Final = frozenset({"user_not_found", "user_not_visible"})
"""Refusals about one person: they are shown as unknown, the rest carry on."""


class SlackPresenceReader:
    """Asks Slack about people and publishes what it says, normalised."""

    def __init__(self, api: SlackWebApi, clock: Clock, *, dnd_max_age: float) -> None:
        """Read through ``api``; DND information is renewed once older than ``dnd_max_age``."""
        self._api = api
        self._clock = clock
        self.dnd_max_age = dnd_max_age
        self._profiles: dict[IdentityKey, Mapping[str, object]] = {}
        self._dnd: dict[IdentityKey, Mapping[str, object]] = {}
        self._dnd_read_at: dict[IdentityKey, float] = {}

    def set_people(self, profiles: Mapping[IdentityKey, Mapping[str, object]]) -> None:
        """The people to know about, with their latest profile (custom status, huddle)."""
        self._profiles = dict(profiles)
        self._dnd_read_at = {key: self._dnd_read_at.get(key, -math.inf) for key in profiles}
        self._dnd = {key: dnd for key, dnd in self._dnd.items() if key in profiles}

    async def fetch(self, keys: Sequence[IdentityKey], sink: PresenceSink) -> None:
        """Ask about ``keys`` one call each and publish every answer to ``sink``."""
        await self._renew_dnd_if_room(keys)
        for key in keys:
            sink.publish(await self._presence_of(key))

    async def _presence_of(self, key: IdentityKey) -> PlatformPresence:
        try:
            answer = await self._api.read("users.getPresence", user=key.remote_id)
        except SlackRefusalError as err:
            if err.code not in CANNOT_TELL_ERRORS:
                raise
            _log.info("Slack cannot tell the presence of one contact (%s)", err.code)
            return unknown_presence(key, self._clock.now(), PresenceSource.POLL)
        return normalise_slack_presence(
            key,
            answer,
            observed_at=self._clock.now(),
            dnd=self._dnd.get(key),
            profile=self._profiles.get(key),
        )

    async def _renew_dnd_if_room(self, keys: Iterable[IdentityKey]) -> None:
        oldest_allowed = self._clock.now() - self.dnd_max_age
        read_at = self._dnd_read_at
        wanted = [key for key in keys if read_at.get(key, math.inf) <= oldest_allowed]
        budget = self._api.endpoints["dnd.teamInfo"].budget
        if not wanted or budget.wait_time() > 0:
            return
        others = sorted((key for key in read_at if key not in wanted), key=read_at.__getitem__)
        batch = [*wanted, *others][:DND_TEAM_INFO_MAX_USERS]
        try:
            answer = await self._api.read(
                "dnd.teamInfo", users=",".join(key.remote_id for key in batch)
            )
        except SlackRefusalError as err:
            if err.code not in CANNOT_TELL_ERRORS:
                raise
            _log.info("Slack refused the DND of %d contacts (%s)", len(batch), err.code)
            answer = {}
        now = self._clock.now()
        users = get_mapping(answer, "users") or {}
        for key in batch:
            read_at[key] = now
            entry = get_mapping(users, key.remote_id)
            if entry is None:
                self._dnd.pop(key, None)
            else:
                self._dnd[key] = entry
