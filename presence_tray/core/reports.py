"""The JSON-ready reports the command line and the local API both answer with.

Plain dicts of plain values (strings, numbers, booleans, None, lists), built from the hub and
the supervisor's statuses, so ``json.dumps`` takes them as they are. One place builds each
shape: ``presence-tray status --json`` and ``GET /v1/people`` say the same thing the same way.
Times are seconds since the epoch on the app's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.core.describe import activity_words, explanation, summary, value_words
from presence_tray.core.presence import PresenceSource

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from presence_tray.core.aggregation import AggregatedPresence, AggregationPolicy
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.identity import AccountRef, Person
    from presence_tray.core.own_status import OwnStatusResult
    from presence_tray.core.polling import BudgetUsage
    from presence_tray.core.supervisor import AccountStatus

Report = dict[str, object]
"""One JSON object."""

UPDATE_RATE_WINDOW_SECONDS: Final = 60.0
"""Update rates are measured over at least this long (see :class:`UpdateRateMeter`)."""


def resolve_person(hub: PresenceHub, name: str) -> tuple[Person | None, str | None]:
    """One person for ``name`` (a person id, a name or a handle), or an error sentence."""
    exact = hub.person(name)
    if exact is not None:
        return exact, None
    matches = hub.find_people(name)
    if not matches:
        return None, f"No one matches '{name}'."
    if len(matches) > 1:
        names = ", ".join(sorted(p.display_name for p in matches)[:5])
        return None, f"'{name}' matches several people ({names}); be more specific."
    return matches[0], None


def people_for(hub: PresenceHub, names: Sequence[str]) -> tuple[list[Person], list[str]]:
    """Everyone, by name, when ``names`` is empty; else the person each name finds, with an
    error sentence for each name that finds no one or several."""
    if not names:
        return sorted(hub.people(), key=lambda p: p.display_name.casefold()), []
    people: list[Person] = []
    errors: list[str] = []
    for name in names:
        person, error = resolve_person(hub, name)
        if person is not None:
            people.append(person)
        if error:
            errors.append(error)
    return people, errors


def aggregate_report(
    aggregate: AggregatedPresence, policy: AggregationPolicy, now: float
) -> Report:
    """A person's badge, why, and every platform's own value (``platforms``)."""
    decider = aggregate.decided_by
    return {
        "state": aggregate.state.value,
        "dnd": aggregate.dnd,
        "activity": activity_words(aggregate.activity) or None,
        "decided_by": None if decider is None else decider.identity.platform.value,
        "decision": aggregate.decision.value,
        "stale": aggregate.stale,
        "last_seen_at": aggregate.last_seen_at,
        "summary": summary(aggregate, now=now),
        "explanation": explanation(aggregate, policy),
        "platforms": [
            {
                "platform": value.identity.platform.value,
                "account": value.identity.account_id,
                "id": value.identity.remote_id,
                "state": value.state.value,
                "dnd": value.dnd,
                "activity": activity_words(value.activity) or None,
                "note": value.note,
                "source": value.source.value,
                "observed_at": value.observed_at,
                "stale": aggregate.is_value_stale(value),
                "words": value_words(value, stale=aggregate.is_value_stale(value), now=now),
                "devices": [
                    {"device": device.device, "state": device.state.value, "dnd": device.dnd}
                    for device in value.devices
                ],
                "last_active_at": value.last_active_at,
            }
            for value in aggregate.values
        ],
    }


def person_entry(
    person: Person, aggregate: AggregatedPresence, policy: AggregationPolicy, now: float
) -> Report:
    """One person: ``id``, ``name`` and the :func:`aggregate_report` of ``aggregate``."""
    return {
        "id": person.person_id,
        "name": person.display_name,
        **aggregate_report(aggregate, policy, now),
    }


def person_report(hub: PresenceHub, person: Person, now: float) -> Report | None:
    """One person as the hub has them now (None before the hub has aggregated them)."""
    aggregate = hub.aggregate(person.person_id)
    return None if aggregate is None else person_entry(person, aggregate, hub.policy, now)


def people_report(hub: PresenceHub, names: Sequence[str], *, now: float) -> Report:
    """``people`` (everyone when ``names`` is empty, by name) and ``errors`` (a sentence per
    name that found no one or several)."""
    people, errors = people_for(hub, names)
    reports = [person_report(hub, person, now) for person in people]
    return {"people": [report for report in reports if report is not None], "errors": errors}


def availability_report(hub: PresenceHub, names: Iterable[str]) -> Report:
    """For each name (a person id, name or handle), in order: can they be reached now, and on
    which platforms; ``all_reachable`` only when every one of them can.

    An entry that finds someone has ``found``, ``id``, ``name``, ``reachable``, ``state``,
    ``dnd`` and ``via`` (platforms, best first); one that does not has ``error``.
    """
    resolved = [(name, *resolve_person(hub, name)) for name in names]
    # One call for everyone found: the hub answers a batch faster than one person at a time.
    answers = iter(hub.availability([person.person_id for _, person, _ in resolved if person]))
    entries: list[Report] = []
    all_reachable = True
    for name, person, error in resolved:
        if person is None:
            all_reachable = False
            entries.append({"query": name, "found": False, "reachable": False, "error": error})
            continue
        answer = next(answers)
        aggregate = hub.aggregate(person.person_id)
        all_reachable = all_reachable and answer.reachable
        entries.append(
            {
                "query": name,
                "found": True,
                "id": person.person_id,
                "name": person.display_name,
                "reachable": answer.reachable,
                "state": answer.state.value,
                "dnd": aggregate is not None and aggregate.dnd,
                "via": [platform.value for platform in answer.via],
            }
        )
    return {"all_reachable": all_reachable, "people": entries}


def account_report(status: AccountStatus) -> Report:
    """One account's health, with the sentence the user reads."""
    return {
        "platform": status.account.platform.value,
        "account": status.account.account_id,
        "health": status.health.value,
        "message": status.message,
        "restarts": status.restarts,
    }


def cache_report(hub: PresenceHub, now: float) -> Report:
    """How old the values the hub holds are (the in-memory cache every answer comes from).

    ``oldest_age_seconds`` / ``newest_age_seconds``: the age of the oldest and newest
    observation held; ``from_saved_cache``: values still as loaded from the database at
    start-up, not yet confirmed by a platform; ``stale``: values no longer fresh.
    """
    oldest: float | None = None
    newest: float | None = None
    count = from_saved = stale = 0
    for person in hub.people():
        aggregate = hub.aggregate(person.person_id)
        if aggregate is None:
            continue
        for value in aggregate.values:
            if value.source is PresenceSource.NONE:
                continue  # "this platform shares nothing" is no observation and never ages
            count += 1
            from_saved += value.source is PresenceSource.CACHE
            stale += aggregate.is_value_stale(value)
            seen = value.observed_at
            oldest = seen if oldest is None else min(oldest, seen)
            newest = seen if newest is None else max(newest, seen)
    return {
        "values": count,
        "from_saved_cache": from_saved,
        "stale": stale,
        "oldest_observed_at": oldest,
        "newest_observed_at": newest,
        "oldest_age_seconds": None if oldest is None else round(now - oldest, 3),
        "newest_age_seconds": None if newest is None else round(now - newest, 3),
    }


def budget_report(usage: BudgetUsage) -> Report:
    """One rate limit of a polled account: calls spent and left."""
    return {
        "name": usage.name,
        "limit_calls": usage.limit_calls,
        "per_seconds": usage.per_seconds,
        "calls_per_window": usage.calls_per_window,
        "spent_in_window": usage.spent_in_window,
        "left_in_window": usage.left_in_window,
        "calls_total": usage.calls_total,
        "times_rate_limited": usage.times_held,
        "held_for_seconds": usage.held_for_seconds,
    }


@dataclass(frozen=True, slots=True)
class Keyring:
    """The keyring as the statistics show it: its backend and why it cannot be used."""

    backend: str
    problem: str | None = None


def statistics_report(
    hub: PresenceHub,
    accounts: Sequence[AccountStatus],
    *,
    keyring: Keyring,
    now: float,
    update_rates: Mapping[str, float] | None = None,
    call_budgets: Mapping[AccountRef, Sequence[BudgetUsage]] | None = None,
    extra: Mapping[str, object] | None = None,
) -> Report:
    """The hub's counters, the cache's age, each account's health and, where given, the
    update rates per platform, the polled accounts' API calls spent and left, and ``extra``
    sections other parts add (each under its own key; a key already used is refused)."""
    stats = hub.statistics()
    report: Report = {
        "people": stats.people,
        "identities": stats.identities,
        "updates_total": stats.updates_total,
        "updates_by_platform": {p.value: n for p, n in sorted(stats.updates_by_platform.items())},
        "unmatched_updates": stats.unmatched_updates,
        "events_total": stats.events_total,
        "events_per_second": round(stats.events_per_second, 3),
        "states": {s.value: n for s, n in sorted(stats.states.items())},
        "keyring": {"backend": keyring.backend, "problem": keyring.problem},
        "accounts": [account_report(status) for status in accounts],
        "cache": cache_report(hub, now),
    }
    if update_rates is not None:
        report["updates_per_second_by_platform"] = dict(update_rates)
    if call_budgets is not None:
        report["api_calls"] = [
            {
                "platform": account.platform.value,
                "account": account.account_id,
                "limits": [budget_report(usage) for usage in usages],
            }
            for account, usages in call_budgets.items()
        ]
    for key, section in (extra or {}).items():
        if key in report:
            msg = f"the statistics already have a section called {key!r}"
            raise ValueError(msg)
        report[key] = section
    return report


def own_status_report(results: Sequence[OwnStatusResult]) -> Report:
    """Each account's outcome of setting my status, and whether it was set on all of them."""
    return {
        "set_everywhere": all(result.ok for result in results),
        "accounts": [
            {
                "platform": result.account.platform.value,
                "account": result.account.account_id,
                "outcome": result.outcome.value,
                "message": result.message,
            }
            for result in results
        ],
    }


class UpdateRateMeter:
    """Updates per second per platform, from the hub's running totals.

    Each reading compares the totals with a reference reading at least
    :data:`UPDATE_RATE_WINDOW_SECONDS` old when there is one (at first: the meter's making),
    so a rate covers about the last minute or two, however often it is asked for.
    """

    def __init__(self, hub: PresenceHub, now: float) -> None:
        """Start measuring ``hub``'s updates at ``now`` (the hub's clock)."""
        self._hub = hub
        self._reference = (now, self._totals())
        self._candidate: tuple[float, dict[str, int]] | None = None

    def _totals(self) -> dict[str, int]:
        return {p.value: n for p, n in self._hub.statistics().updates_by_platform.items()}

    def rates(self, now: float) -> dict[str, float]:
        """Updates per second per platform (by value name) since the reference reading."""
        totals = self._totals()
        since, before = self._reference
        elapsed = now - since
        candidate = self._candidate
        if candidate is not None and now - candidate[0] >= UPDATE_RATE_WINDOW_SECONDS:
            self._reference, self._candidate = candidate, None
        elif candidate is None and elapsed >= UPDATE_RATE_WINDOW_SECONDS:
            self._candidate = (now, totals)
        return {
            platform: round((count - before.get(platform, 0)) / elapsed, 3) if elapsed > 0 else 0.0
            for platform, count in sorted(totals.items())
        }
