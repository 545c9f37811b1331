"""The error kinds that drive what the supervisor does with a failing platform client.

Each platform client translates its own failures into one of these at the edge, with
``raise ... from err``, so the rest of the app reacts to four behaviours, not to HTTP codes.
Messages must never contain a token or any other secret.
"""

from __future__ import annotations


class PresenceError(Exception):
    """Root of every error a platform client may raise on purpose."""

    says_what_to_do = False
    """True when the message already tells the user what to do (shown as it is, not wrapped
    in another sentence)."""


class AuthError(PresenceError):
    """The credentials were refused: the user must reconnect the account."""


class TransientError(PresenceError):
    """A passing failure (network, 5xx, dropped connection): back off and retry."""


class RateLimitedError(TransientError):
    """The platform asked us to slow down; retry no sooner than ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class PermanentError(PresenceError):
    """A failure retrying cannot fix (missing permission, unsupported server): stop and say why."""
