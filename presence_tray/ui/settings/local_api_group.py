"""General > Local API: on or off, where it listens and on which port, its token, and the web
origins allowed."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton

from presence_tray.core.preferences import (
    MAX_API_PORT,
    MIN_API_PORT,
    allowed_origins_problem,
    api_port_problem,
)
from presence_tray.ui.settings.widgets import MessageLine, named

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QWidget

    from presence_tray.core.preferences import Preferences

API_NOTE: Final = (
    "Programs on this computer can ask Presence Tray who is available, and set your status, "
    "at this address with the token. Only this computer can reach it. Browser pages may call "
    "it only from the allowed web origins."
)
COPIED_NOTE: Final = "Copied. Keep it private: it lets a program act for you."
OFF_NOTE: Final = "There is no token while the local API is off."
READING_NOTE: Final = "Reading the token from the system keyring…"


class LocalApiControls(Protocol):
    """The running local API as the settings see it (the wiring layer's LocalApiService)."""

    @property
    def url(self) -> str | None:
        """Where it listens, or None while it does not."""
        ...

    @property
    def problem(self) -> str | None:
        """Why it is not running although switched on (or not on the port chosen), or
        None."""
        ...

    @property
    def default_port(self) -> int:
        """The port used when no other is chosen."""
        ...

    @property
    def port_variable(self) -> str:
        """The environment variable whose port wins over the one chosen here."""
        ...

    @property
    def port_override(self) -> int | None:
        """The port that variable sets, or None when it is not set."""
        ...

    def token(self) -> str | None:
        """The bearer token, once loaded."""
        ...

    def load_token(self) -> None:
        """Start loading the token (from the keyring); listeners hear when it is there."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Hear when it starts, stops or fails to start; returns the unsubscriber."""
        ...


def parse_origins(text: str) -> tuple[str, ...]:
    """Origins typed one after another, separated by commas, spaces or new lines."""
    return tuple(part for part in text.replace(",", " ").split() if part)


def parse_port(text: str) -> tuple[int | None, str | None]:
    """The port typed (None: empty, the default) and a sentence when it cannot be one."""
    text = text.strip()
    if not text:
        return None, None
    if not (text.isascii() and text.isdigit()):
        return None, (
            f"The local API's port must be a whole number from {MIN_API_PORT} to "
            f"{MAX_API_PORT}, not {text!r}."
        )
    port = int(text)
    return port, api_port_problem(port)


def port_help(controls: LocalApiControls) -> tuple[str, str | None]:
    """The port field's tooltip, and the line under it while the environment overrides it."""
    tooltip = (
        f"{MIN_API_PORT} to {MAX_API_PORT}; empty for the default, {controls.default_port}. "
        f"The environment variable {controls.port_variable} wins over this when it is set."
    )
    override = controls.port_override
    if override is None:
        return tooltip, None
    where = "any free port" if override == 0 else f"port {override}"
    return tooltip, (
        f"{controls.port_variable} is set, so the API listens on {where} whatever this says; "
        "the port here is kept for when it is not set."
    )


class LocalApiGroup(QGroupBox):
    """The Local API group of the General tab; the tab applies what it shows."""

    def __init__(
        self,
        controls: LocalApiControls,
        preferences: Preferences,
        *,
        on_switch: Callable[[], None],
        on_edit: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        """Show ``preferences``' API settings and ``controls``' state; ``on_switch`` runs when
        the API is switched on or off, ``on_edit`` at each keystroke in the port or the
        origins."""
        super().__init__("Local API", parent)
        self._controls = controls
        layout = QFormLayout(self)
        self.enabled = named(
            QCheckBox("Let programs on this computer ask who is available", self), "Local API"
        )
        self.enabled.setChecked(preferences.api_enabled)
        self.enabled.toggled.connect(on_switch)
        self.address = named(QLabel(self), "Local API address")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.port = named(QLineEdit(self), "Local API port")
        self.port.setPlaceholderText(f"{controls.default_port} (the default)")
        self.port.setText("" if preferences.api_port is None else str(preferences.api_port))
        self.port.textChanged.connect(on_edit)
        tooltip, override_note = port_help(controls)
        self.port.setToolTip(tooltip)
        self.port.setAccessibleDescription(tooltip)
        self.port_problem = MessageLine("Local API port problem", self)
        self.port_note = MessageLine("Local API port note", self)
        self.port_note.say(override_note)
        self.problem = MessageLine("Local API problem", self)
        self.copy_token = named(QPushButton("Copy token", self), "Copy the local API's token")
        self.copy_token.clicked.connect(self._copy_token)
        self.token_note = MessageLine("Token note", self)
        self.origins = named(QLineEdit(self), "Web origins allowed to call the local API")
        self.origins.setPlaceholderText("none; e.g. http://localhost:3000")
        self.origins.setText(" ".join(preferences.api_allowed_origins))
        self.origins.textChanged.connect(on_edit)
        self.origins_problem = MessageLine("Allowed origins problem", self)
        note = QLabel(API_NOTE, self)
        note.setWordWrap(True)
        layout.addRow(self.enabled)
        layout.addRow("Address:", self.address)
        layout.addRow("Port:", self.port)
        layout.addRow(self.port_problem)
        layout.addRow(self.port_note)
        layout.addRow(self.problem)
        layout.addRow(self.copy_token)
        layout.addRow(self.token_note)
        layout.addRow("Allowed web origins:", self.origins)
        layout.addRow(self.origins_problem)
        layout.addRow(note)
        self._copy_when_loaded = False
        self._unsubscribe: Callable[[], None] | None = controls.subscribe(self.refresh)
        self.refresh()

    def applied_to(self, preferences: Preferences) -> Preferences | None:
        """``preferences`` with what the group shows, or None (with a sentence beside the
        port or the origins) while they need fixing."""
        port, port_problem = parse_port(self.port.text())
        self.port_problem.say(port_problem)
        origins = parse_origins(self.origins.text())
        problem = allowed_origins_problem(origins)
        self.origins_problem.say(problem)
        if problem is not None or port_problem is not None:
            return None
        return replace(
            preferences,
            api_enabled=self.enabled.isChecked(),
            api_port=port,
            api_allowed_origins=origins,
        )

    def refresh(self) -> None:
        """Show where the API listens, or why it does not."""
        url = self._controls.url
        self.address.setText(url or "Off")
        self.problem.say(self._controls.problem)
        self.copy_token.setEnabled(url is not None)
        if self._copy_when_loaded and self._controls.token() is not None:
            self._copy_token()
        elif self._copy_when_loaded and self._controls.problem is not None:
            self._copy_when_loaded = False
            self.token_note.say(None)

    def close_subscriptions(self) -> None:
        """Stop hearing the API (the dialog is going away)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _copy_token(self) -> None:
        if self._controls.url is None:
            self.token_note.say(OFF_NOTE)
            return
        token = self._controls.token()
        if token is None:  # still being read from the keyring: copied once it is there
            self._copy_when_loaded = True
            self.token_note.say(READING_NOTE)
            self._controls.load_token()
            return
        self._copy_when_loaded = False
        QGuiApplication.clipboard().setText(token)
        self.token_note.say(COPIED_NOTE)
