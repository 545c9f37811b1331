"""Who lives in the simulated network: a seeded, reproducible set of people and their accounts.

Each person has a unique name, a home time zone, a working-hours style and accounts on two to
four platforms (Slack and Teams common, WhatsApp and LinkedIn for some). Every identity carries
the person's id as ``person_id``, so the hub groups a person's accounts into one row, except
for two people in a hundred: one of their accounts names no person (see
:data:`UNLINKED_ACCOUNTS`), so the user has duplicates to review and link, as with real
accounts.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, assert_never

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.platforms.simulated.names import FIRST_NAMES, LAST_NAMES

SIMULATED_ACCOUNT_ID: Final = "simulated"
"""The account id of every simulated platform account."""

MAX_POPULATION: Final = 10_000
DEFAULT_POPULATION: Final = 24

COMPANY_DOMAIN = "example.com"
CHAT_SERVER = "example.org"
"""The Matrix homeserver and XMPP server everyone uses (a reserved example domain)."""

PLATFORM_WEIGHTS: Final[dict[Platform, float]] = {
    Platform.SLACK: 8.0,
    Platform.TEAMS: 6.0,
    Platform.ZOOM: 4.0,
    Platform.DISCORD: 3.0,
    Platform.WHATSAPP: 3.0,
    Platform.LINKEDIN: 3.0,
    Platform.MATRIX: 2.0,
    Platform.XMPP: 1.5,
}
"""How common each platform is among the simulated people."""

UTC_OFFSETS: Final[dict[float, int]] = {
    -8.0: 3, -7.0: 1, -6.0: 1, -5.0: 3, -3.0: 1, 0.0: 3, 1.0: 4,
    2.0: 2, 3.0: 1, 5.5: 2, 8.0: 2, 9.0: 1, 10.0: 1,
}  # fmt: skip
"""Home time zones (hours from UTC) and how many people live in each, relatively."""


class Unlinked(StrEnum):
    """How an account the simulated network does not link to its person shows it is theirs."""

    SAME_EMAIL = "same email"
    """Same name and email as the person's other accounts."""
    REORDERED_NAME = "reordered name"
    """No email; the name written "Last, First"."""


UNLINKED_ACCOUNTS: Final[dict[int, Unlinked]] = {
    17: Unlinked.SAME_EMAIL,
    23: Unlinked.REORDERED_NAME,
}
"""Person index modulo 100 → how that person's last account is left unlinked: 2 % of people,
both kinds within the default 24."""

_SNOWFLAKE_INDEX_BITS = 22
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ZOOM_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class WorkStyle(StrEnum):
    """When someone's working day starts."""

    EARLY = "early"
    REGULAR = "regular"
    LATE = "late"

    @property
    def start_hour(self) -> float:
        """The usual local start of the working day."""
        return _START_HOURS[self]


_START_HOURS = {WorkStyle.EARLY: 7.5, WorkStyle.REGULAR: 9.0, WorkStyle.LATE: 10.5}
_STYLE_WEIGHTS = {WorkStyle.EARLY: 3, WorkStyle.REGULAR: 5, WorkStyle.LATE: 2}


@dataclass(frozen=True, slots=True)
class SimulatedPerson:
    """One invented person: who they are, where they live and where they have accounts."""

    index: int
    person_id: str
    display_name: str
    email: str
    utc_offset_hours: float
    style: WorkStyle
    evenings_online: bool
    """Shows up on Discord, Matrix and XMPP in the evening and at weekends."""
    identities: tuple[Identity, ...]

    @property
    def unlinked(self) -> tuple[Identity, ...]:
        """The identities that name no person (the user may link them)."""
        return tuple(identity for identity in self.identities if identity.person_id is None)

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms this person has an account on."""
        return tuple(identity.key.platform for identity in self.identities)

    def identity(self, platform: Platform) -> Identity | None:
        """This person's identity on ``platform``, if they have one."""
        for identity in self.identities:
            if identity.key.platform is platform:
                return identity
        return None


def build_population(seed: int, size: int = DEFAULT_POPULATION) -> tuple[SimulatedPerson, ...]:
    """``size`` people (1 to :data:`MAX_POPULATION`), the same ones for the same seed."""
    if not 1 <= size <= MAX_POPULATION:
        msg = f"the simulated network holds 1 to {MAX_POPULATION:,} people, not {size:,}"
        raise ValueError(msg)
    rng = random.Random(f"population/{seed}")
    name_pairs = rng.sample(range(len(FIRST_NAMES) * len(LAST_NAMES)), size)
    return tuple(
        _person(rng, index, *divmod(pair, len(LAST_NAMES))) for index, pair in enumerate(name_pairs)
    )


def _person(rng: random.Random, index: int, first_index: int, last_index: int) -> SimulatedPerson:
    first, last = FIRST_NAMES[first_index], LAST_NAMES[last_index]
    person_id = f"sim-{index:05d}"
    user_name = f"{first}.{last}".lower()
    email = f"{user_name}@{COMPANY_DOMAIN}"
    platforms = _choose_platforms(rng, index)
    identities = tuple(
        _identity(rng, platform, index, person_id, f"{first} {last}", user_name, email)
        for platform in platforms
    )
    unlinked = UNLINKED_ACCOUNTS.get(index % 100)
    if unlinked is not None:
        # The last account: everyone has two or more, so the person keeps a linked one.
        identities = (*identities[:-1], _unlinked(identities[-1], unlinked, first, last))
    return SimulatedPerson(
        index=index,
        person_id=person_id,
        display_name=f"{first} {last}",
        email=email,
        utc_offset_hours=rng.choices(list(UTC_OFFSETS), weights=list(UTC_OFFSETS.values()))[0],
        style=rng.choices(list(_STYLE_WEIGHTS), weights=list(_STYLE_WEIGHTS.values()))[0],
        evenings_online=rng.random() < 0.35,  # noqa: PLR2004 - about a third of people
        identities=identities,
    )


def _choose_platforms(rng: random.Random, index: int) -> list[Platform]:
    """Two to four platforms, weighted; the first eight people cover one platform each.

    That guarantee makes every platform (and its honest limits) visible even in a small
    network. Weighted sampling without replacement: the largest ``random ** (1 / weight)``.
    """
    count = rng.randint(2, 4)
    all_platforms = list(Platform)
    forced = {all_platforms[index]} if index < len(all_platforms) else set()
    ranked = sorted(
        PLATFORM_WEIGHTS,
        key=lambda platform: rng.random() ** (1 / PLATFORM_WEIGHTS[platform]),
        reverse=True,
    )
    others = [platform for platform in ranked if platform not in forced]
    chosen = forced | set(others[: count - len(forced)])
    return [platform for platform in all_platforms if platform in chosen]


def _identity(
    rng: random.Random,
    platform: Platform,
    index: int,
    person_id: str,
    name: str,
    user_name: str,
    email: str,
) -> Identity:
    """An identity with a remote id, handles and chat link shaped like the platform's own."""
    handles: tuple[str, ...] = (email,)
    chat_url: str | None = None
    match platform:
        case Platform.SLACK:
            # Slack ids look like U024BE7LH; the index digits keep them unique.
            remote_id = "U" + _random_chars(rng, _BASE36, 5) + _base36(index).rjust(3, "0")
            chat_url = f"slack://user?team=T0SIMULATED&id={remote_id}"
        case Platform.TEAMS:
            remote_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            chat_url = f"https://teams.microsoft.com/l/chat/0/0?users={email}"
        case Platform.ZOOM:
            remote_id = _random_chars(rng, _ZOOM_ID_CHARS, 22)
        case Platform.DISCORD:
            # A snowflake: milliseconds since the Discord epoch (2015) above 22 low bits, which
            # hold the index here to keep ids unique. Accounts made between 2016 and 2024.
            created_ms = rng.randrange(31_536_000_000, 283_996_800_000)
            remote_id = str((created_ms << _SNOWFLAKE_INDEX_BITS) | index)
            chat_url = f"https://discord.com/users/{remote_id}"
            handles = (email, user_name.replace(".", "_"))
        case Platform.MATRIX:
            remote_id = f"@{user_name}:{CHAT_SERVER}"
            chat_url = f"https://matrix.to/#/{remote_id}"
            handles = (email, remote_id)
        case Platform.XMPP:
            remote_id = f"{user_name}@{CHAT_SERVER}"
            chat_url = f"xmpp:{remote_id}?message"
            handles = (email, remote_id)
        case Platform.WHATSAPP:
            # +1 555 numbers are the fictional ones; the index digits keep them unique.
            remote_id = f"1555{rng.randrange(100, 1000)}{index:05d}"
            chat_url = f"https://wa.me/{remote_id}"
            handles = (email, f"+{remote_id}")
        case Platform.LINKEDIN:
            remote_id = f"{user_name.replace('.', '-')}-{rng.getrandbits(24):06x}"
            chat_url = f"https://www.linkedin.com/in/{remote_id}/"
        case _:
            assert_never(platform)
    return Identity(
        IdentityKey(platform, SIMULATED_ACCOUNT_ID, remote_id),
        name,
        handles=handles,
        chat_url=chat_url,
        person_id=person_id,
    )


def _unlinked(identity: Identity, how: Unlinked, first: str, last: str) -> Identity:
    """``identity`` naming no person, with the hint ``how`` that it is still theirs."""
    match how:
        case Unlinked.SAME_EMAIL:
            return identity._replace(person_id=None)
        case Unlinked.REORDERED_NAME:
            return identity._replace(display_name=f"{last}, {first}", handles=(), person_id=None)
        case _:
            assert_never(how)


def _random_chars(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if not number:
            return digits
