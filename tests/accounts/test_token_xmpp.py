"""XMPP sign-in against a real Prosody (tests/servers/prosody_server.py), and address checks."""

from __future__ import annotations

import base64
import logging
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from presence_tray.accounts.errors import ServerTooSlowError, ServerUnreachableError
from presence_tray.accounts.token_accounts import (
    CredentialsRejectedError,
    InvalidCredentialsFormatError,
    UnexpectedAnswerError,
)
from presence_tray.accounts.xmpp_login import bare_jid, sign_in_xmpp
from tests.accounts.token_checks import FAKE_TOKEN, assert_secret_hidden, closed_port_url
from tests.servers.fixtures import ALICE_PASSWORD

if TYPE_CHECKING:
    from tests.servers.prosody_server import ProsodyServer


def _plain_auth_payload(user: str, password: str) -> str:
    """What SASL PLAIN would put on the wire (and in a stanza log) for these credentials."""
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


@pytest.mark.prosody
async def test_a_good_password_signs_in(
    trusted: ProsodyServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    account = await sign_in_xmpp(
        "alice@localhost/laptop", ALICE_PASSWORD, host=trusted.host, port=trusted.port
    )

    assert account.account_id == "alice@localhost"
    assert account.label == "alice@localhost"
    assert dict(account.settings) == {
        "address": "alice@localhost",
        "host": "127.0.0.1",
        "port": str(trusted.port),
    }
    assert account.secret == ALICE_PASSWORD  # XMPP needs it at every connect
    assert ALICE_PASSWORD not in repr(account)
    assert "slixmpp" in caplog.text  # the stanza log was captured, and holds no secret:
    assert_secret_hidden(ALICE_PASSWORD, None, caplog)
    assert_secret_hidden(_plain_auth_payload("alice", ALICE_PASSWORD), None, caplog)


@pytest.mark.prosody
async def test_a_wrong_password_is_a_sentence(
    trusted: ProsodyServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + FAKE_TOKEN

    with pytest.raises(CredentialsRejectedError) as caught:
        await sign_in_xmpp("alice@localhost", wrong, host=trusted.host, port=trusted.port)

    assert str(caught.value) == (
        f"The XMPP server at 127.0.0.1:{trusted.port} did not accept this password for "
        "alice@localhost. Check it and try again."
    )
    assert_secret_hidden(wrong, caught.value, caplog)
    assert_secret_hidden(_plain_auth_payload("alice", wrong), None, caplog)


@pytest.mark.prosody
async def test_an_unknown_user_is_refused_the_same_way(trusted: ProsodyServer) -> None:
    with pytest.raises(CredentialsRejectedError, match="did not accept this password"):
        await sign_in_xmpp("mallory@localhost", "pw", host=trusted.host, port=trusted.port)


@pytest.mark.prosody
async def test_an_untrusted_certificate_stops_before_the_password(prosody: ProsodyServer) -> None:
    # No SSL_CERT_FILE: the self-signed certificate is not trusted.
    with pytest.raises(UnexpectedAnswerError, match="certificate that is not valid"):
        await sign_in_xmpp("alice@localhost", ALICE_PASSWORD, host=prosody.host, port=prosody.port)


async def test_an_unreachable_server_is_a_sentence() -> None:
    port = int(urlsplit(closed_port_url()).port or 0)

    with pytest.raises(ServerUnreachableError) as caught:
        await sign_in_xmpp("alice@localhost", "pw", host="127.0.0.1", port=port)

    assert str(caught.value).startswith(
        f"The XMPP server at 127.0.0.1:{port} could not be reached. Check the address"
    )


async def test_a_silent_server_times_out_with_a_sentence(silent_server: str) -> None:
    port = int(urlsplit(silent_server).port or 0)

    with pytest.raises(ServerTooSlowError, match=r"did not answer within 0\.5 s"):
        await sign_in_xmpp("alice@localhost", "pw", host="127.0.0.1", port=port, timeout=0.5)


def test_slixmpp_is_not_loaded_by_importing_the_accounts_package() -> None:
    # The app imports the accounts modules at start-up; slixmpp must wait for a sign-in.
    import subprocess

    code = (
        "import sys, presence_tray.accounts.xmpp_login, presence_tray.accounts.token_accounts;"
        "sys.exit('slixmpp' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("alice@example.org", "alice@example.org"),
        (" Alice@Example.org/phone ", "alice@example.org"),
    ],
)
def test_addresses_become_bare_jids(typed: str, expected: str) -> None:
    assert bare_jid(typed) == expected


@pytest.mark.parametrize("typed", ["", "alice", "@example.org", "alice@", "a b@example.org"])
async def test_bad_addresses_are_refused(typed: str) -> None:
    with pytest.raises(InvalidCredentialsFormatError, match=r"like alice@example\.org"):
        await sign_in_xmpp(typed, "pw")


async def test_an_empty_password_is_refused() -> None:
    with pytest.raises(InvalidCredentialsFormatError, match=r"Enter the password of alice@x\.org"):
        await sign_in_xmpp("alice@x.org", "")


@pytest.mark.parametrize("port", [0, 70000])
async def test_a_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(InvalidCredentialsFormatError, match="from 1 to 65535"):
        await sign_in_xmpp("alice@x.org", "pw", host="127.0.0.1", port=port)
