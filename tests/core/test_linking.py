"""Suggested links: normalising evidence, finding pairs, leaving out what the user refused."""

from __future__ import annotations

import time

import pytest

from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import Identity, IdentityKey, Person, Platform
from presence_tray.core.linking import (
    MAX_PEOPLE_PER_EVIDENCE,
    LinkReason,
    LinkSuggestion,
    Merge,
    clip,
    new_person_id,
    normalise_handle,
    normalise_name,
    plan_merge,
    suggest_links,
)


def ident(
    remote_id: str,
    name: str,
    *handles: str,
    platform: Platform = Platform.SLACK,
    person: str | None = None,
) -> Identity:
    return Identity(IdentityKey(platform, "acct", remote_id), name, handles, person_id=person)


def people_of(*identities: Identity) -> tuple[list[Person], dict[IdentityKey, Identity]]:
    """People grouped as the hub groups them (by person id, else one per identity)."""
    grouped: dict[str, list[Identity]] = {}
    for identity in identities:
        grouped.setdefault(identity.person_id or unlinked_person_id(identity.key), []).append(
            identity
        )
    people = [
        Person(person_id, members[0].display_name, tuple(i.key for i in members))
        for person_id, members in grouped.items()
    ]
    return people, {i.key: i for i in identities}


def suggest(
    *identities: Identity, never: frozenset[frozenset[IdentityKey]] = frozenset()
) -> list[LinkSuggestion]:
    people, by_key = people_of(*identities)
    return suggest_links(people, by_key.get, never)


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("Alice@Example.ORG", (LinkReason.SAME_EMAIL, "alice@example.org")),
        ("  mailto:alice@example.org ", (LinkReason.SAME_EMAIL, "alice@example.org")),
        ("+1 (555) 123-4567", (LinkReason.SAME_PHONE, "15551234567")),
        ("15551234567", (LinkReason.SAME_PHONE, "15551234567")),
        ("555-12", None),  # too short for a phone number
        ("@Alice_Chen", (LinkReason.SAME_HANDLE, "alice_chen")),
        ("@alice.chen:example.org", (LinkReason.SAME_HANDLE, "alice.chen:example.org")),
        ("al", None),
        ("", None),
        ("   ", None),
        ("@", None),
        ("🎉🎉🎉", (LinkReason.SAME_HANDLE, "🎉🎉🎉")),
    ],
)
def test_handles_are_normalised(handle: str, expected: tuple[LinkReason, str] | None) -> None:
    assert normalise_handle(handle) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Alice Chen", "alice chen"),
        ("alice chen", "alice chen"),
        ("Chen, Alice", "alice chen"),
        ("ÁLICE  chén", "alice chen"),
        ("Alice B. Chen", "alice chen"),  # an initial is left out
        ("Alice Chen 🎉", "alice chen"),
        ("\uff26\uff55\uff4c\uff4c \uff2e\uff41\uff4d\uff45", "full name"),  # fullwidth
        ("Alice", None),  # one word
        ("A B", None),  # initials only
        ("A", None),
        ("", None),
        ("🎉 🎉", None),
        ("李 小龍", None),  # words of one character
        ("Ярослава Ковальчук", "ковальчук ярослава"),
    ],
)
def test_names_are_normalised(name: str, expected: str | None) -> None:
    assert normalise_name(name) == expected


def test_same_email_is_suggested_with_its_reason() -> None:
    (suggestion,) = suggest(
        ident("U1", "Alice Chen", "alice@example.org", person="alice"),
        ident("D1", "ali", "Alice@Example.org", platform=Platform.DISCORD),
    )
    assert suggestion.reason is LinkReason.SAME_EMAIL
    assert suggestion.explanation == "same email alice@example.org"
    assert suggestion.people == {
        "alice",
        unlinked_person_id(IdentityKey(Platform.DISCORD, "acct", "D1")),
    }
    assert suggestion.first.person_id == "alice"
    assert suggestion.first.handle == "alice@example.org"
    assert suggestion.second.handle == "Alice@Example.org"
    assert suggestion.second.name == "ali"
    assert suggestion.second.key.platform is Platform.DISCORD


@pytest.mark.parametrize(
    ("first", "second", "explanation"),
    [
        (("+1 555 123 4567",), ("15551234567",), "same phone number"),
        (("@alice_chen",), ("Alice_Chen",), "same handle"),
    ],
)
def test_same_phone_or_handle(
    first: tuple[str, ...], second: tuple[str, ...], explanation: str
) -> None:
    (suggestion,) = suggest(ident("U1", "Alice", *first), ident("W1", "Ali", *second))
    assert suggestion.explanation == explanation


def test_similar_names_in_any_order_case_and_accent() -> None:
    (suggestion,) = suggest(ident("U1", "Alice Chen"), ident("T1", "chén, álice"))
    assert suggestion.reason is LinkReason.SIMILAR_NAMES
    assert suggestion.explanation == "similar names: Alice Chen / chén, álice"
    assert suggestion.first.handle is None  # no handles at all


def test_identical_names_say_same_name_and_show_a_handle() -> None:
    (suggestion,) = suggest(ident("U1", "Alice Chen", "@achen"), ident("T1", "Alice Chen"))
    assert suggestion.explanation == "same name: Alice Chen"
    assert suggestion.first.handle == "@achen"


def test_a_pair_of_people_is_suggested_once_with_its_strongest_reason() -> None:
    suggestions = suggest(
        ident("U1", "Alice Chen", "alice@example.org", "@achen", person="alice"),
        ident("T1", "Alice Chen", "+44 20 7946 0000", person="alice"),
        ident("D1", "alice chen", "achen", "alice@example.org", platform=Platform.DISCORD),
        ident("W1", "Alice Chen", "+442079460000", platform=Platform.WHATSAPP),
    )
    reasons = {frozenset(s.people): s.reason for s in suggestions}
    discord = unlinked_person_id(IdentityKey(Platform.DISCORD, "acct", "D1"))
    whatsapp = unlinked_person_id(IdentityKey(Platform.WHATSAPP, "acct", "W1"))
    assert reasons == {
        frozenset({"alice", discord}): LinkReason.SAME_EMAIL,
        frozenset({"alice", whatsapp}): LinkReason.SAME_PHONE,
        frozenset({discord, whatsapp}): LinkReason.SIMILAR_NAMES,
    }
    assert [s.reason for s in suggestions] == sorted(
        (s.reason for s in suggestions), key=list(LinkReason).index
    )


def test_identities_of_one_person_are_never_suggested() -> None:
    assert (
        suggest(
            ident("U1", "Alice Chen", "alice@example.org", person="alice"),
            ident("T1", "Alice Chen", "alice@example.org", person="alice"),
        )
        == []
    )


def test_never_link_pairs_keep_the_two_people_apart_whatever_the_evidence() -> None:
    slack = ident("U1", "Alice Chen", "alice@example.org", person="alice")
    teams = ident("T1", "Alice Chen", person="alice")
    stray = ident("D1", "Alice Chen", "alice@example.org", platform=Platform.DISCORD)
    other = ident("Z1", "Alice Chen", platform=Platform.ZOOM)
    # Refused between Teams and the Discord stray: the people are kept apart, even though
    # the email matched on Slack.
    never = frozenset({frozenset({teams.key, stray.key})})
    suggestions = suggest(slack, teams, stray, other, never=never)
    assert all(s.people != {"alice", unlinked_person_id(stray.key)} for s in suggestions)
    assert len(suggestions) == 2  # Zoom with both


def test_bad_pairs_in_the_never_link_list_are_ignored() -> None:
    lonely = frozenset({IdentityKey(Platform.SLACK, "acct", "U1")})
    assert len(suggest(ident("U1", "Alice Chen"), ident("T1", "Alice Chen"), never={lonely})) == 1


def test_unknown_identities_are_skipped() -> None:
    people, by_key = people_of(ident("U1", "Alice Chen"), ident("T1", "Alice Chen"))
    del by_key[people[1].identities[0]]
    assert suggest_links(people, by_key.get) == []


@pytest.mark.parametrize(
    "identities",
    [
        pytest.param([ident(f"U{n}", "", "") for n in range(50)], id="empty names and handles"),
        pytest.param([ident(f"U{n}", "A") for n in range(50)], id="one-letter names"),
        pytest.param([ident(f"U{n}", "J. K.") for n in range(50)], id="initials"),
        pytest.param([ident(f"U{n}", "🎉") for n in range(50)], id="emoji names"),
        pytest.param([ident(f"U{n}", "Sam", "x") for n in range(50)], id="single words"),
        pytest.param(
            [ident(f"U{n}", f"P{n}", "team@example.org") for n in range(50)], id="team mailbox"
        ),
        pytest.param([ident(f"U{n}", "John Smith") for n in range(50)], id="common name"),
        pytest.param([ident(f"U{n}", f"N{n}", "+1 555") for n in range(50)], id="short numbers"),
    ],
)
def test_bad_or_weak_input_does_not_flood(identities: list[Identity]) -> None:
    assert suggest(*identities) == []


def test_evidence_shared_by_a_few_people_is_still_offered() -> None:
    identities = [ident(f"U{n}", "John Smith") for n in range(MAX_PEOPLE_PER_EVIDENCE)]
    assert len(suggest(*identities)) == 3  # every pair of three


def test_long_names_are_matched_and_clipped_in_the_explanation() -> None:
    long_name = "Alexandria " * 18 + "Chen"  # about 200 characters
    (suggestion,) = suggest(ident("U1", long_name), ident("T1", long_name.upper()))
    first, second = suggestion.explanation.removeprefix("similar names: ").split(" / ")
    assert len(first) == len(second) == 40
    assert first.endswith("…")
    assert suggestion.first.name == long_name  # the full name is kept for the UI


def test_clip() -> None:
    assert clip("short") == "short"
    assert clip("a" * 50, 10) == "a" * 9 + "…"


def test_ten_thousand_people_with_three_identities_are_fast() -> None:
    identities: list[Identity] = []
    for n in range(10_000):
        person = f"p{n}"
        name = f"Person{n} Surname{n % 997}"
        identities += [
            ident(f"U{n}", name, f"person{n}@example.org", person=person),
            ident(f"T{n}", name, platform=Platform.TEAMS, person=person),
            ident(f"D{n}", name, f"person{n}", f"+1555{n:07d}", platform=Platform.DISCORD),
        ]
    people, by_key = people_of(*identities)
    started = time.perf_counter()
    suggestions = suggest_links(people, by_key.get)
    elapsed = time.perf_counter() - started
    assert len(suggestions) == 10_000  # each Discord stray with its person (similar names)
    assert elapsed < 2.0, f"{elapsed:.2f} s"  # about 0.2 s on the 2-core dev machine


def test_plan_merge_keeps_a_named_person() -> None:
    alice = Person("alice", "Alice Chen", (IdentityKey(Platform.SLACK, "a", "U1"),))
    stray_key = IdentityKey(Platform.DISCORD, "a", "D1")
    stray = Person(unlinked_person_id(stray_key), "alice", (stray_key,))
    assert plan_merge(alice, stray) == Merge("alice", "Alice Chen", (stray_key,))
    assert plan_merge(stray, alice) == Merge("alice", "Alice Chen", (stray_key,))
    bob = Person("bob", "Bob", (IdentityKey(Platform.TEAMS, "a", "T2"),))
    assert plan_merge(bob, alice) == Merge("bob", "Bob", alice.identities)


def test_plan_merge_of_two_strays_makes_a_new_person() -> None:
    a_key = IdentityKey(Platform.DISCORD, "a", "D1")
    b_key = IdentityKey(Platform.ZOOM, "a", "Z1")
    a = Person(unlinked_person_id(a_key), "Alice", (a_key,))
    b = Person(unlinked_person_id(b_key), "alice", (b_key,))
    assert plan_merge(a, b, make_id=lambda: "new") == Merge("new", "Alice", (a_key, b_key))
    made = plan_merge(a, b).person_id
    assert made.startswith("person:")
    assert made != new_person_id()
