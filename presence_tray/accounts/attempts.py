"""One connect in progress, and how it ended: what the settings dialog holds and hears."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from presence_tray.core.errors import PresenceError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from presence_tray.accounts.signin import SignInFlow
    from presence_tray.core.identity import AccountRef


@dataclass(frozen=True)
class ConnectOutcome:
    """How a connect ended: the sentence for the dialog, and the account on success."""

    ok: bool
    message: str
    account: AccountRef | None = None


class WrongAccountError(PresenceError):
    """A Reconnect signed in as someone else than the account being renewed."""


class ConnectAttempt:
    """One running connect; :meth:`cancel` ends it with a cancelled outcome."""

    def __init__(self, on_done: Callable[[ConnectOutcome], None]) -> None:
        self._on_done = on_done
        self.done = False
        self.flow: SignInFlow | None = None
        self.task: asyncio.Task[None] | None = None
        self.committing = False  # the secrets are being saved: too late to cancel

    def cancel(self) -> None:
        """Stop the sign-in; ``on_done`` gets ok=False. Does nothing once it is saving."""
        if self.done or self.committing:
            return
        if self.flow is not None:
            self.flow.cancel()  # run() raises SignInCancelledError with its own sentence
        elif self.task is not None:
            self.task.cancel()

    def finish(self, outcome: ConnectOutcome) -> None:
        """Report ``outcome``, once."""
        if not self.done:
            self.done = True
            self._on_done(outcome)


def checked_ref(ref: AccountRef, replacing: AccountRef | None) -> AccountRef:
    """``ref``, unless a Reconnect of another account signed in as ``ref``."""
    if replacing is not None and ref != replacing:
        msg = (
            f"You signed in as another account ({ref.account_id}) than the one being "
            f"reconnected ({replacing.account_id}), so nothing was changed. Sign in as that "
            "account, or use Add account to connect this one beside it."
        )
        raise WrongAccountError(msg)
    return ref
