"""The hub: the single source of truth for who is available.

Clients feed it normalised values; it coalesces bursts, keeps one aggregate per person in
memory, and publishes change events in batches. Readers (UI, CLI, API) ask it, never the
clients or the database.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from presence_tray.core.aggregation import (
    AggregatedPresence,
    AggregationPolicy,
    Decision,
    aggregate,
)
from presence_tray.core.client import AccountHealth
from presence_tray.core.freshness import FreshnessPolicy
from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Person, Platform
from presence_tray.core.listeners import add_listener, tell_each
from presence_tray.core.presence import (
    AVAILABILITY_RANK,
    REACHABLE_STATES,
    PlatformPresence,
    PresenceSource,
    PresenceState,
)

if TYPE_CHECKING:
    from presence_tray.core.clock import Clock

_log = logging.getLogger(__name__)

EVENT_RATE_WINDOW_SECONDS = 60.0
_SEEN_STATES = frozenset(
    {PresenceState.ONLINE, PresenceState.IDLE, PresenceState.BUSY, PresenceState.AWAY}
)


class PresenceChanged(NamedTuple):
    """A person's aggregate changed (``old`` is None for a person the hub just learned of).

    A named tuple for speed, like the values it carries.
    """

    person: Person
    old: AggregatedPresence | None
    new: AggregatedPresence


class Reachability(NamedTuple):
    """The answer to "can I reach this person now, and where" (a named tuple: batches are
    answered by the thousand)."""

    query: str
    person: Person | None
    state: PresenceState
    reachable: bool
    via: tuple[Platform, ...]
    """Platforms where the person is available now, best first."""


@dataclass(frozen=True, slots=True)
class HubStatistics:
    """Counters for the stats command and the API."""

    people: int
    identities: int
    updates_total: int
    updates_by_platform: Mapping[Platform, int]
    unmatched_updates: int
    events_total: int
    events_per_second: float
    """Average over the last minute."""
    account_health: Mapping[AccountRef, AccountHealth]
    states: Mapping[PresenceState, int]


ChangeListener = Callable[[Sequence[PresenceChanged]], None]
RemovalListener = Callable[[Sequence[Person]], None]
ForgottenContactsListener = Callable[[Sequence[IdentityKey]], None]
FlushScheduler = Callable[[Callable[[], object]], object]

_UNLINKED_PREFIX = "id:"


def unlinked_person_id(key: IdentityKey) -> str:
    """The person id of an identity that belongs to no named person yet."""
    return f"{_UNLINKED_PREFIX}{key.platform}:{key.account_id}:{key.remote_id}"


def is_unlinked_person_id(person_id: str) -> bool:
    """Whether ``person_id`` is one :func:`unlinked_person_id` makes (no platform or user
    named the person)."""
    return person_id.startswith(_UNLINKED_PREFIX)


class _Entry:
    """The hub's private record of one person."""

    __slots__ = ("aggregate", "expires_at", "last_seen_at", "person", "person_changed", "values")

    def __init__(self, person: Person) -> None:
        self.person = person
        self.values: dict[IdentityKey, PlatformPresence] = {}
        self.aggregate: AggregatedPresence | None = None
        self.last_seen_at: float | None = None
        self.expires_at = float("inf")
        self.person_changed = False
        """The person gained an identity: announce them even if their status is the same."""


def _rename(entry: _Entry, name: str) -> bool:
    """Call ``entry``'s person ``name``; whether that changed anything (a renamed person is
    announced even when their status is the same)."""
    if entry.person.display_name == name:
        return False
    entry.person = replace(entry.person, display_name=name)
    entry.person_changed = entry.aggregate is not None
    return True


class PresenceHub:
    """Ingests platform presences and publishes aggregated changes."""

    def __init__(
        self,
        clock: Clock,
        *,
        policy: AggregationPolicy = AggregationPolicy.MOST_AVAILABLE,
        freshness: FreshnessPolicy | None = None,
        schedule_flush: FlushScheduler | None = None,
    ) -> None:
        """Create an empty hub.

        ``schedule_flush`` is called once per burst with the hub's flush function (for example
        ``lambda flush: loop.call_later(0.05, flush)``); without it the owner calls
        :meth:`flush` itself.
        """
        self._clock = clock
        self._policy = policy
        self._freshness = freshness or FreshnessPolicy()
        self._schedule_flush = schedule_flush
        self._flush_scheduled = False
        self._entries: dict[str, _Entry] = {}
        self._next_expiry = math.inf
        """No value ages out before this (clock time): a lower bound of every person's
        ``expires_at``, so the staleness check skips its walk over everyone until then."""
        self._expiry_sooner = asyncio.Event()
        """Set when a flush brings the next expiry forward (see :meth:`wait_for_expiry`)."""
        self._owner: dict[IdentityKey, _Entry] = {}
        self._identities: dict[IdentityKey, Identity] = {}
        self._pending: dict[IdentityKey, PlatformPresence] = {}
        # A dict used as an ordered set: change batches come out in a reproducible order.
        self._dirty: dict[_Entry, None] = {}
        self._listeners: list[ChangeListener] = []
        self._removal_listeners: list[RemovalListener] = []
        self._forgotten_listeners: list[ForgottenContactsListener] = []
        self._is_kept: Callable[[str], bool] = _keep_nobody
        self._unlisted: set[IdentityKey] = set()
        """Identities no account lists any more, kept for a person the user keeps."""
        self._set_aside: dict[IdentityKey, Identity] = {}
        """Identities no account listed when the app last ran, not shown; each names the
        person the user linked it to, which it rejoins when listed again."""
        self._health: dict[AccountRef, AccountHealth] = {}
        self._live_accounts: set[AccountRef] = set()
        self._updates_by_platform: Counter[Platform] = Counter()
        self._unmatched = 0
        self._removed_identities = 0
        self._events_total = 0
        self._recent_events: deque[tuple[float, int]] = deque()

    # -- configuration -------------------------------------------------------------------

    @property
    def policy(self) -> AggregationPolicy:
        """The aggregation policy in force."""
        return self._policy

    def set_policy(self, policy: AggregationPolicy) -> None:
        """Switch policy; every person is re-aggregated at the next flush."""
        if policy is not self._policy:
            self._policy = policy
            self._mark_dirty(self._entries.values())

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener`` with each batch of changes; returns a function that unsubscribes."""
        return add_listener(self._listeners, listener)

    def subscribe_removals(self, listener: RemovalListener) -> Callable[[], None]:
        """Call ``listener`` with the people who are gone (the last identity of each was linked
        to someone else or unlinked); returns a function that unsubscribes.

        Removals are rare user actions, kept apart from the change batches so that the hot
        path stays as it is. A removal is announced after the change batch of the same
        action, when the hub already shows the people who remain.
        """
        return add_listener(self._removal_listeners, listener)

    def subscribe_forgotten_contacts(
        self, listener: ForgottenContactsListener
    ) -> Callable[[], None]:
        """Call ``listener`` with the identities :meth:`remove_contacts` forgot (storage
        forgets their cached values, so they do not come back at the next start); returns a
        function that unsubscribes."""
        return add_listener(self._forgotten_listeners, listener)

    def set_kept_people(self, is_kept: Callable[[str], bool]) -> None:
        """Keep the people for whom ``is_kept(person_id)`` holds (the user's favourites) in
        view when no account lists them any more (see :meth:`remove_contacts`)."""
        self._is_kept = is_kept

    # -- input ---------------------------------------------------------------------------

    def add_identities(self, identities: Iterable[Identity]) -> None:
        """Learn identities from a contact list; each belongs to exactly one person.

        Identities that name the same ``person_id`` join one person; one that names none is a
        person of its own, with the id :func:`unlinked_person_id` gives it. One set aside as
        no longer listed (:meth:`add_unlisted_identities`) rejoins the person the user
        linked it to, as storage keeps it.
        """
        grown: dict[str, list[IdentityKey]] = {}
        for identity in identities:
            key = identity.key
            if self._set_aside and (linked := self._set_aside.pop(key, None)) is not None:
                identity = identity._replace(person_id=linked.person_id)  # noqa: PLW2901
            self._identities[key] = identity
            if key in self._owner:
                if key in self._unlisted:
                    self._relist(key)
                continue
            person_id = identity.person_id or unlinked_person_id(key)
            entry = self._entries.get(person_id)
            if entry is None:
                entry = self._entries[person_id] = _Entry(
                    Person(person_id, identity.display_name, ())
                )
            self._owner[key] = entry
            grown.setdefault(person_id, []).append(key)
        # One new Person per grown person, however many identities it gained.
        for person_id, keys in grown.items():
            entry = self._entries[person_id]
            old = entry.person
            entry.person = Person(old.person_id, old.display_name, (*old.identities, *keys))
            entry.person_changed = entry.aggregate is not None
            self._dirty[entry] = None
        self._request_flush()

    def add_unlisted_identities(
        self, identities: Iterable[Identity], *, keep: Callable[[str], bool]
    ) -> None:
        """Learn identities no account listed when the app last ran, kept in storage because
        the user linked them (each names that person), so that the hub shows what
        :meth:`remove_contacts` left before the restart.

        A person with no contact identity whom ``keep(person_id)`` holds (a favourite) shows
        them as no longer listed, as :meth:`remove_contacts` keeps such a person. Any other is
        set aside, not shown: its person does not become a contact again. Listed again
        (:meth:`add_identities`), either kind is a contact of its person once more. Call it
        after the contacts are added; an identity the hub already knows is ignored.
        """
        by_person: dict[str, list[IdentityKey]] = {}
        for identity in identities:
            key = identity.key
            if key in self._owner:
                continue
            person_id = identity.person_id or unlinked_person_id(key)
            self._set_aside[key] = identity._replace(person_id=person_id)
            by_person.setdefault(person_id, []).append(key)
        shown = [
            key
            for person_id, keys in by_person.items()
            if person_id not in self._entries and keep(person_id)
            for key in keys
        ]
        if shown:
            self.add_identities([self._set_aside[key] for key in shown])
            self._keep_unlisted(shown)

    def is_unlisted(self, key: IdentityKey) -> bool:
        """Whether the hub shows ``key`` though no account lists it (kept for a favourite)."""
        return key in self._unlisted

    def ingest(self, presence: PlatformPresence) -> None:
        """Accept one value; bursts for the same identity collapse to the latest."""
        self._pending[presence.identity] = presence
        self._updates_by_platform[presence.identity.platform] += 1
        if not self._flush_scheduled:
            self._request_flush()

    def set_account_health(self, account: AccountRef, health: AccountHealth) -> None:
        """Record an account's connection state; pushed values age once it is not live."""
        previous = self._health.get(account)
        self._health[account] = health
        was_live = account in self._live_accounts
        is_live = health is AccountHealth.LIVE
        if was_live == is_live:
            return
        if is_live:
            self._live_accounts.add(account)
        else:
            self._live_accounts.discard(account)
        _log.debug("account %s: %s -> %s", account, previous, health)
        self._mark_dirty(entry for key, entry in self._owner.items() if key.account == account)

    # -- linking -------------------------------------------------------------------------

    def link(self, key: IdentityKey, person_id: str, display_name: str | None = None) -> None:
        """Move the identity ``key``, with its current value, to the person ``person_id``.

        The person is created when new (named ``display_name``, else after the identity) and
        renamed when ``display_name`` is given. A person left with no identity is removed and
        announced to :meth:`subscribe_removals` listeners. Both people are re-aggregated and
        the changes published at once. Raises ValueError for an identity the hub does not
        know, or for the own id of another identity (:func:`unlinked_person_id`).
        """
        source = self._owner.get(key)
        identity = self._identities.get(key)
        if source is None or identity is None:
            msg = f"no identity {key} is known; it cannot be linked"
            raise ValueError(msg)
        if is_unlinked_person_id(person_id) and person_id != unlinked_person_id(key):
            msg = f"{person_id} is another identity's own person; link both to a new person id"
            raise ValueError(msg)
        target = self._entries.get(person_id)
        if target is None:
            name = display_name or identity.display_name
            target = self._entries[person_id] = _Entry(Person(person_id, name, ()))
        elif display_name:
            _rename(target, display_name)
        self._identities[key] = identity._replace(person_id=person_id)
        self._mark_dirty((target,))
        removed: list[Person] = []
        if source is not target:
            self._move(key, source, target)
            if not source.person.identities:
                del self._entries[source.person.person_id]
                self._dirty.pop(source, None)
                removed.append(source.person)
        self.flush()
        if removed:
            self._announce_removals(removed)

    def name_people(self, names: Mapping[str, str]) -> None:
        """Call people by the names the user gave them (``person_id`` → name), such as the
        name chosen when two people were linked; unknown ids and empty names are ignored."""
        renamed = [
            entry
            for person_id, name in names.items()
            if name and (entry := self._entries.get(person_id)) is not None and _rename(entry, name)
        ]
        if renamed:
            self._mark_dirty(renamed)

    def unlink(self, key: IdentityKey) -> str:
        """Make the identity ``key`` a person of its own; returns that person's id.

        Raises ValueError for an identity the hub does not know.
        """
        own = unlinked_person_id(key)
        self.link(key, own)
        return own

    def remove_identity(self, key: IdentityKey) -> None:
        """Forget the identity ``key`` and its value (one the user added by hand and removes).

        Its person is re-aggregated and the change published at once; a person left with no
        identity is removed and announced to :meth:`subscribe_removals` listeners. An
        identity the hub does not know is ignored.
        """
        self._forget([key])

    def replace_contacts(self, account: AccountRef, identities: Iterable[Identity]) -> None:
        """Make ``identities`` the whole contact list of ``account``: the new ones are added
        (:meth:`add_identities`), and every identity of the account the hub knows (from an
        earlier listing or from the last run's cache) that is not among them is no longer a
        contact (:meth:`remove_contacts`)."""
        listed = list(identities)
        self.add_identities(listed)
        keys = {identity.key for identity in listed}
        self.remove_contacts(
            [key for key in self._owner if key.account == account and key not in keys]
        )

    def remove_contacts(self, keys: Iterable[IdentityKey]) -> None:
        """No account lists these identities as contacts any more (taken off a contact list
        or roster, a user deactivated or deleted): stop showing them.

        What the user made is never lost:

        - Each identity is taken off its person, with its value. A person who has another
          identity left (linked by the user, added by hand, listed by another account) stays
          under the same id, so their favourite, notification rules and name stay too.
        - A person left with no identity is removed and announced to
          :meth:`subscribe_removals` listeners, unless the user keeps them
          (:meth:`set_kept_people`: the favourites). A kept person does not vanish
          silently: their identities stay, no longer asked about, each with an unknown
          value saying its platform no longer lists them; listed again, they are contacts
          as before, and once no longer kept they leave at their account's next listing.
        - Forgotten identities are announced to :meth:`subscribe_forgotten_contacts`
          listeners (storage drops their cached values; links the user made stay saved,
          so a contact listed again rejoins their person).

        No change says a removed contact went offline: a removed person appears in no change
        batch, and a person who keeps other identities is re-aggregated from values already
        known, which the notifier does not count as a change of theirs. Identities the hub
        does not know are ignored.
        """
        leaving: dict[_Entry, list[IdentityKey]] = {}
        for key in dict.fromkeys(keys):
            entry = self._owner.get(key)
            if entry is not None:
                leaving.setdefault(entry, []).append(key)
        forget: list[IdentityKey] = []
        kept: list[IdentityKey] = []
        for entry, gone in leaving.items():
            emptied = len(gone) == len(entry.person.identities)
            if emptied and self._is_kept(entry.person.person_id):
                kept.extend(key for key in gone if key not in self._unlisted)
            else:
                forget.extend(gone)
        self._keep_unlisted(kept)
        forgotten = self._forget(forget)
        if kept and not forgotten:
            self.flush()
        if forgotten:
            tell_each(
                self._forgotten_listeners, forgotten, log=_log, what="a forgotten-contacts listener"
            )

    def _keep_unlisted(self, keys: Iterable[IdentityKey]) -> None:
        """Keep these identities in view, no longer asked about, each with a value saying no
        account lists it (published at the next flush)."""
        now = self._clock.now()
        for key in keys:
            self._unlisted.add(key)
            self._pending[key] = no_longer_listed(key, now)

    def _forget(self, keys: Iterable[IdentityKey]) -> list[IdentityKey]:
        """Forget identities and their values, publish their people's changes at once and
        announce the people left with no identity; returns the identities forgotten."""
        forgotten: list[IdentityKey] = []
        removed: list[Person] = []
        for key in keys:
            entry = self._owner.pop(key, None)
            self._identities.pop(key, None)
            self._pending.pop(key, None)
            self._unlisted.discard(key)
            self._set_aside.pop(key, None)
            if entry is None:
                continue
            forgotten.append(key)
            old = entry.person
            entry.person = Person(
                old.person_id, old.display_name, tuple(k for k in old.identities if k != key)
            )
            entry.values.pop(key, None)
            entry.last_seen_at = _last_seen(entry.values.values())
            if entry.person.identities:
                entry.person_changed = entry.aggregate is not None
                self._dirty[entry] = None
            else:
                del self._entries[old.person_id]
                self._dirty.pop(entry, None)
                removed.append(entry.person)
        if not forgotten:
            return forgotten
        self._removed_identities += len(forgotten)
        self.flush()
        if removed:
            self._announce_removals(removed)
        return forgotten

    def _relist(self, key: IdentityKey) -> None:
        """An identity kept as no longer listed is a contact again: drop the value that
        said so (the next poll or push brings its own)."""
        self._unlisted.discard(key)
        entry = self._owner[key]
        entry.values.pop(key, None)
        self._dirty[entry] = None

    @property
    def removed_identities(self) -> int:
        """How many identities :meth:`remove_identity` and :meth:`remove_contacts` have
        forgotten so far: a writer that holds values checks them against the hub only when
        this grows."""
        return self._removed_identities

    def _move(self, key: IdentityKey, source: _Entry, target: _Entry) -> None:
        """Move one identity and its value between two people; both are marked dirty."""
        self._owner[key] = target
        old = source.person
        source.person = Person(
            old.person_id, old.display_name, tuple(k for k in old.identities if k != key)
        )
        new = target.person
        target.person = Person(new.person_id, new.display_name, (*new.identities, key))
        value = source.values.pop(key, None)
        if value is not None:
            target.values[key] = value
        for entry in (source, target):
            entry.last_seen_at = _last_seen(entry.values.values())
            entry.person_changed = entry.aggregate is not None
        self._mark_dirty((source, target))

    def _announce_removals(self, removed: list[Person]) -> None:
        tell_each(self._removal_listeners, removed, log=_log, what="a removal listener")

    # -- processing ----------------------------------------------------------------------

    def flush(self) -> list[PresenceChanged]:
        """Aggregate everything pending and publish the changes as one batch."""
        self._flush_scheduled = False
        pending, self._pending = self._pending, {}
        dirty, self._dirty = self._dirty, {}
        owner = self._owner
        seen_states = _SEEN_STATES
        for key, presence in pending.items():
            entry = owner.get(key)
            if entry is None:
                self._unmatched += 1
                continue
            entry.values[key] = presence
            seen = presence.last_active_at
            if presence.state in seen_states:
                seen = presence.observed_at
            if seen is not None and (entry.last_seen_at is None or seen > entry.last_seen_at):
                entry.last_seen_at = seen
            dirty[entry] = None
        return self._reaggregate(dirty)

    def refresh_staleness(self) -> list[PresenceChanged]:
        """Re-aggregate people whose values have aged past their platform's time-to-live.

        Call it every few seconds; until the earliest time a value can age out it looks at
        nobody (the running app calls it every second, for 10,000 people).
        """
        now = self._clock.now()
        if now >= self._next_expiry:
            entries = self._entries.values()
            expired = [entry for entry in entries if entry.expires_at <= now]
            # The expired ones get their next time when flush() re-aggregates them.
            self._next_expiry = min(
                (entry.expires_at for entry in entries if entry.expires_at > now),
                default=math.inf,
            )
            self._mark_dirty(expired)
        return self.flush()

    async def wait_for_expiry(self) -> None:
        """Return once the earliest value may have aged out (at once if one has).

        Sleeps on the hub's clock, and sleeps again from the start when a flush brings an
        earlier expiry (an account that stopped pushing, say); with nothing that can age
        out it waits for that alone.
        """
        while (left := self._next_expiry - self._clock.now()) > 0:
            self._expiry_sooner.clear()
            sooner = asyncio.ensure_future(self._expiry_sooner.wait())
            waits: set[asyncio.Future[Any]] = {sooner}
            if left != math.inf:
                waits.add(asyncio.ensure_future(self._clock.sleep(left)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()

    def _reaggregate(self, entries: Iterable[_Entry]) -> list[PresenceChanged]:
        now = self._clock.now()
        live = self._live_accounts
        split = self._freshness.split
        policy = self._policy
        changes: list[PresenceChanged] = []
        next_expiry = self._next_expiry
        for entry in entries:
            values = tuple(entry.values.values())
            stale, entry.expires_at = split(values, now, live)
            next_expiry = min(next_expiry, entry.expires_at)
            new = aggregate(
                entry.person.person_id,
                values,
                policy=policy,
                stale=stale,
                last_seen_at=entry.last_seen_at,
            )
            old = entry.aggregate
            entry.aggregate = new
            if old is None or entry.person_changed or not new.looks_the_same_as(old):
                entry.person_changed = False
                changes.append(PresenceChanged(entry.person, old, new))
        if next_expiry < self._next_expiry:
            self._expiry_sooner.set()
        self._next_expiry = next_expiry
        if changes:
            self._publish(changes, now)
        return changes

    def _publish(self, changes: list[PresenceChanged], now: float) -> None:
        self._events_total += len(changes)
        self._recent_events.append((now, len(changes)))
        tell_each(self._listeners, changes, log=_log, what="a presence listener")

    def _mark_dirty(self, entries: Iterable[_Entry]) -> None:
        self._dirty.update(dict.fromkeys(entries))
        self._request_flush()

    def _request_flush(self) -> None:
        if self._schedule_flush is not None and not self._flush_scheduled:
            self._flush_scheduled = True
            self._schedule_flush(self.flush)

    # -- queries -------------------------------------------------------------------------

    def people(self) -> list[Person]:
        """Every person the hub knows."""
        return [entry.person for entry in self._entries.values()]

    def person(self, person_id: str) -> Person | None:
        """One person, or None."""
        entry = self._entries.get(person_id)
        return None if entry is None else entry.person

    def identity(self, key: IdentityKey) -> Identity | None:
        """One identity as its contact list described it, or None."""
        return self._identities.get(key)

    def person_of(self, key: IdentityKey) -> Person | None:
        """The person an identity belongs to now (links included), or None when unknown."""
        entry = self._owner.get(key)
        return None if entry is None else entry.person

    def aggregate(self, person_id: str) -> AggregatedPresence | None:
        """The current aggregate of one person (None before their first flush)."""
        entry = self._entries.get(person_id)
        return None if entry is None else entry.aggregate

    def find_people(self, query: str) -> list[Person]:
        """People whose name or handle matches ``query``: exact matches, else substrings."""
        needle = query.casefold().strip()
        if not needle:
            return []
        exact: list[Person] = []
        partial: list[Person] = []
        for entry in self._entries.values():
            person = entry.person
            names = [person.display_name.casefold(), person.person_id.casefold()]
            for key in person.identities:
                identity = self._identities.get(key)
                names.append(key.remote_id.casefold())
                if identity is not None:
                    names.append(identity.display_name.casefold())
                    names.extend(handle.casefold() for handle in identity.handles)
            if needle in names:
                exact.append(person)
            elif any(needle in name for name in names):
                partial.append(person)
        return exact or partial

    def availability(self, person_ids: Sequence[str]) -> list[Reachability]:
        """For each person id: reachable now (fresh online or idle without DND), and where."""
        answers: list[Reachability] = []
        entries = self._entries
        for person_id in person_ids:
            entry = entries.get(person_id)
            current = None if entry is None else entry.aggregate
            if entry is None or current is None:
                answers.append(
                    Reachability(person_id, None, PresenceState.UNKNOWN, reachable=False, via=())
                )
                continue
            via = _reachable_platforms(current)
            answers.append(Reachability(person_id, entry.person, current.state, bool(via), via))
        return answers

    def statistics(self) -> HubStatistics:
        """A snapshot of the hub's counters."""
        now = self._clock.now()
        recent = self._recent_events
        while recent and now - recent[0][0] > EVENT_RATE_WINDOW_SECONDS:
            recent.popleft()
        states: Counter[PresenceState] = Counter(
            entry.aggregate.state for entry in self._entries.values() if entry.aggregate
        )
        return HubStatistics(
            people=len(self._entries),
            identities=len(self._owner),
            updates_total=sum(self._updates_by_platform.values()),
            updates_by_platform=dict(self._updates_by_platform),
            unmatched_updates=self._unmatched,
            events_total=self._events_total,
            events_per_second=sum(n for _, n in recent) / EVENT_RATE_WINDOW_SECONDS,
            account_health=dict(self._health),
            states=dict(states),
        )


def no_longer_listed(key: IdentityKey, observed_at: float) -> PlatformPresence:
    """The value of an identity that no account lists any more, kept for a person the user
    keeps: unknown, saying why, never ageing."""
    return PlatformPresence(
        key,
        PresenceState.UNKNOWN,
        observed_at,
        source=PresenceSource.NONE,
        note=f"No longer among your {key.platform.display_name} contacts",
    )


def _keep_nobody(_person_id: str) -> bool:
    return False


def _last_seen(values: Iterable[PlatformPresence]) -> float | None:
    """When a person was last seen, from their values: the rule ``flush`` applies inline,
    one value at a time, on the hot path."""
    latest: float | None = None
    for presence in values:
        seen = presence.observed_at if presence.state in _SEEN_STATES else presence.last_active_at
        if seen is not None and (latest is None or seen > latest):
            latest = seen
    return latest


def _reachable_platforms(current: AggregatedPresence) -> tuple[Platform, ...]:
    """Platforms with a fresh online or idle value without DND, most available first."""
    if current.stale or (
        current.decision is not Decision.DND_WINS and current.state not in REACHABLE_STATES
    ):
        # The badge comes from the most available fresh value (or none is fresh): when that
        # is not reachable, nothing is. Under "DND wins" another platform may still be.
        return ()
    stale = current.stale_identities
    usable = [
        value
        for value in current.values
        if value.state in REACHABLE_STATES and not value.dnd and value.identity not in stale
    ]
    if len(usable) > 1:
        usable.sort(key=lambda v: (AVAILABILITY_RANK[v.state], v.observed_at), reverse=True)
    platforms: list[Platform] = []
    for value in usable:  # a person has a handful of identities: a list beats a dict here
        platform = value.identity.platform
        if platform not in platforms:
            platforms.append(platform)
    return tuple(platforms)


async def refresh_staleness_periodically(hub: PresenceHub, every_seconds: float) -> None:
    """Re-check staleness when the earliest value ages out, at most every ``every_seconds``
    real seconds, until cancelled.

    Not on a fixed beat: while nothing can age out (polled values refreshed before their
    time, pushed ones over live connections) the app does not wake up for it at all, and
    every wake-up costs an idle app CPU time.
    """
    while True:
        await asyncio.sleep(every_seconds)
        await hub.wait_for_expiry()
        hub.refresh_staleness()
