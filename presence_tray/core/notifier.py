"""Deciding what to tell the user when people's status changes (no Qt, no D-Bus here).

The :class:`Notifier` listens to the hub's change batches and applies the user's rules
(favourites notify "on available" by default), a per-person cooldown, a quiet start-up
window while accounts connect, one summary for a burst, and do-not-disturb: while it is on
nothing is sent, and when it ends one digest says what happened. It hands
:class:`Notification` values to a sender; :mod:`presence_tray.ui.notifications` shows them.

A change counts only when a fresh, known status differs from the last fresh, known status
the notifier saw for that person: values turning stale, cached values from the last run
being confirmed or replaced, values leaving a person (a contact no account lists any more)
and "unknown" never notify.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from presence_tray.core.describe import activity_words
from presence_tray.core.preferences import (
    NotificationRule,
    NotifyOn,
)
from presence_tray.core.presence import REACHABLE_STATES, Activity, PresenceState

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable, Sequence
    from collections.abc import Set as AbstractSet

    from presence_tray.core.aggregation import AggregatedPresence
    from presence_tray.core.clock import Clock
    from presence_tray.core.hub import PresenceChanged

_log = logging.getLogger(__name__)

DEFAULT_QUIET_SECONDS = 30.0
"""How long after :meth:`Notifier.start` nothing is sent, unless settled earlier."""
DEFAULT_BURST_SIZE = 3
"""This many notifications in one batch become one summary."""
MAX_NAMES_LISTED = 5
DIGEST_TITLE = "While you were in do-not-disturb"


@dataclass(frozen=True, slots=True)
class Notification:
    """One desktop notification: what the user reads, and whom it is about (None: several)."""

    title: str
    body: str
    person_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Seen:
    """A person's last fresh, known status as the notifier saw it."""

    state: PresenceState
    dnd: bool
    activity: Activity | None
    platform: str

    @property
    def available(self) -> bool:
        return self.state in REACHABLE_STATES and not self.dnd

    def same_status(self, other: _Seen) -> bool:
        """Same state and do-not-disturb flag (activity and platform aside)."""
        return self.state is other.state and self.dnd == other.dnd


@dataclass(frozen=True, slots=True)
class _Event:
    """A transition that one or more rules asked to hear about."""

    person_id: str
    name: str
    old: _Seen
    new: _Seen
    rules: tuple[NotificationRule, ...]

    @property
    def cooldown(self) -> float:
        return min(rule.cooldown_seconds for rule in self.rules)


NotificationSender = Callable[[Notification], None]
RuleListener = Callable[[NotificationRule], None]


def _no_favourites() -> AbstractSet[str]:
    return frozenset()


def _never() -> bool:
    return False


class Notifier:
    """Turns presence change batches into notifications, by rules, cooldown and DND."""

    def __init__(  # noqa: PLR0913 - keyword-only seams, each with a default
        self,
        clock: Clock,
        send: NotificationSender,
        *,
        rules: Iterable[NotificationRule] = (),
        favourites: Callable[[], AbstractSet[str]] = _no_favourites,
        dnd_active: Callable[[], bool] = _never,
        on_rule_spent: RuleListener | None = None,
        quiet_seconds: float | None = DEFAULT_QUIET_SECONDS,
        burst_size: int = DEFAULT_BURST_SIZE,
        favourite_cooldown: Callable[[], float] | None = None,
    ) -> None:
        """Prepare a notifier; nothing is sent until :meth:`start` and the quiet window.

        ``favourites`` and ``dnd_active`` are asked at each batch. ``on_rule_spent`` hears of
        each one-shot rule that fired (and is gone from this notifier), so storage can delete
        it. ``quiet_seconds`` (clock time) ends the start-up quiet window by itself; with None
        only :meth:`mark_settled` ends it. ``favourite_cooldown`` (asked when a favourite
        without rules of their own changes) is their cooldown; the rules' default otherwise.
        """
        self._clock = clock
        self._send = send
        self._favourites = favourites
        self._favourite_cooldown = favourite_cooldown
        self._dnd_active = dnd_active
        self._on_rule_spent = on_rule_spent
        self._quiet_seconds = quiet_seconds
        self._burst_size = max(2, burst_size)
        self._rules: dict[str, dict[NotifyOn, NotificationRule]] = {}
        self._spent: set[tuple[str, NotifyOn]] = set()
        self._seen: dict[str, _Seen] = {}
        self._last_sent: dict[str, float] = {}
        self._held: dict[str, _Event] = {}
        self._holding = asyncio.Event()
        """Set when a change is first held: only then is there a digest to tick for."""
        self._started_at: float | None = None
        self._settled = False
        self.set_rules(rules)

    # -- configuration -------------------------------------------------------------------

    @property
    def rules(self) -> list[NotificationRule]:
        """The rules in force."""
        return [rule for by_kind in self._rules.values() for rule in by_kind.values()]

    def set_rules(self, rules: Iterable[NotificationRule]) -> None:
        """Replace every rule.

        One-shot rules that fired here are left out until a list without them arrives (storage
        deletes them a moment later; a reload in between must not bring them back).
        """
        fresh = list(rules)
        self._spent &= {(rule.person_id, rule.on) for rule in fresh}
        self._rules = {}
        for rule in fresh:
            if (rule.person_id, rule.on) not in self._spent:
                self._rules.setdefault(rule.person_id, {})[rule.on] = rule

    def add_rule(self, rule: NotificationRule) -> None:
        """Add or replace the rule for ``(rule.person_id, rule.on)``."""
        self._spent.discard((rule.person_id, rule.on))
        self._rules.setdefault(rule.person_id, {})[rule.on] = rule

    def remove_rule(self, person_id: str, on: NotifyOn) -> None:
        """Drop the rule for ``(person_id, on)``, if there is one."""
        by_kind = self._rules.get(person_id)
        if by_kind is not None:
            by_kind.pop(on, None)
            if not by_kind:
                del self._rules[person_id]

    def start(self) -> None:
        """Begin the start-up quiet window."""
        if self._started_at is None:
            self._started_at = self._clock.now()

    def mark_settled(self) -> None:
        """Accounts have connected: end the quiet window now."""
        if not self._settled:
            _log.debug("notifications: settled; changes from now on are announced")
        self._settled = True

    @property
    def quiet(self) -> bool:
        """Nothing is sent (start-up: not started, or accounts still connecting)."""
        if self._settled:
            return False
        if self._started_at is None or self._quiet_seconds is None:
            return True
        if self._clock.now() - self._started_at >= self._quiet_seconds:
            self._settled = True
            return False
        return True

    @property
    def held(self) -> int:
        """How many people's changes wait for the end of do-not-disturb."""
        return len(self._held)

    # -- input ---------------------------------------------------------------------------

    def on_changes(self, changes: Sequence[PresenceChanged]) -> None:
        """Take one batch from the hub (subscribe this method to it)."""
        quiet = self.quiet
        in_dnd = not quiet and self._dnd_active()
        if not in_dnd:
            self._deliver_digest()
        events = self._transitions(changes, announce=not quiet, in_dnd=in_dnd)
        if not events:
            return
        if in_dnd:
            for event in events:
                self._held[event.person_id] = event
                self._spend(event.rules)
            self._holding.set()
            return
        now = self._clock.now()
        due = [event for event in events if self._cooled_down(event, now)]
        for event in due:
            self._last_sent[event.person_id] = now
            self._spend(event.rules)
        if len(due) >= self._burst_size:
            self._send(_summary(due))
        else:
            for event in due:
                self._send(_single(event))

    async def wait_until_holding(self) -> None:
        """Return once a change is held for the end of do-not-disturb (at once if one is)."""
        if not self._held:
            self._holding.clear()
            await self._holding.wait()

    def tick(self) -> None:
        """Check whether do-not-disturb ended (call every few seconds)."""
        if not self.quiet and not self._dnd_active():
            self._deliver_digest()

    # -- internals -----------------------------------------------------------------------

    def _transitions(
        self, changes: Sequence[PresenceChanged], *, announce: bool, in_dnd: bool
    ) -> list[_Event]:
        """Note each person's fresh, known status; return the transitions rules ask about.

        People already held for the digest are updated in place (latest state per person,
        compared with where they were when do-not-disturb began) rather than returned.
        """
        favourites: AbstractSet[str] | None = None
        events: list[_Event] = []
        for change in changes:
            person_id = change.person.person_id
            new = _seen(change.new)
            if new is None or (change.old is not None and _only_freshness(change.old, change.new)):
                continue
            old = self._seen.get(person_id)
            self._seen[person_id] = new
            if old is None or not announce or old.same_status(new):
                continue
            if change.old is not None and _only_values_left(change.old, change.new):
                continue  # what is known of them now, not a change of theirs
            if favourites is None:
                favourites = self._favourites()
            rules = self._matching_rules(person_id, old, new, favourites)
            held = self._held.get(person_id) if in_dnd else None
            if held is not None:
                self._held[person_id] = replace(held, new=new, rules=held.rules + rules)
                self._spend(rules)
            elif rules:
                events.append(_Event(person_id, change.person.display_name, old, new, rules))
        return events

    def _matching_rules(
        self, person_id: str, old: _Seen, new: _Seen, favourites: AbstractSet[str]
    ) -> tuple[NotificationRule, ...]:
        rules: Iterable[NotificationRule] = self._rules.get(person_id, {}).values()
        if not self._rules.get(person_id) and person_id in favourites:
            cooldown = self._favourite_cooldown
            rules = (
                NotificationRule(person_id, NotifyOn.AVAILABLE)
                if cooldown is None
                else NotificationRule(person_id, NotifyOn.AVAILABLE, cooldown_seconds=cooldown()),
            )
        return tuple(rule for rule in rules if _fires(rule.on, old, new))

    def _cooled_down(self, event: _Event, now: float) -> bool:
        last = self._last_sent.get(event.person_id)
        return last is None or now - last >= event.cooldown

    def _spend(self, rules: Iterable[NotificationRule]) -> None:
        for rule in rules:
            if not rule.once:
                continue
            by_kind = self._rules.get(rule.person_id, {})
            if by_kind.get(rule.on) == rule:
                del by_kind[rule.on]
                self._spent.add((rule.person_id, rule.on))
                if self._on_rule_spent is not None:
                    self._on_rule_spent(rule)

    def _deliver_digest(self) -> None:
        if not self._held:
            return
        held = [
            e for e in self._held.values() if (e.old.state, e.old.dnd) != (e.new.state, e.new.dnd)
        ]
        self._held = {}
        if not held:
            return  # everyone is back where they were when do-not-disturb began
        now = self._clock.now()
        for event in held:
            self._last_sent[event.person_id] = now
        shown = [f"{e.name} {_digest_phrase(e.new)}" for e in held]
        body = _listing(shown)
        person_id = held[0].person_id if len(held) == 1 else None
        self._send(Notification(DIGEST_TITLE, body, person_id))


def _seen(aggregate: AggregatedPresence) -> _Seen | None:
    """The status to compare, or None when it is not fresh and known."""
    decider = aggregate.decided_by
    if decider is None or aggregate.state is PresenceState.UNKNOWN or aggregate.stale:
        return None
    return _Seen(
        aggregate.state, aggregate.dnd, aggregate.activity, decider.identity.platform.display_name
    )


def _only_values_left(old: AggregatedPresence, new: AggregatedPresence) -> bool:
    """Values left the person (a contact no account lists any more, an identity unlinked)
    and every value they still have was there before: no new value moved the badge."""
    return len(new.values) < len(old.values) and all(value in old.values for value in new.values)


def _only_freshness(old: AggregatedPresence, new: AggregatedPresence) -> bool:
    """The badge moved only because values aged out (or came back): no new value decided it."""
    if old.stale_identities == new.stale_identities or new.decided_by is None:
        return False
    decider = new.decided_by
    return any(value == decider for value in old.values)


def _fires(on: NotifyOn, old: _Seen, new: _Seen) -> bool:
    if on is NotifyOn.AVAILABLE:
        return new.available and not old.available
    if on is NotifyOn.OFFLINE:
        return new.state is PresenceState.OFFLINE and old.state is not PresenceState.OFFLINE
    return old.state is not new.state or old.dnd != new.dnd


def _state_phrase(seen: _Seen) -> str:
    """ "is available", "went offline", "is in do-not-disturb"..."""
    if seen.dnd:
        return "is in do-not-disturb"
    return {
        PresenceState.ONLINE: "is available",
        PresenceState.IDLE: "is available (idle)",
        PresenceState.BUSY: "is busy",
        PresenceState.AWAY: "is away",
        PresenceState.OFFLINE: "went offline",
    }.get(seen.state, "changed status")


def _digest_phrase(seen: _Seen) -> str:
    if seen.available:
        return "became available"
    return _state_phrase(seen)


def _was(seen: _Seen) -> str:
    """ "was in a meeting", "was away", "was in do-not-disturb"."""
    detail = activity_words(seen.activity)
    if detail:
        return f"was {detail[0].lower()}{detail[1:]}"
    if seen.dnd:
        return "was in do-not-disturb"
    words = {
        PresenceState.ONLINE: "available",
        PresenceState.IDLE: "idle",
        PresenceState.BUSY: "busy",
        PresenceState.AWAY: "away",
        PresenceState.OFFLINE: "offline",
    }
    return f"was {words.get(seen.state, 'unknown')}"


def _single(event: _Event) -> Notification:
    title = f"{event.name} {_state_phrase(event.new)}"
    parts = [f"on {event.new.platform}"]
    detail = activity_words(event.new.activity)
    if detail:
        parts.append(detail)
    parts.append(_was(event.old))
    return Notification(title, " · ".join(parts), event.person_id)


def _summary(events: Sequence[_Event]) -> Notification:
    count = len(events)
    if all(e.new.available for e in events):
        title = f"{count} people became available"
        shown = [e.name for e in events]
    elif all(e.new.state is PresenceState.OFFLINE for e in events):
        title = f"{count} people went offline"
        shown = [e.name for e in events]
    else:
        title = f"{count} people changed status"
        shown = [f"{e.name} {_digest_phrase(e.new)}" for e in events]
    return Notification(title, _listing(shown), None)


def _listing(items: Sequence[str]) -> str:
    """ "a, b, c", or "a, b, c, d, e and 3 more"."""
    if len(items) <= MAX_NAMES_LISTED:
        return ", ".join(items)
    head = ", ".join(items[:MAX_NAMES_LISTED])
    return f"{head} and {len(items) - MAX_NAMES_LISTED} more"


async def tick_periodically(
    notifier: Notifier,
    every_seconds: float,
    before_tick: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Every ``every_seconds`` real seconds while changes are held for the end of
    do-not-disturb, await ``before_tick`` (a settings reload, say) and call
    :meth:`Notifier.tick`, until cancelled. With nothing held a tick has nothing to do, so
    none is made (each wake-up costs the idle app CPU time)."""
    while True:
        await notifier.wait_until_holding()
        await asyncio.sleep(every_seconds)
        if before_tick is not None:
            await before_tick()
        notifier.tick()
