"""A scripted user in a scripted browser, for the sign-in tests against oidc-provider.

Plays what a person does in the system browser: follows redirects by hand (httpx with a cookie
jar, ``follow_redirects=False``), fills in the server's login form, then consents or denies,
and finally lets the browser fetch the loopback redirect, so the app's real listener receives
it. ``tamper`` may rewrite that last URL (wrong or missing ``state``, another ``iss``...).
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import httpx

if TYPE_CHECKING:
    from collections.abc import Callable

_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"')
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
_ABORT = re.compile(r'href="([^"]*/abort)"')
_MAX_STEPS = 20
BROWSER_TASK = "scripted-browser"  # the name of the asyncio task the browser runs in


class ScriptedUser:
    """One person signing in: ``open_browser`` is what the flow gets instead of webbrowser.open.

    ``consent`` False clicks the server's cancel link instead of approving. ``tamper`` rewrites
    the loopback URL before the browser fetches it. The last page the browser showed (the
    app's success or failure page) is kept in ``final_page``; ``redirect_url`` is the loopback
    URL as fetched.
    """

    def __init__(
        self,
        *,
        username: str = "alice",
        consent: bool = True,
        tamper: Callable[[str], str] | None = None,
    ) -> None:
        self.username = username
        self.consent = consent
        self.tamper = tamper
        self.redirect_url: str | None = None
        self.final_page: httpx.Response | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def open_browser(self, url: str) -> bool:
        """Start the person's browser on ``url`` (in the background, like a real browser)."""
        task = asyncio.get_running_loop().create_task(self.play(url), name=BROWSER_TASK)
        self._tasks.append(task)
        return True

    async def finished(self) -> None:
        """Wait for the browser session to end; re-raises what went wrong in it."""
        await asyncio.gather(*self._tasks)

    async def play(self, authorize_url: str) -> None:
        """Log in, consent (or not), and fetch the loopback redirect."""
        async with httpx.AsyncClient(follow_redirects=False, timeout=15) as browser:
            url, method, data = authorize_url, "GET", None
            for _ in range(_MAX_STEPS):
                response = await browser.request(method, url, data=data)
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    method, data = "GET", None
                    if url.startswith("http://127.0.0.1:") and not url.startswith(
                        str(response.request.url.copy_with(path="/", query=None))
                    ):
                        await self._fetch_redirect(browser, url)
                        return
                    continue
                assert response.status_code == 200, (response.status_code, response.text[:500])
                url, method, data = self._submit(response.text, url)
            raise AssertionError("the sign-in took too many steps")

    def _submit(self, page: str, url: str) -> tuple[str, str, dict[str, str] | None]:
        form = _FORM.search(page)
        assert form, page[:500]
        fields = dict(_HIDDEN.findall(page))
        if fields.get("prompt") == "login":
            fields.update(login=self.username, password="any-password")
        elif not self.consent:
            abort = _ABORT.search(page)
            assert abort, page[:500]
            return urljoin(url, html.unescape(abort.group(1))), "GET", None
        return urljoin(url, html.unescape(form.group(1))), "POST", fields

    async def _fetch_redirect(self, browser: httpx.AsyncClient, url: str) -> None:
        if self.tamper is not None:
            url = self.tamper(url)
        self.redirect_url = url
        self.final_page = await browser.get(url)
