"""No token, code or PKCE verifier in logs or error text, across sign-ins that go well and badly.

A planted-secret scan like tests/test_secret_leaks.py, for the accounts package: every secret
the flows handle is collected (the authorization codes from the browser's answers, the PKCE
verifiers the flow generates, access and refresh tokens before and after rotation), then the
log records of every logger at DEBUG (tracebacks included), the errors' messages and
formatted tracebacks, and the TokenSet's repr are searched for them. What the scripted
browser's own httpx client logs (its task is named ``scripted-browser``: redirects and the
loopback URL, with the code in them) is a browser's history, not the app's, and is left out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import traceback
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from presence_tray.accounts import signin as signin_module
from presence_tray.accounts.errors import SignInError
from presence_tray.accounts.signin import SignInFlow
from presence_tray.accounts.tokens import NeedsReconnectError, TokenHolder
from presence_tray.accounts.tokenset import TokenSet
from presence_tray.core.identity import AccountRef, Platform
from presence_tray.storage.secrets import KeyringSecretStore
from tests.accounts.browser import BROWSER_TASK, ScriptedUser
from tests.accounts.helpers import refresh_endpoint, sign_in_request, userinfo

if TYPE_CHECKING:
    from tests.servers.oidc_server import OidcServer

pytestmark = [pytest.mark.oidc, pytest.mark.keyring]


class _TagBrowserRecords(logging.Filter):
    """Marks the records logged from the scripted browser's task (``from_browser``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop
            task = None
        record.from_browser = task is not None and task.get_name() == BROWSER_TASK
        return True


def _secrets_of(tokens: TokenSet) -> list[str]:
    return [tokens.access_token, tokens.refresh_token or "no-refresh-token"]


def _codes_of(user: ScriptedUser) -> list[str]:
    return parse_qs(urlsplit(user.redirect_url or "").query).get("code", [])


async def test_no_secret_reaches_logs_or_error_text(
    oidc_server: OidcServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(_TagBrowserRecords())
    verifiers: list[str] = []
    real_generate = signin_module.generate_token

    def recording_generate(length: int) -> str:
        verifiers.append(real_generate(length))
        return verifiers[-1]

    monkeypatch.setattr(signin_module, "generate_token", recording_generate)
    planted: list[str] = []
    errors: list[BaseException] = []
    browsers: list[ScriptedUser] = []

    # A sign-in that works, into the real keyring, then a renewal with rotation.
    account = AccountRef(Platform.SLACK, f"leak-{uuid.uuid4().hex[:12]}")
    store = KeyringSecretStore()
    try:
        user = ScriptedUser()
        browsers.append(user)
        tokens = await SignInFlow(sign_in_request(oidc_server), user.open_browser).run()
        await user.finished()
        planted += _secrets_of(tokens) + _codes_of(user)
        holder = TokenHolder(account, store, refresh_endpoint(oidc_server), refresh_ahead=0)
        await holder.save(dataclasses.replace(tokens, expires_at=time.time() - 1))
        assert (await holder.call(lambda t: userinfo(oidc_server, t))).status_code == 200
        renewed = TokenSet.from_secret(await store.get(account) or "")
        planted += _secrets_of(renewed)
        assert repr(renewed).count("access_token") == 0

        # The old, rotated-out refresh token comes back: invalid_grant, needs reconnect.
        await holder.save(dataclasses.replace(tokens, expires_at=time.time() - 1))
        with pytest.raises(NeedsReconnectError) as reconnect:
            await holder.access_token()
        errors.append(reconnect.value)
    finally:
        await store.delete(account)

    # A replayed code, and an answer with a forged state.
    for tamper in (
        lambda url: url.replace("code=", "code=" + _codes_of(browsers[0])[0] + "&was="),
        lambda url: url.replace("state=", "state=forged"),
    ):
        user = ScriptedUser(tamper=tamper)
        browsers.append(user)
        with pytest.raises(SignInError) as failed:
            await SignInFlow(sign_in_request(oidc_server), user.open_browser).run()
        await user.finished()
        planted += _codes_of(user)
        errors.append(failed.value)

    planted += verifiers
    assert len(verifiers) == 3
    searched = [
        record.getMessage() + (record.exc_text or "")
        for record in caplog.records
        if not getattr(record, "from_browser", False)
    ]
    searched += [str(err) + "".join(traceback.format_exception(err)) for err in errors]
    leaks = [(secret[:6], text[:80]) for secret in planted for text in searched if secret in text]
    assert not leaks
    assert any(record.name.startswith("presence_tray.accounts") for record in caplog.records)
