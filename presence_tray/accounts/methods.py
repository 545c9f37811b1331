"""The ways to connect each platform: the fields the user fills in and a short guide.

Plain values for the settings dialog (it draws whatever it is given): a platform's
:class:`ConnectMethod` names its inputs (:class:`ConnectField`; secret ones are shown as dots
and go only to the keyring) and carries a guide of a few numbered steps from the platform
reference: how to register an app, the redirect URI, the scopes, what it cannot do.
:func:`check_values` is the validation that runs before anything starts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from presence_tray.accounts.descriptions import MICROSOFT_DEFAULT_TENANT, SIGN_IN_DESCRIPTIONS
from presence_tray.core.identity import Platform

if TYPE_CHECKING:
    from collections.abc import Mapping

OAUTH: Final = "oauth"
BOT_TOKEN: Final = "bot_token"  # noqa: S105 - a method's key, not a token
PASSWORD: Final = "password"  # noqa: S105 - a method's key, not a password
ACCESS_TOKEN: Final = "access_token"  # noqa: S105 - a method's key, not a token
WEBHOOK: Final = "webhook"
"""Set up in its platform's own panel, not with Connect: Meta's webhook to the local API
(WhatsApp), whose secrets are a verify token and an app secret."""
REDIRECT_URI: Final = "http://127.0.0.1/callback"
"""What the user registers; the app listens on a free port of it (RFC 8252 §7.3)."""


@dataclass(frozen=True)
class ConnectField:
    """One input the user fills in; a ``secret`` one is never logged or saved to SQLite."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    placeholder: str = ""
    default: str = ""


@dataclass(frozen=True)
class ConnectMethod:
    """One way to connect a platform."""

    key: str
    title: str
    guide: str
    fields: tuple[ConnectField, ...]
    opens_browser: bool = False


def _scope_list(platform: Platform) -> str:
    """The scopes Presence Tray asks ``platform`` for, comma-separated."""
    description = SIGN_IN_DESCRIPTIONS[platform]
    return ", ".join(
        description.read_scopes + description.set_status_scopes + description.identity_scopes
    )


def _scopes_step(platform: Platform) -> str:
    return f"Grant these scopes: {_scope_list(platform)}."


def _guide(*steps: str, cannot: str = "") -> str:
    lines = [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    if cannot:
        lines.append(cannot)
    return "\n".join(lines)


_CLIENT_ID = ConnectField("client_id", "Client ID", placeholder="from your app registration")
_APP_TOKEN = ConnectField(
    "app_token", "App-level token", secret=True, required=False, placeholder="xapp-…"
)
_TENANT = ConnectField(
    "tenant",
    "Tenant",
    required=False,  # empty: any work or school account
    placeholder="directory id or contoso.onmicrosoft.com",
    default=MICROSOFT_DEFAULT_TENANT,
)
_HOMESERVER = ConnectField("homeserver", "Homeserver", placeholder="https://matrix.example.org")


def _oauth(platform: Platform, guide: str, *extra: ConnectField) -> ConnectMethod:
    return ConnectMethod(
        OAUTH,
        f"Sign in with {platform.display_name} in your browser",
        guide,
        (_CLIENT_ID, *extra),
        opens_browser=True,
    )


METHODS: Final[dict[Platform, tuple[ConnectMethod, ...]]] = {
    Platform.SLACK: (
        _oauth(
            Platform.SLACK,
            _guide(
                "At https://api.slack.com/apps choose Create New App, From scratch, and your "
                "workspace.",
                f"Under OAuth & Permissions add the redirect URL {REDIRECT_URI} and turn on "
                "PKCE (a public client: no secret is needed).",
                f"Add User Token Scopes (not bot scopes): {_scope_list(Platform.SLACK)}.",
                "Copy the Client ID from Basic Information into the field below.",
                "Optional, for live status changes: under Basic Information, App-Level Tokens, "
                "make a token with connections:write and enable Socket Mode; paste its xapp- "
                "token below.",
                cannot="Slack shows other people only as active or away, and the refresh tokens "
                "of PKCE apps expire after 30 days (then connect again).",
            ),
            _APP_TOKEN,
        ),
    ),
    Platform.TEAMS: (
        _oauth(
            Platform.TEAMS,
            _guide(
                "In the Azure portal (Microsoft Entra ID, App registrations) choose New "
                "registration, for accounts in your organisation.",
                "Under Authentication add the platform 'Mobile and desktop applications' with "
                f"the redirect URI {REDIRECT_URI} (the port is not matched), and allow public "
                "client flows.",
                "Under API permissions add Microsoft Graph delegated permissions: "
                f"{_scope_list(Platform.TEAMS)}, offline_access (an admin may have to consent).",
                "Copy the Application (client) ID; the tenant is your directory id or domain, "
                f"or {MICROSOFT_DEFAULT_TENANT} for any work or school account.",
                cannot="Personal Microsoft accounts have no presence in Microsoft Graph.",
            ),
            _TENANT,
        ),
    ),
    Platform.ZOOM: (
        _oauth(
            Platform.ZOOM,
            _guide(
                "At https://marketplace.zoom.us choose Develop, Build App, General App "
                "(user-managed).",
                "Turn on 'Use Public Client OAuth' and copy the public client id (it has no "
                "secret).",
                f"Add the redirect URL {REDIRECT_URI} (Zoom ignores the port).",
                _scopes_step(Platform.ZOOM),
                cannot="Zoom lets an app set your status at most once a minute.",
            ),
        ),
    ),
    Platform.DISCORD: (
        _oauth(
            Platform.DISCORD,
            _guide(
                "At https://discord.com/developers/applications create an application.",
                f"Under OAuth2 add the redirect {REDIRECT_URI} and turn on Public Client.",
                "Copy the Client ID from OAuth2 into the field below (scope: identify).",
                cannot="This sign-in only tells Presence Tray who you are: reading presence "
                "needs a bot in a shared server (the Bot token method), and no app can set a "
                "Discord user's status.",
            ),
        ),
        ConnectMethod(
            BOT_TOKEN,
            "Bot token",
            _guide(
                "At https://discord.com/developers/applications open your application's Bot page.",
                "Turn on Presence Intent and Server Members Intent (privileged gateway intents).",
                "Invite the bot to a server you share with the people you want to see.",
                "Press Reset Token, copy the token and paste it below; it is kept only in the "
                "system keyring.",
                cannot="A bot sees only people in servers it has joined, and cannot set your "
                "own status.",
            ),
            (ConnectField("bot_token", "Bot token", secret=True),),
        ),
    ),
    Platform.LINKEDIN: (
        _oauth(
            Platform.LINKEDIN,
            _guide(
                "At https://www.linkedin.com/developers/apps create an app and add the product "
                "'Sign In with LinkedIn using OpenID Connect'.",
                "Ask your LinkedIn contact to enable the native PKCE flow for the app: LinkedIn "
                "enables it only on request, and without it this sign-in fails.",
                "Add the redirect URL http://127.0.0.1/callback and copy the Client ID below.",
                _scopes_step(Platform.LINKEDIN),
                cannot="LinkedIn has no presence API: connecting only tells Presence Tray who "
                "you are.",
            ),
        ),
    ),
    Platform.MATRIX: (
        ConnectMethod(
            PASSWORD,
            "User name and password",
            _guide(
                "Enter your homeserver's address (the one your Matrix client uses).",
                "Enter your user name (@alice:example.org or alice) and password: Presence "
                "Tray logs in once as a new device called Presence Tray and keeps only that "
                "device's access token, never the password.",
                cannot="Presence is shared only with people in a room with you, and only if "
                "the homeserver has presence turned on.",
            ),
            (
                _HOMESERVER,
                ConnectField("user", "User", placeholder="@alice:example.org"),
                ConnectField("password", "Password", secret=True),
            ),
        ),
        ConnectMethod(
            ACCESS_TOKEN,
            "Access token",
            _guide(
                "Enter your homeserver's address.",
                "In Element: Settings, Help & About, Access Token; copy it and paste it below. "
                "Signing that session out in Element ends Presence Tray's access too.",
            ),
            (_HOMESERVER, ConnectField("access_token", "Access token", secret=True)),
        ),
    ),
    Platform.XMPP: (
        ConnectMethod(
            PASSWORD,
            "Address and password",
            _guide(
                "Enter your address (alice@example.org) and your password.",
                "Leave Server empty: it is found from your address. Fill it in only when your "
                "provider names a server, as host or host:port.",
                "The password is kept in the system keyring: XMPP needs it at every connect.",
                cannot="You see the presence of people on your contact list who share it with you.",
            ),
            (
                ConnectField("address", "Address", placeholder="alice@example.org"),
                ConnectField("password", "Password", secret=True),
                ConnectField(
                    "server", "Server", required=False, placeholder="xmpp.example.org:5222"
                ),
            ),
        ),
    ),
}

UNAVAILABLE: Final[dict[Platform, str]] = {
    Platform.WHATSAPP: (
        "WhatsApp offers no way for apps to read anyone's presence, so there is nothing to "
        "connect; Receive WhatsApp messages notes when someone last messaged you instead."
    ),
}


def methods_for(platform: Platform, defaults: Mapping[str, str]) -> tuple[ConnectMethod, ...]:
    """``platform``'s methods, with fields prefilled from ``defaults`` (saved settings)."""
    return tuple(
        replace(
            method,
            fields=tuple(
                replace(field, default=defaults.get(field.name) or field.default)
                if not field.secret
                else field
                for field in method.fields
            ),
        )
        for method in METHODS.get(platform, ())
    )


def check_values(method: ConnectMethod, values: Mapping[str, str]) -> dict[str, str]:
    """The values ``method`` needs, trimmed; ValueError (a sentence) for what is missing or
    cannot be right (a homeserver that is not a web address, a client id with spaces)."""
    cleaned = {field.name: values.get(field.name, "").strip() for field in method.fields}
    for field in method.fields:
        if field.required and not cleaned[field.name]:
            msg = f"Enter the {field.label}."
            raise ValueError(msg)
    if any(char.isspace() for char in cleaned.get("client_id", "")):
        msg = "A Client ID has no spaces: copy it again from your app registration."
        raise ValueError(msg)
    homeserver = cleaned.get("homeserver")
    if homeserver is not None:
        parts = urlsplit(homeserver)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            msg = (
                f"{homeserver!r} is not a homeserver address: enter it like "
                "https://matrix.example.org."
            )
            raise ValueError(msg)
    address = cleaned.get("address")
    if address is not None and not _looks_like_jid(address):
        msg = f"{address!r} is not an XMPP address: enter it like alice@example.org."
        raise ValueError(msg)
    if cleaned.get("server"):
        split_server(cleaned["server"])  # a malformed server fails here, at once
    return cleaned


def split_server(server: str) -> tuple[str | None, int | None]:
    """``"host"`` or ``"host:port"`` as (host, port); (None, None) when empty; ValueError (a
    sentence) when it cannot be a server."""
    if not server:
        return None, None
    host, colon, port_text = server.rpartition(":")
    if not colon:
        host, port_text = server, ""
    if not host or any(char.isspace() or char in "/@" for char in host):
        msg = f"{server!r} is not a server: enter a host such as xmpp.example.org, or host:port."
        raise ValueError(msg)
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:  # noqa: PLR2004 - TCP ports
        msg = f"{port_text!r} is not a port: enter a number from 1 to 65535 (usually 5222)."
        raise ValueError(msg)
    return host, int(port_text)


def _looks_like_jid(address: str) -> bool:
    local, at, domain = address.partition("@")
    return bool(local and at and domain) and not any(c.isspace() or c == "/" for c in address)
