"""A Teams tenant and a Slack workspace on the wall clock, as two connected accounts: what the
wiring test and the connected end-to-end test run the app's clients against.

Ada (Teams) and Mia (Slack) are who signed in; Grace (Teams) and Bob (Slack) are the
colleagues the app should show. :meth:`TeamsAndSlack.connect` leaves what Connect would: both
accounts saved, their tokens in a secret store.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.core.preferences import Account
from tests.servers.graph import GRAPH_PREFIX, GraphFake
from tests.servers.slack import API_PREFIX, SlackWorkspaceFake

if TYPE_CHECKING:
    from presence_tray.core.secrets import SecretStore
    from presence_tray.storage.repositories import AccountsRepository
    from tests.servers.http_fake import FakeRequest, FakeResponse

TEAMS = AccountRef(Platform.TEAMS, "contoso")
SLACK = AccountRef(Platform.SLACK, "acme")
SLACK_TOKEN = "xoxp-FAKE-NOT-A-SECRET-connected"
ME, BOB = "U0ME", "U0BOB"
TOKEN_LIFETIME_SECONDS = 3600.0


class TeamsAndSlack:
    """The two fakes; serve :meth:`graph_handler` and :meth:`slack_handler`."""

    def __init__(self) -> None:
        self.graph = GraphFake(time.time)
        self.ada = self.graph.add_user("Ada Lovelace")
        self.grace = self.graph.add_user("Grace Hopper")
        self.teams_token = self.graph.issue_token(self.ada.id, lifetime=TOKEN_LIFETIME_SECONDS)
        self.slack = SlackWorkspaceFake(clock=time.time)
        self.slack.add_person(ME, "mia", "Mia Example")
        self.slack.add_person(BOB, "bob", "Bob Builder")
        self.slack.issue_token(SLACK_TOKEN, ME)

    def graph_handler(self, request: FakeRequest) -> FakeResponse:
        """The Teams tenant's answer to ``request``."""
        return self.graph.handle(request)

    def slack_handler(self, request: FakeRequest) -> FakeResponse:
        """The Slack workspace's answer to ``request``."""
        return self.slack.handle(request)

    @staticmethod
    def api_bases(graph_url: str, slack_url: str) -> dict[Platform, str]:
        """The API bases of the fakes served at ``graph_url`` and ``slack_url``."""
        return {Platform.TEAMS: graph_url + GRAPH_PREFIX, Platform.SLACK: slack_url + API_PREFIX}

    def tokens(self) -> set[str]:
        """Every token the accounts hold (to check none leaks)."""
        return {self.teams_token, SLACK_TOKEN}

    async def connect(self, repository: AccountsRepository, secrets: SecretStore) -> None:
        """Both accounts saved in ``repository``, their tokens in ``secrets``."""
        oauth = {"method": "oauth", "client_id": "FAKE-CLIENT-ID"}
        teams = {**oauth, "tenant": "organizations"}
        repository.save(Account(TEAMS, "ada@contoso", settings=teams))
        repository.save(Account(SLACK, "Acme", settings=oauth))
        expires = time.time() + TOKEN_LIFETIME_SECONDS
        renewable = TokenSet(self.teams_token, "FAKE-NOT-A-SECRET-refresh", expires)
        await secrets.put(TEAMS, renewable.to_secret())
        await secrets.put(SLACK, TokenSet(SLACK_TOKEN).to_secret())
