"""Who the user looks at or cares most about, for the pollers to ask about first.

Slack, Teams and Zoom are polled within rate limits, so not everyone can be fresh at once.
:class:`Attention` answers :class:`~presence_tray.core.polling.PollRota`'s question "does this
identity matter more?": yes when its person is a favourite or is shown in the contacts window
right now. Identities are matched through the hub, so a person's linked accounts all matter
together, and links made or undone by the user count at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from collections.abc import Set as AbstractSet

    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import IdentityKey


class Attention:
    """The people the user looks at (visible in the contacts window) or cares most about
    (favourites)."""

    def __init__(self, hub: PresenceHub, favourites: Callable[[], AbstractSet[str]]) -> None:
        """Match identities to people through ``hub``; ``favourites`` returns the favourite
        person ids and is asked on every question, so it should hand back a set it holds
        (as ``PeopleService.favourites`` does), not build one."""
        self._hub = hub
        self._favourites = favourites
        self._visible: frozenset[str] = frozenset()

    def show(self, person_ids: Iterable[str]) -> None:
        """The people now visible in the contacts window (nothing when it is hidden)."""
        self._visible = frozenset(person_ids)

    def visible(self) -> frozenset[str]:
        """The people last reported visible."""
        return self._visible

    def is_favourite(self, person_id: str) -> bool:
        """Whether the person is one of the user's favourites."""
        return person_id in self._favourites()

    def is_priority(self, key: IdentityKey) -> bool:
        """Whether the identity's person is a favourite or visible (False for an identity the
        hub does not know).

        Called for every due member each time a poll rota sorts, so it builds nothing: two
        set lookups and one call.
        """
        person = self._hub.person_of(key)
        if person is None:
            return False
        person_id = person.person_id
        return person_id in self._visible or person_id in self._favourites()
