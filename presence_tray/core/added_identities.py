"""Identities the user adds by hand: a LinkedIn profile or a WhatsApp number for a person.

Neither platform shares presence (platform-apis.md §5, §6), so such an identity is there to
say so plainly and to offer its link ("Open profile", "Open chat"). Every one of them is
seen through one fixed account, :data:`ADDED_BY_HAND`, and named by its normalised profile
name or number: the same profile added twice is the same identity, however it was written.

Validation refuses anything else with a sentence the user can act on (a ``ValueError``).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from presence_tray.core.identity import Identity, IdentityKey, Platform

ADDED_BY_HAND: Final = "manual"
"""The account id of every identity added by hand (no account of the user's lists them)."""
ADDABLE_PLATFORMS: Final = (Platform.LINKEDIN, Platform.WHATSAPP)
"""The platforms whose identities are added by hand, in the order they are offered."""

_LINKEDIN_HOST = re.compile(r"(?:(?:www|[a-z]{2})\.)?linkedin\.com")
_LINKEDIN_SLUG = re.compile(r"[\w-]{3,100}")
_NUMBER_PUNCTUATION = re.compile(r"[\s().\-/]")
MIN_NUMBER_DIGITS: Final = 8
"""A country code and the shortest national numbers."""
MAX_NUMBER_DIGITS: Final = 15
"""E.164's longest number."""

LINKEDIN_EXAMPLE: Final = "https://www.linkedin.com/in/some-name/"
WHATSAPP_EXAMPLE: Final = "+44 20 7946 0958"
_NOT_A_PROFILE = (
    "That is not a LinkedIn profile address. Copy it from the profile page; it looks like "
    f"{LINKEDIN_EXAMPLE}"
)


def is_added_by_hand(key: IdentityKey) -> bool:
    """Whether ``key`` is an identity the user added by hand."""
    return key.account_id == ADDED_BY_HAND and key.platform in ADDABLE_PLATFORMS


def linkedin_profile_name(text: str) -> str:
    """The profile name (``some-name``) of a LinkedIn profile address, in lower case.

    Accepts ``https://www.linkedin.com/in/some-name/``, ``linkedin.com``, a country's host
    (``de.linkedin.com``) and anything after the name (``?trk=…``, ``/details/…``); a
    missing ``https://`` is taken as written. Raises ValueError with a sentence otherwise.
    """
    written = text.strip()
    if not written:
        msg = f"Paste the address of the LinkedIn profile, such as {LINKEDIN_EXAMPLE}"
        raise ValueError(msg)
    if "://" not in written:
        written = f"https://{written}"
    try:
        parts = urlsplit(written)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise ValueError(_NOT_A_PROFILE) from None
    if parts.scheme.lower() != "https":
        msg = f"A LinkedIn profile address starts with https://, such as {LINKEDIN_EXAMPLE}"
        raise ValueError(msg)
    if not _LINKEDIN_HOST.fullmatch(host) or parts.port is not None:
        msg = f"That address is not on linkedin.com. {_NOT_A_PROFILE}"
        raise ValueError(msg)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if len(segments) < 2 or segments[0].lower() != "in":  # noqa: PLR2004 - "in" and the name
        msg = (
            "Only a person's profile can be added: its address has /in/ and their profile "
            f"name, such as {LINKEDIN_EXAMPLE}"
        )
        raise ValueError(msg)
    name = segments[1].lower()
    if not _LINKEDIN_SLUG.fullmatch(name):
        msg = (
            f"“{segments[1][:40]}” is not a LinkedIn profile name: those are 3 to 100 letters, "
            "digits or hyphens. Copy the address from the profile page."
        )
        raise ValueError(msg)
    return name


def linkedin_profile_url(name: str) -> str:
    """The profile address of a profile name (``https://www.linkedin.com/in/<name>/``)."""
    return f"https://www.linkedin.com/in/{quote(name)}/"


def whatsapp_number(text: str) -> str:
    """The digits of a phone number in international format (``+44 20 7946 0958`` →
    ``442079460958``), as WhatsApp names its users. Raises ValueError with a sentence."""
    written = _NUMBER_PUNCTUATION.sub("", text.strip())
    if not written:
        msg = f"Type the WhatsApp number with its country code, such as {WHATSAPP_EXAMPLE}"
        raise ValueError(msg)
    if written.startswith("+"):
        digits = written[1:]
    elif written.startswith("00"):
        digits = written[2:]
    else:
        digits = written
        if digits.isdigit():
            msg = (
                "Write the number with its country code, starting with + (such as "
                f"{WHATSAPP_EXAMPLE}): WhatsApp cannot tell which country it is from otherwise."
            )
            raise ValueError(msg)
    if not digits.isdigit() or not digits.isascii():
        msg = (
            "A phone number has only digits, spaces, brackets and dashes after its +, such "
            f"as {WHATSAPP_EXAMPLE}"
        )
        raise ValueError(msg)
    if digits.startswith("0") or not MIN_NUMBER_DIGITS <= len(digits) <= MAX_NUMBER_DIGITS:
        msg = (
            f"That is not a whole international number: after the + it has a country code "
            f"and {MIN_NUMBER_DIGITS} to {MAX_NUMBER_DIGITS} digits in all, such as "
            f"{WHATSAPP_EXAMPLE}"
        )
        raise ValueError(msg)
    return digits


def whatsapp_chat_url(digits: str) -> str:
    """Where a chat with a WhatsApp number opens (``https://wa.me/<digits>``)."""
    return f"https://wa.me/{digits}"


def added_identity(platform: Platform, text: str) -> Identity:
    """The identity the user means by ``text`` on ``platform`` (a person of its own until it
    is linked). Raises ValueError with a sentence when ``text`` is not one."""
    if platform is Platform.LINKEDIN:
        name = linkedin_profile_name(text)
        key = IdentityKey(platform, ADDED_BY_HAND, name)
        return Identity(key, f"linkedin.com/in/{name}", chat_url=linkedin_profile_url(name))
    if platform is Platform.WHATSAPP:
        digits = whatsapp_number(text)
        key = IdentityKey(platform, ADDED_BY_HAND, digits)
        # The number as a handle: linking suggests it with accounts that list the same phone.
        return Identity(key, f"+{digits}", (f"+{digits}",), chat_url=whatsapp_chat_url(digits))
    msg = f"{platform.display_name} identities come from a connected account, not by hand."
    raise ValueError(msg)


def what_is_added(platform: Platform) -> str:
    """What the user adds on ``platform``: "LinkedIn profile", "WhatsApp number"."""
    if platform is Platform.LINKEDIN:
        return "LinkedIn profile"
    return f"{platform.display_name} number"
