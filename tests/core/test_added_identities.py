"""Identities added by hand: LinkedIn profile addresses and WhatsApp numbers, normalised or
refused with a sentence; the words of the button that opens an identity's link."""

from __future__ import annotations

import re

import pytest

from presence_tray.core.added_identities import (
    ADDED_BY_HAND,
    added_identity,
    is_added_by_hand,
    linkedin_profile_name,
    whatsapp_number,
)
from presence_tray.core.describe import open_action_words
from presence_tray.core.identity import Identity, IdentityKey, Platform


@pytest.mark.parametrize(
    "written",
    [
        "https://www.linkedin.com/in/some-name/",
        "https://www.linkedin.com/in/some-name",
        "https://linkedin.com/in/Some-Name/",
        "https://de.linkedin.com/in/some-name/?originalSubdomain=de",
        "  www.linkedin.com/in/some-name/details/experience/#top ",
        "HTTPS://WWW.LINKEDIN.COM/in/some-name",
    ],
)
def test_a_profile_address_is_its_profile_name(written: str) -> None:
    assert linkedin_profile_name(written) == "some-name"


def test_a_profile_name_in_another_script_is_kept_and_quoted_in_the_address() -> None:
    identity = added_identity(Platform.LINKEDIN, "https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BC/")
    assert identity.key == IdentityKey(Platform.LINKEDIN, ADDED_BY_HAND, "jürgen-mü")
    assert identity.chat_url == "https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BC/"


@pytest.mark.parametrize(
    ("written", "sentence"),
    [
        ("", "Paste the address of the LinkedIn profile, such as https://www.linkedin.com/in/"),
        (
            "http://www.linkedin.com/in/some-name/",
            "A LinkedIn profile address starts with https://",
        ),
        ("https://www.linkedln.com/in/some-name/", "That address is not on linkedin.com."),
        ("https://linkedin.com.evil.example/in/x-y-z", "That address is not on linkedin.com."),
        ("https://www.linkedin.com:8443/in/some-name/", "That address is not on linkedin.com."),
        ("https://www.linkedin.com/company/acme/", "Only a person's profile can be added"),
        ("https://www.linkedin.com/in/", "Only a person's profile can be added"),
        ("https://www.linkedin.com/in/ab/", "“ab” is not a LinkedIn profile name"),
        ("https://www.linkedin.com/in/a%20b%20c/", "“a b c” is not a LinkedIn profile name"),
        ("https://[::1/in/x", "That is not a LinkedIn profile address."),
    ],
)
def test_anything_else_is_refused_with_a_sentence(written: str, sentence: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(sentence)}"):
        linkedin_profile_name(written)


@pytest.mark.parametrize(
    "written",
    ["+44 20 7946 0958", "+44 (20) 7946-0958", "0044 20.7946.0958", "+442079460958"],
)
def test_a_number_in_international_format_is_its_digits(written: str) -> None:
    assert whatsapp_number(written) == "442079460958"


@pytest.mark.parametrize(
    ("written", "sentence"),
    [
        ("", "Type the WhatsApp number with its country code"),
        ("020 7946 0958", "Write the number with its country code, starting with +"),
        ("+44 20 call me", "A phone number has only digits"),
        ("+٤٤٢٠٧٩٤٦٠٩٥٨", "A phone number has only digits"),
        ("+44 20", "That is not a whole international number"),
        ("+0 20 7946 0958", "That is not a whole international number"),
        ("+1234567890123456", "That is not a whole international number"),
    ],
)
def test_a_number_that_is_not_one_is_refused_with_a_sentence(written: str, sentence: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(sentence)}"):
        whatsapp_number(written)


def test_the_same_profile_written_two_ways_is_one_identity() -> None:
    first = added_identity(Platform.LINKEDIN, "https://www.linkedin.com/in/ada-lovelace/")
    second = added_identity(Platform.LINKEDIN, "linkedin.com/in/Ada-Lovelace?trk=x")
    assert (
        first
        == second
        == Identity(
            IdentityKey(Platform.LINKEDIN, "manual", "ada-lovelace"),
            "linkedin.com/in/ada-lovelace",
            chat_url="https://www.linkedin.com/in/ada-lovelace/",
        )
    )
    assert is_added_by_hand(first.key)


def test_a_whatsapp_number_opens_a_chat_and_is_a_phone_handle_for_linking() -> None:
    identity = added_identity(Platform.WHATSAPP, "+44 20 7946 0958")
    assert identity == Identity(
        IdentityKey(Platform.WHATSAPP, "manual", "442079460958"),
        "+442079460958",
        ("+442079460958",),
        chat_url="https://wa.me/442079460958",
    )
    assert is_added_by_hand(identity.key)


def test_only_linkedin_and_whatsapp_are_added_by_hand() -> None:
    with pytest.raises(ValueError, match="Slack identities come from a connected account"):
        added_identity(Platform.SLACK, "U123")
    assert not is_added_by_hand(IdentityKey(Platform.SLACK, "manual", "U1"))
    assert not is_added_by_hand(IdentityKey(Platform.WHATSAPP, "15550001111", "442079460958"))


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        (Platform.LINKEDIN, "Open profile on LinkedIn"),
        (Platform.WHATSAPP, "Open chat on WhatsApp"),
        (Platform.TEAMS, "Open chat on Teams"),
    ],
)
def test_the_button_that_opens_an_identitys_link(platform: Platform, words: str) -> None:
    assert open_action_words(platform) == words
