"""Suggested links: identities that look like one human (same email, phone or handle, or
names that differ only in case, accents, punctuation or word order).

Suggestions are offered for the user to confirm, never applied silently. They are found by
indexing every identity under its normalised evidence, so the work grows with the number of
identities, not with the number of pairs. Evidence shared by more than
:data:`MAX_PEOPLE_PER_EVIDENCE` people (a team mailbox, a common name, a one-letter handle)
says nothing about who is who and is ignored.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations
from typing import TYPE_CHECKING, Final

from presence_tray.core.hub import is_unlinked_person_id

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator

    from presence_tray.core.identity import Identity, IdentityKey, Person

MAX_PEOPLE_PER_EVIDENCE: Final = 3
"""Evidence shared by more people than this is ignored (it would flood the user)."""
MIN_PHONE_DIGITS: Final = 7
"""Shorter numbers are extensions or typos, not evidence."""
MIN_HANDLE_CHARS: Final = 3
MIN_NAME_WORD_CHARS: Final = 2
"""Shorter name words (initials, stray letters) are left out when comparing names."""
MIN_NAME_WORDS: Final = 2
"""A single word ("Alice") is too common to suggest anything."""
SHOWN_NAME_CHARS: Final = 40
"""Names in an explanation are clipped to this length."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"\+?[\d\s().\-/]+")
_ASCII_PUNCTUATION_TO_SPACE = str.maketrans(
    {chr(code): " " for code in range(128) if not chr(code).isalnum()}
)


class LinkReason(StrEnum):
    """Why two identities look like one person, strongest first."""

    SAME_EMAIL = "same email"
    SAME_PHONE = "same phone number"
    SAME_HANDLE = "same handle"
    SIMILAR_NAMES = "similar names"


_STRENGTH: Final = {reason: rank for rank, reason in enumerate(LinkReason)}
"""Lower is stronger: a pair of people keeps its strongest reason."""


@dataclass(frozen=True, slots=True)
class LinkSide:
    """One side of a suggestion: the identity that matched and the person it belongs to now."""

    person_id: str
    person_name: str
    key: IdentityKey
    name: str
    """The identity's own display name."""
    handle: str | None
    """The handle that matched, else the identity's first handle (None when it has none)."""


@dataclass(frozen=True, slots=True)
class LinkSuggestion:
    """Two people who may be one: the identities that matched on each side, and why."""

    first: LinkSide
    second: LinkSide
    reason: LinkReason
    evidence: str
    """The matching email, phone number or handle as the first side writes it; the two names
    for similar names."""

    @property
    def explanation(self) -> str:
        """Why this is suggested, in words: "same email alice@example.org", "similar names:
        Alice Chen / alice chen"."""
        if self.reason is LinkReason.SAME_EMAIL:
            return f"{self.reason} {self.evidence}"
        if self.reason is LinkReason.SIMILAR_NAMES:
            first, second = clip(self.first.name), clip(self.second.name)
            if first == second:
                return f"same name: {first}"
            return f"{self.reason}: {first} / {second}"
        return str(self.reason)

    @property
    def people(self) -> frozenset[str]:
        """The two person ids."""
        return frozenset((self.first.person_id, self.second.person_id))


@dataclass(frozen=True, slots=True)
class Merge:
    """How two people become one: the person kept (or made), and the identities that move."""

    person_id: str
    display_name: str
    moves: tuple[IdentityKey, ...]


def new_person_id() -> str:
    """A fresh id for a person the user made by linking two identities of no named person."""
    return f"person:{uuid.uuid4().hex}"


def plan_merge(
    first: Person, second: Person, *, make_id: Callable[[], str] = new_person_id
) -> Merge:
    """Merge two people: a person with a real id (one a platform or the user gave) is kept,
    ``first`` before ``second``; two people of one identity each become a new person named
    like ``first``."""
    if not is_unlinked_person_id(first.person_id):
        return Merge(first.person_id, first.display_name, second.identities)
    if not is_unlinked_person_id(second.person_id):
        return Merge(second.person_id, second.display_name, first.identities)
    return Merge(make_id(), first.display_name, (*first.identities, *second.identities))


def suggest_links(
    people: Iterable[Person],
    identity_of: Callable[[IdentityKey], Identity | None],
    never_link: Collection[frozenset[IdentityKey]] = frozenset(),
) -> list[LinkSuggestion]:
    """Pairs of people who may be one, strongest reason first, each pair once.

    ``identity_of`` describes an identity (its names and handles); people with an identity
    pair in ``never_link`` are never suggested together.
    """
    index: dict[tuple[LinkReason, str], dict[str, tuple[Person, Identity, str]]] = {}
    for person in people:
        for key in person.identities:
            identity = identity_of(key)
            if identity is None:
                continue
            for reason, normalised, written in evidence(identity):
                holders = index.setdefault((reason, normalised), {})
                # One over the limit is enough to know the evidence is worthless.
                if len(holders) <= MAX_PEOPLE_PER_EVIDENCE:
                    holders.setdefault(person.person_id, (person, identity, written))
    apart = _partners(never_link)
    best: dict[frozenset[str], LinkSuggestion] = {}
    for (reason, _), holders in index.items():
        if not 2 <= len(holders) <= MAX_PEOPLE_PER_EVIDENCE:  # noqa: PLR2004 - a pair
            continue
        for (person_a, identity_a, written_a), (person_b, identity_b, written_b) in combinations(
            holders.values(), 2
        ):
            pair = frozenset((person_a.person_id, person_b.person_id))
            known = best.get(pair)
            if known is not None and _STRENGTH[known.reason] <= _STRENGTH[reason]:
                continue
            if _kept_apart(person_a, person_b, apart):
                continue
            best[pair] = LinkSuggestion(
                _side(person_a, identity_a, reason, written_a),
                _side(person_b, identity_b, reason, written_b),
                reason,
                written_a
                if reason is not LinkReason.SIMILAR_NAMES
                else f"{written_a} / {written_b}",
            )
    return sorted(
        best.values(),
        key=lambda s: (
            _STRENGTH[s.reason],
            s.first.person_name.casefold(),
            s.first.person_id,
            s.second.person_id,
        ),
    )


def evidence(identity: Identity) -> Iterator[tuple[LinkReason, str, str]]:
    """What an identity offers for matching: (reason, normalised value, value as written)."""
    for handle in identity.handles:
        found = normalise_handle(handle)
        if found is not None:
            yield (*found, handle.strip())
    name = normalise_name(identity.display_name)
    if name is not None:
        yield LinkReason.SIMILAR_NAMES, name, identity.display_name


def normalise_handle(handle: str) -> tuple[LinkReason, str] | None:
    """An email (case-folded), a phone number (digits only) or a user name (case-folded,
    without a leading "@"); None for a handle too short or empty to mean anything."""
    text = handle.strip()
    if text[:7].casefold() == "mailto:":
        text = text[7:]
    if _EMAIL.fullmatch(text):
        return LinkReason.SAME_EMAIL, text.casefold()
    if _PHONE.fullmatch(text):
        digits = "".join(char for char in text if char.isdigit())
        return (LinkReason.SAME_PHONE, digits) if len(digits) >= MIN_PHONE_DIGITS else None
    user_name = text.lstrip("@").casefold()
    return (LinkReason.SAME_HANDLE, user_name) if len(user_name) >= MIN_HANDLE_CHARS else None


def normalise_name(name: str) -> str | None:
    """A name without accents, case, punctuation, symbols or initials, words sorted ("Chen,
    Álice" and "alice chen" agree); None when fewer than two words are left."""
    if name.isascii():  # most names: no accents to take off, a table does the rest
        letters = name.casefold().translate(_ASCII_PUNCTUATION_TO_SPACE)
    else:
        letters = "".join(
            char if char.isalnum() else " "
            for char in unicodedata.normalize("NFKD", name).casefold()
            if not unicodedata.combining(char)
        )
    words = sorted(word for word in letters.split() if len(word) >= MIN_NAME_WORD_CHARS)
    return " ".join(words) if len(words) >= MIN_NAME_WORDS else None


def clip(text: str, limit: int = SHOWN_NAME_CHARS) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _side(person: Person, identity: Identity, reason: LinkReason, written: str) -> LinkSide:
    handle = written if reason is not LinkReason.SIMILAR_NAMES else None
    if handle is None and identity.handles:
        handle = identity.handles[0]
    return LinkSide(
        person.person_id, person.display_name, identity.key, identity.display_name, handle
    )


def _partners(pairs: Collection[frozenset[IdentityKey]]) -> dict[IdentityKey, set[IdentityKey]]:
    partners: dict[IdentityKey, set[IdentityKey]] = {}
    for pair in pairs:
        if len(pair) == 2:  # noqa: PLR2004 - a pair
            a, b = pair
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
    return partners


def _kept_apart(a: Person, b: Person, partners: dict[IdentityKey, set[IdentityKey]]) -> bool:
    """Whether the user said some identity of ``a`` and some identity of ``b`` are not one."""
    if not partners:
        return False
    others = set(b.identities)
    return any(not others.isdisjoint(partners.get(key, ())) for key in a.identities)
