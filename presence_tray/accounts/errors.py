"""The ways a sign-in can end without tokens, each a sentence the user can act on.

Messages never contain a token, an authorization code or a PKCE verifier: they are shown in
the settings dialog and may be logged.
"""

from __future__ import annotations

from presence_tray.core.errors import PresenceError


class SignInError(PresenceError):
    """A sign-in ended without tokens; the message says what happened and what to do."""


class SignInDeniedError(SignInError):
    """The user (or the server on their behalf) declined to give access."""


class SignInRefusedError(SignInError):
    """The server answered the authorization request with an error other than a denial."""


class StateMismatchError(SignInError):
    """The browser's answer carried a missing or wrong ``state``: not the answer we asked for."""


class IssuerMismatchError(SignInError):
    """The browser's answer names another server (``iss``) than the one we asked (RFC 9207)."""


class SignInTimeoutError(SignInError):
    """The browser did not come back within the time allowed."""


class SignInCancelledError(SignInError):
    """The user cancelled the sign-in in Presence Tray."""


class BrowserNotOpenedError(SignInError):
    """No web browser could be opened on the sign-in page."""


class LoopbackPortError(SignInError):
    """The local listener for the browser's answer could not be opened (port in use...)."""


class ServerUnreachableError(SignInError):
    """The sign-in server could not be reached, or answered with a server error."""


class ServerTooSlowError(SignInError):
    """The sign-in server did not answer in time."""


class TokenExchangeError(SignInError):
    """The server refused to turn the sign-in code into tokens (expired or reused code...)."""


class IdentityCallError(SignInError):
    """After signing in, the platform would not (or could not) say who had signed in."""
