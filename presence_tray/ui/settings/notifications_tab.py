"""Notifications: favourites by default, the pause between notifications, the sound."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from presence_tray.core.preferences import cooldown_problem
from presence_tray.ui.settings.debounce import Debouncer
from presence_tray.ui.settings.widgets import MessageLine, apply_or_say, named

if TYPE_CHECKING:
    from presence_tray.ui.settings.backend import SettingsBackend

RULES_NOTE: Final = (
    "People with rules of their own (presence-tray notify NAME) keep those rules; these "
    "defaults are for favourites without one."
)
MAX_SPIN_MINUTES: Final = 100_000


class NotificationsTab(QWidget):
    """The notification defaults."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Show ``backend``'s values; every change applies and saves at once."""
        super().__init__(parent)
        self._backend = backend
        self._debouncer = Debouncer(self.apply, self)
        preferences = backend.preferences
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.favourites = named(
            QCheckBox("&Tell me when a favourite becomes available", self),
            "Notify about favourites",
        )
        self.favourites.setChecked(preferences.notify_favourites)
        self.favourites.toggled.connect(self.apply)
        self.cooldown = named(QSpinBox(self), "Minutes between notifications about one person")
        self.cooldown.setRange(-1, MAX_SPIN_MINUTES)
        self.cooldown.setSuffix(" min")
        self.cooldown.setValue(round(preferences.notification_cooldown_seconds / 60))
        self.cooldown.valueChanged.connect(self._debouncer.poke)
        self.cooldown_problem = MessageLine("Notification pause problem", self)
        self.sound = named(QCheckBox("Play the desktop's notification sound", self), "Sound")
        self.sound.setChecked(preferences.notification_sound)
        self.sound.toggled.connect(self.apply)
        form.addRow(self.favourites)
        form.addRow("At most one about a person every:", self.cooldown)
        form.addRow(self.cooldown_problem)
        form.addRow(self.sound)
        layout.addLayout(form)
        note = QLabel(RULES_NOTE, self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)

    @property
    def debouncer(self) -> Debouncer:
        """The wait before a typed number is applied."""
        return self._debouncer

    def apply(self) -> None:
        """Apply and save what the tab shows, unless the pause needs fixing first."""
        seconds = self.cooldown.value() * 60.0
        problem = cooldown_problem(seconds)
        self.cooldown_problem.say(problem)
        if problem:
            return
        chosen = replace(
            self._backend.preferences,
            notify_favourites=self.favourites.isChecked(),
            notification_cooldown_seconds=seconds,
            notification_sound=self.sound.isChecked(),
        )
        apply_or_say(lambda: self._backend.set_preferences(chosen), self.cooldown_problem)
