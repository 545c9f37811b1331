"""Builders shared by the UI tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent

from presence_tray.core.identity import Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceSource
from presence_tray.core.supervisor import ClientSupervisor
from presence_tray.ui.contacts_model import Role
from presence_tray.ui.shell import TrayShell

if TYPE_CHECKING:
    from PySide6.QtCore import QAbstractItemModel

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub
    from presence_tray.core.presence import Activity, PresenceState
    from presence_tray.ui.linking import LinkingActions, LinkingBackend

START = 1_700_000_000.0
"""The manual clock's starting time in every UI test."""


@dataclass
class AddressBook:
    """Builds people and presence values into a real hub, then flushes."""

    hub: PresenceHub
    clock: ManualClock
    keys: dict[tuple[str, Platform], IdentityKey] = field(default_factory=dict)

    def person(self, name: str, *platforms: Platform, handle: str | None = None) -> str:
        """Add ``name`` with one identity per platform; returns the person id."""
        hint = name.lower().replace(" ", "-")
        identities = []
        for platform in platforms or (Platform.SLACK,):
            key = IdentityKey(platform, "acct", f"{hint}@{platform}")
            self.keys[name, platform] = key
            handles = (handle,) if handle else (f"{hint}@example.org",)
            identities.append(Identity(key, name, handles=handles, person_id=hint))
        self.hub.add_identities(identities)
        return hint

    def set(
        self,
        name: str,
        state: PresenceState,
        platform: Platform = Platform.SLACK,
        *,
        dnd: bool = False,
        activity: Activity | None = None,
        source: PresenceSource = PresenceSource.POLL,
        ago: float = 0.0,
        note: str | None = None,
    ) -> None:
        """Ingest one value for ``name`` on ``platform`` (observed ``ago`` seconds ago)."""
        self.hub.ingest(
            PlatformPresence(
                self.keys[name, platform],
                state,
                self.clock.now() - ago,
                source=source,
                dnd=dnd,
                activity=activity,
                note=note,
            )
        )

    def flush(self) -> None:
        """Publish what is pending as one batch."""
        self.hub.flush()


def listed(model: QAbstractItemModel, role: int) -> list[Any]:
    """``role`` of every person's row of a contacts model or proxy, section headers left out."""
    indexes = (model.index(row, 0) for row in range(model.rowCount()))
    return [index.data(role) for index in indexes if not index.data(Role.IS_HEADER)]


def listed_names(model: QAbstractItemModel) -> list[str]:
    """The names of the people listed, in list order (section headers left out)."""
    return listed(model, Role.NAME)


def trayless_shell(hub: PresenceHub, clock: ManualClock) -> TrayShell:
    """A shell over ``hub`` with no tray (its contacts window opens at the start), showing
    connected accounts."""
    return TrayShell(
        hub, ClientSupervisor(hub, clock), clock, simulated_network=False, tray_available=False
    )


def use_linking(shell: TrayShell, backend: LinkingBackend) -> LinkingActions:
    """Give a started shell its linking backend; the contacts window's linking actions."""
    shell.use_linking(backend)
    actions = shell.linking
    assert actions is not None
    return actions


def close_shell(shell: TrayShell) -> None:
    """Close the shell and delete its contacts window at once: before the shell and its
    model go, so that no late event (a focus change) reaches a view of a deleted model."""
    window = shell.contacts_window
    shell.close()
    if window is not None:
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
