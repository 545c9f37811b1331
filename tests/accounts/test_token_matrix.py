"""Matrix sign-in against a real Synapse (tests/servers/synapse_server.py), and address checks."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import httpx
import pytest

from presence_tray.accounts.errors import ServerUnreachableError
from presence_tray.accounts.matrix_login import homeserver_url, sign_in_matrix
from presence_tray.accounts.token_accounts import (
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    TooManyAttemptsError,
    UnexpectedAnswerError,
)
from tests.accounts.token_checks import FAKE_TOKEN, assert_secret_hidden, closed_port_url
from tests.servers.synapse_server import SynapseServer, run_synapse

if TYPE_CHECKING:
    from collections.abc import Iterator

ALICE_PASSWORD = "pw-alice-" + FAKE_TOKEN  # planted: must show up nowhere


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One real homeserver for the session, with users alice and carol."""
    with run_synapse(tmp_path_factory.mktemp("synapse")) as server:
        server.register("alice", ALICE_PASSWORD)
        server.register("carol", "pw-carol")
        server.register("root", "pw-root", admin=True)
        server.register("dave", "pw-dave")
        yield server


def _whoami(server: SynapseServer, access_token: str) -> str:
    answer = httpx.get(
        f"{server.url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["user_id"])


@pytest.mark.synapse
async def test_password_login_gives_the_user_id_and_a_working_token(
    synapse: SynapseServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    account = await sign_in_matrix(synapse.url + "/", user="alice", password=ALICE_PASSWORD)

    assert account.account_id == "@alice:localhost"
    assert account.label == "@alice:localhost"
    assert dict(account.settings) == {"homeserver": synapse.url, "user_id": "@alice:localhost"}
    secret = json.loads(account.secret)
    assert set(secret) == {"access_token", "device_id"}
    assert _whoami(synapse, secret["access_token"]) == "@alice:localhost"
    assert ALICE_PASSWORD not in account.secret  # the password is not kept
    assert_secret_hidden(ALICE_PASSWORD, None, caplog)
    assert_secret_hidden(secret["access_token"], None, caplog)


@pytest.mark.synapse
async def test_the_new_device_is_named_presence_tray(synapse: SynapseServer) -> None:
    account = await sign_in_matrix(synapse.url, user="@alice:localhost", password=ALICE_PASSWORD)

    secret = json.loads(account.secret)
    async with httpx.AsyncClient(timeout=10) as client:
        device = await client.get(
            f"{synapse.url}/_matrix/client/v3/devices/{secret['device_id']}",
            headers={"Authorization": f"Bearer {secret['access_token']}"},
        )
    assert device.json()["display_name"] == "Presence Tray"


@pytest.mark.synapse
async def test_a_wrong_password_is_a_sentence(
    synapse: SynapseServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + FAKE_TOKEN

    with pytest.raises(CredentialsRejectedError) as caught:
        await sign_in_matrix(synapse.url, user="alice", password=wrong)

    assert str(caught.value).startswith(
        "The homeserver did not accept this user name and password."
    )
    assert_secret_hidden(wrong, caught.value, caplog)


@pytest.mark.synapse
async def test_an_access_token_signs_in_with_whoami(synapse: SynapseServer) -> None:
    by_password = await sign_in_matrix(synapse.url, user="alice", password=ALICE_PASSWORD)
    token = json.loads(by_password.secret)["access_token"]

    account = await sign_in_matrix(synapse.url, access_token=f" {token} ")

    assert account.account_id == "@alice:localhost"
    assert json.loads(account.secret) == json.loads(by_password.secret)  # same token and device


@pytest.mark.synapse
async def test_a_bad_token_is_a_sentence(
    synapse: SynapseServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    with pytest.raises(CredentialsRejectedError) as caught:
        await sign_in_matrix(synapse.url, access_token=FAKE_TOKEN)

    assert str(caught.value).startswith(
        "The homeserver did not accept this access token: it is wrong, or that session was "
        "signed out."
    )
    assert_secret_hidden(FAKE_TOKEN, caught.value, caplog)


@pytest.mark.synapse
async def test_too_many_wrong_passwords_say_how_long_to_wait(synapse: SynapseServer) -> None:
    # overrides.yaml allows 3 failed logins per account, then Synapse answers 429.
    for _ in range(3):
        with pytest.raises(CredentialsRejectedError):
            await sign_in_matrix(synapse.url, user="carol", password="wrong")

    with pytest.raises(TooManyAttemptsError) as caught:
        await sign_in_matrix(synapse.url, user="carol", password="wrong")

    assert caught.value.retry_after > 0
    assert str(caught.value).startswith(
        f"The homeserver {synapse.url.removeprefix('http://')} received too many attempts. Wait "
    )


@pytest.mark.synapse
async def test_a_deactivated_accounts_password_and_token_are_refused(
    synapse: SynapseServer,
) -> None:
    # Synapse removes the password and signs every device out (its login then answers
    # M_FORBIDDEN, not M_USER_DEACTIVATED).
    before = await sign_in_matrix(synapse.url, user="dave", password="pw-dave")
    admin = await sign_in_matrix(synapse.url, user="root", password="pw-root")
    synapse.deactivate("@dave:localhost", admin_token=json.loads(admin.secret)["access_token"])

    with pytest.raises(CredentialsRejectedError, match="user name and password"):
        await sign_in_matrix(synapse.url, user="dave", password="pw-dave")
    with pytest.raises(CredentialsRejectedError, match="did not accept this access token"):
        await sign_in_matrix(synapse.url, access_token=json.loads(before.secret)["access_token"])


@pytest.mark.synapse
async def test_a_server_that_is_not_matrix_is_named(synapse: SynapseServer) -> None:
    with pytest.raises(UnexpectedAnswerError, match=r"unexpected answer \(HTTP 404\)"):
        await sign_in_matrix(synapse.url + "/not-here", user="alice", password=ALICE_PASSWORD)


async def test_an_unreachable_homeserver_is_a_sentence() -> None:
    url = closed_port_url()

    with pytest.raises(ServerUnreachableError) as caught:
        await sign_in_matrix(url, user="alice", password=FAKE_TOKEN)

    assert str(caught.value) == (
        f"The homeserver {url.removeprefix('http://')} could not be reached. Check your "
        "network connection and try again."
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("matrix.example.org", "https://matrix.example.org"),
        (" https://matrix.example.org/ ", "https://matrix.example.org"),
        ("https://example.org:8448/matrix/", "https://example.org:8448/matrix"),
        ("http://127.0.0.1:8008", "http://127.0.0.1:8008"),
        ("http://localhost:8008", "http://localhost:8008"),
        ("http://[::1]:8008", "http://[::1]:8008"),
    ],
)
def test_homeserver_addresses_are_normalised(typed: str, expected: str) -> None:
    assert homeserver_url(typed) == expected


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("http://matrix.example.org", "must start with https://"),
        ("http://10.0.0.5:8008", "must start with https://"),
        ("ftp://matrix.example.org", "like https://matrix.example.org"),
        ("", "like https://matrix.example.org"),
        ("https://user:pw@matrix.example.org", "like https://matrix.example.org"),
        ("https://matrix.example.org/?x=1", "like https://matrix.example.org"),
        ("https://matrix.example.org:port", "like https://matrix.example.org"),
        ("https://[::1", "like https://matrix.example.org"),
        ("https://exa mple.org", "like https://matrix.example.org"),
        ("https://ex\x00ample.org", "like https://matrix.example.org"),
    ],
)
async def test_bad_homeserver_addresses_are_refused(typed: str, why: str) -> None:
    with pytest.raises(InvalidCredentialsFormatError, match=why):
        await sign_in_matrix(typed, user="alice", password="pw")


@pytest.mark.parametrize(
    ("credentials", "why"),
    [
        ({}, "Enter your Matrix password, or an access token"),
        ({"user": "alice"}, "Enter your Matrix password, or an access token"),
        ({"password": "pw"}, "Enter your Matrix user name"),
        ({"user": "a", "password": "pw", "access_token": "t"}, "not both"),
        ({"access_token": "two\nlines"}, "not an access token"),
        ({"access_token": "t\u00f6ken"}, "not an access token"),
    ],
)
async def test_missing_or_double_credentials_are_refused(
    credentials: dict[str, str], why: str
) -> None:
    with pytest.raises(InvalidCredentialsFormatError, match=why):
        await sign_in_matrix(closed_port_url(), **credentials)
