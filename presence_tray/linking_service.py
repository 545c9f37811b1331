"""Linking identities into people in the running app.

The user's choices (link two people, unlink an identity, "never link" two identities, add a
LinkedIn profile or a WhatsApp number to a person by hand, remove one again) apply to the hub
at once and are saved through the store on a worker thread, one after another in
the order they were made. Without a store they last for this run, and the answer says so; a
save that fails is logged and told to the user in a sentence, and the app goes on.
"""

from __future__ import annotations

import asyncio
import logging
from operator import methodcaller
from typing import TYPE_CHECKING, Protocol

from presence_tray.background_saves import BackgroundSaves
from presence_tray.core.added_identities import added_identity, is_added_by_hand, what_is_added
from presence_tray.core.clock import SystemClock
from presence_tray.core.identity import Identity, Platform
from presence_tray.core.linking import plan_merge, suggest_links
from presence_tray.platforms.linkedin.normalise import normalise_linkedin_presence
from presence_tray.platforms.whatsapp.normalise import normalise_whatsapp_presence
from presence_tray.storage.database import StorageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import IdentityKey, Person
    from presence_tray.core.linking import LinkSuggestion, Merge
    from presence_tray.core.presence import PlatformPresence

_log = logging.getLogger(__name__)

NOT_REMEMBERED = "Presence Tray has no saved data in this run, so this lasts only until it quits."
GONE = "That person is no longer in the list; nothing was changed."

_WHAT_IT_SHARES: dict[Platform, Callable[..., PlatformPresence]] = {
    Platform.LINKEDIN: normalise_linkedin_presence,
    Platform.WHATSAPP: normalise_whatsapp_presence,
}
"""The value of an identity added by hand: its platform's "does not share presence"."""


class LinkStore(Protocol):
    """Where links are remembered (``PeopleRepository``); blocking calls, run off the loop."""

    def link(self, key: IdentityKey, person_id: str, display_name: str) -> None:
        """Remember that ``key`` belongs to ``person_id``."""

    def unlink(self, key: IdentityKey) -> None:
        """Remember that ``key`` is a person of its own."""

    def never_link(self, a: IdentityKey, b: IdentityKey) -> None:
        """Remember that ``a`` and ``b`` are not one person."""

    def never_links(self) -> frozenset[frozenset[IdentityKey]]:
        """Every remembered "never link" pair."""

    def save_identities(self, identities: Iterable[Identity]) -> None:
        """Remember identities (one added by hand), each with its person."""

    def forget_identity(self, key: IdentityKey) -> None:
        """Forget one identity (added by hand) and everything kept about it."""


class LinkingService:
    """Suggestions and the user's linking choices, applied to the hub and saved."""

    def __init__(
        self,
        hub: PresenceHub,
        store: LinkStore | None,
        *,
        clock: Clock | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        """Work on ``hub``; save through ``store`` (None: nothing is remembered after this run).

        ``clock`` is the hub's (the real one by default); ``on_problem`` receives a sentence
        for the user when saving fails.
        """
        self._hub = hub
        self._clock = clock or SystemClock()
        self._store = store
        self._never: set[frozenset[IdentityKey]] = set()
        self._saves: BackgroundSaves[LinkStore] = BackgroundSaves(store, on_problem)

    @property
    def remembered(self) -> bool:
        """Whether choices outlive this run (there is a store)."""
        return self._store is not None

    async def load(self) -> None:
        """Read the remembered "never link" pairs, and give the identities added by hand their
        platform's value (call once, after the saved data is loaded)."""
        for person in self._hub.people():
            for key in person.identities:
                if is_added_by_hand(key):
                    self._tell_limit(key)
        self._hub.flush()
        if self._store is None:
            return
        try:
            pairs = await asyncio.to_thread(self._store.never_links)
        except StorageError as err:
            self._saves.problem(
                f"Presence Tray could not read which people you keep apart ({err}). "
                "Suggestions may include people you said are not the same."
            )
            return
        self._never.update(pairs)

    # -- queries ---------------------------------------------------------------------------

    def suggestions(self) -> list[LinkSuggestion]:
        """People who may be one, strongest reason first, leaving out what the user refused."""
        return suggest_links(self._hub.people(), self._hub.identity, self._never)

    def people(self) -> list[Person]:
        """Everyone, for choosing whom to link with."""
        return self._hub.people()

    def person(self, person_id: str) -> Person | None:
        """One person, or None when they are gone."""
        return self._hub.person(person_id)

    # -- choices ---------------------------------------------------------------------------

    def link(self, first_person_id: str, second_person_id: str) -> str:
        """Make two people one; returns what happened, in a sentence.

        ``first`` keeps their id and name unless only ``second`` has a real one (see
        :func:`~presence_tray.core.linking.plan_merge`).
        """
        first = self._hub.person(first_person_id)
        second = self._hub.person(second_person_id)
        if first is None or second is None:
            return GONE
        if first.person_id == second.person_id:
            return f"{first.display_name} is one person already."
        names = f"{first.display_name} and {second.display_name}"
        self._merge(plan_merge(first, second), f"the link of {names}")
        return self._answer(f"Linked {names}: one person now.")

    def unlink(self, key: IdentityKey) -> str:
        """Make one identity a person of its own; returns what happened, in a sentence.

        The identity will not be suggested with the identities it leaves again.
        """
        identity = self._hub.identity(key)
        owner = self._hub.person_of(key)
        if identity is None or owner is None:
            return GONE
        what = f"{key.platform.display_name} account {identity.display_name}"
        if owner.identities == (key,):
            return f"The {what} is a person of its own already."
        self._hub.unlink(key)
        self._never.update(frozenset((key, other)) for other in owner.identities if other != key)
        self._saves.save(f"the unlinking of the {what}", methodcaller("unlink", key))
        return self._answer(
            f"The {what} is a person of its own now, and will not be suggested with "
            f"{owner.display_name} again."
        )

    def never_link(self, first: IdentityKey, second: IdentityKey) -> str:
        """Keep two identities' people apart in suggestions; returns a sentence."""
        if first == second:
            return "An identity is always the same person as itself; nothing was changed."
        names = [self._hub.identity(key) for key in (first, second)]
        if None in names:
            return GONE
        self._never.add(frozenset((first, second)))
        self._saves.save(
            "your choice to keep two people apart", methodcaller("never_link", first, second)
        )
        a, b = (identity.display_name for identity in names if identity is not None)
        return self._answer(f"{a} and {b} will not be suggested as one person again.")

    def add_by_hand(self, person_id: str, platform: Platform, text: str) -> str:
        """Add a LinkedIn profile (its address) or a WhatsApp number to a person, linked by
        the user; returns what happened, in a sentence.

        Raises ValueError with a sentence, changing nothing, when ``text`` is not a profile
        address or number (see :mod:`presence_tray.core.added_identities`) or it belongs to
        someone else already.
        """
        identity = added_identity(platform, text)
        key = identity.key
        what = f"{what_is_added(platform)} {identity.display_name}"
        person = self._hub.person(person_id)
        if person is None:
            return GONE
        owner = self._hub.person_of(key)
        if owner is not None and owner.person_id == person_id:
            return f"The {what} is {person.display_name}'s already; nothing was changed."
        if owner is not None and owner.identities != (key,):
            msg = f"The {what} belongs to {owner.display_name}. Remove it there first."
            raise ValueError(msg)
        if owner is None:
            self._hub.add_identities([identity])
            self._tell_limit(key)
            self._saves.save(f"the {what}", methodcaller("save_identities", [identity]))
            owner = self._hub.person_of(key)
        if owner is not None:  # always: a person of its own until now
            self._merge(plan_merge(person, owner), f"the link of the {what}")
        return self._answer(f"Added the {what} to {person.display_name}.")

    def remove_by_hand(self, key: IdentityKey) -> str:
        """Remove an identity the user added by hand; returns what happened, in a sentence."""
        identity = self._hub.identity(key)
        owner = self._hub.person_of(key)
        if identity is None or owner is None:
            return GONE
        if not is_added_by_hand(key):
            return (
                f"The {key.platform.display_name} account {identity.display_name} comes from a "
                "connected account and cannot be removed here; nothing was changed."
            )
        what = f"{what_is_added(key.platform)} {identity.display_name}"
        self._hub.remove_identity(key)
        self._never = {pair for pair in self._never if key not in pair}
        self._saves.save(f"the removal of the {what}", methodcaller("forget_identity", key))
        return self._answer(f"Removed the {what} from {owner.display_name}.")

    async def aclose(self) -> None:
        """Wait for the saves still running (call before the store closes)."""
        await self._saves.aclose()

    # -- internals -------------------------------------------------------------------------

    def _merge(self, merge: Merge, what: str) -> None:
        """Apply a merge to the hub and save it as the user's links."""
        for key in merge.moves:
            self._hub.link(key, merge.person_id, merge.display_name)
        self._saves.save(
            what,
            *(
                methodcaller("link", key, merge.person_id, merge.display_name)
                for key in merge.moves
            ),
        )

    def _tell_limit(self, key: IdentityKey) -> None:
        """Give an identity added by hand its platform's value: it shares no presence."""
        self._hub.ingest(_WHAT_IT_SHARES[key.platform](key, observed_at=self._clock.now()))

    def _answer(self, done: str) -> str:
        return done if self._store is not None else f"{done} {NOT_REMEMBERED}"
