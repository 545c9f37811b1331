"""Fixtures for the real servers, shared by every test folder (a plugin of tests/conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.accounts.token_checks import FAKE_TOKEN
from tests.servers.oidc_server import OidcServer, run_oidc_server
from tests.servers.prosody_server import ProsodyServer, run_prosody

if TYPE_CHECKING:
    from collections.abc import Iterator


ALICE_PASSWORD = "pw-alice-" + FAKE_TOKEN  # planted: must show up nowhere


@pytest.fixture(scope="session")
def prosody(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    """One real XMPP server for the session, with user alice."""
    with run_prosody(tmp_path_factory.mktemp("prosody")) as server:
        server.register("alice", ALICE_PASSWORD)
        yield server


@pytest.fixture
def trusted(prosody: ProsodyServer, monkeypatch: pytest.MonkeyPatch) -> ProsodyServer:
    """``prosody``, with its self-signed certificate trusted (as a real CA-signed one would be)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(prosody.certificate))
    return prosody


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcServer]:
    """The test OAuth server for this session, stopped (by PID) afterwards."""
    with run_oidc_server(tmp_path_factory.mktemp("oidc")) as server:
        yield server
