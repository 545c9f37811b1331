"""General: start at login, how statuses combine, polling intervals, history, local API."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.aggregation import AggregationPolicy
from presence_tray.core.preferences import (
    MAX_HISTORY_RETENTION_DAYS,
    POLL_LIMITS,
    poll_interval_problem,
    retention_problem,
)
from presence_tray.ui.settings.debounce import Debouncer
from presence_tray.ui.settings.local_api_group import LocalApiGroup
from presence_tray.ui.settings.widgets import MessageLine, apply_or_say, named

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.identity import Platform
    from presence_tray.core.preferences import Preferences
    from presence_tray.ui.settings.backend import SettingsBackend
    from presence_tray.ui.settings.local_api_group import LocalApiControls

POLICY_WORDS: Final = {
    AggregationPolicy.MOST_AVAILABLE: (
        "Most available wins",
        "Someone available on any platform shows as available.",
    ),
    AggregationPolicy.RESPECT_DND: (
        "Respect do-not-disturb",
        "Someone in do-not-disturb on any platform shows as do-not-disturb.",
    ),
}
POLLING_NOTE: Final = (
    "How often each person's presence is asked for, at most, on your connected Slack, Teams "
    "and Zoom accounts. Favourites and the people in view are asked first; with many people "
    "the platform's rate limit sets the pace for the rest. The simulated network polls every "
    "simulated minute."
)
SPIN_CEILING: Final = 1_000_000
"""Spin boxes accept more than is valid, so a wrong number gets a sentence, not a silent clamp."""


class GeneralTab(QWidget):
    """Start at login, aggregation policy, polling intervals, history on/off and retention."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Show ``backend``'s values; every change applies and saves at once."""
        super().__init__(parent)
        self._backend = backend
        self._debouncer = Debouncer(self.apply, self)
        preferences = backend.preferences
        layout = QVBoxLayout(self)

        self.autostart = named(QCheckBox("Start Presence Tray when I log in"), "Start at login")
        self.autostart.setChecked(backend.autostart_enabled())
        self.autostart.toggled.connect(self._on_autostart)
        self.autostart_problem = MessageLine("Start at login problem", self)
        layout.addWidget(self.autostart)
        layout.addWidget(self.autostart_problem)

        layout.addWidget(self._build_policies(preferences.aggregation_policy))
        layout.addWidget(self._build_polling(preferences.poll_interval_seconds))
        layout.addWidget(self._build_history(preferences))
        layout.addStretch(1)
        self._layout = layout
        self.local_api: LocalApiGroup | None = None
        """The Local API group, once the app has a local API to show."""

    def show_local_api(self, controls: LocalApiControls) -> None:
        """Add the Local API group over ``controls`` (once; the API starts after the tab may
        have been built)."""
        if self.local_api is None:
            self.local_api = LocalApiGroup(
                controls,
                self._backend.preferences,
                on_switch=self.apply,
                on_edit=self._debouncer.poke,
                parent=self,
            )
            self._layout.insertWidget(self._layout.count() - 1, self.local_api)

    def close_subscriptions(self) -> None:
        """Stop hearing the app (the dialog is going away)."""
        if self.local_api is not None:
            self.local_api.close_subscriptions()

    def _build_policies(self, current: AggregationPolicy) -> QGroupBox:
        policies = QGroupBox("When someone's platforms disagree", self)
        policies_layout = QVBoxLayout(policies)
        self._policy_group = QButtonGroup(self)
        self.policy_buttons: dict[AggregationPolicy, QRadioButton] = {}
        for policy, (title, sentence) in POLICY_WORDS.items():
            button = named(QRadioButton(title, policies), title)
            button.setAccessibleDescription(sentence)
            button.setChecked(current is policy)
            self._policy_group.addButton(button)
            self.policy_buttons[policy] = button
            explanation = QLabel(sentence, policies)
            explanation.setWordWrap(True)
            explanation.setIndent(24)
            policies_layout.addWidget(button)
            policies_layout.addWidget(explanation)
            button.toggled.connect(self._on_policy)
        return policies

    def _build_polling(self, intervals: Mapping[Platform, float]) -> QGroupBox:
        polling = QGroupBox("How often polled platforms are asked", self)
        polling_layout = QFormLayout(polling)
        self.poll_spins: dict[Platform, QSpinBox] = {}
        for platform, limits in POLL_LIMITS.items():
            spin = named(QSpinBox(polling), f"{platform.display_name} polling interval")
            spin.setRange(1, SPIN_CEILING)
            spin.setSuffix(" s")
            spin.setValue(round(intervals.get(platform, limits.default)))
            spin.setToolTip(f"At least {limits.minimum:g} s (the platform's rate limits)")
            spin.valueChanged.connect(self._debouncer.poke)
            self.poll_spins[platform] = spin
            polling_layout.addRow(f"{platform.display_name}:", spin)
        self.polling_problem = MessageLine("Polling interval problem", polling)
        note = QLabel(POLLING_NOTE, polling)
        note.setWordWrap(True)
        polling_layout.addRow(self.polling_problem)
        polling_layout.addRow(note)
        return polling

    def _build_history(self, preferences: Preferences) -> QGroupBox:
        history = QGroupBox("History", self)
        history_layout = QFormLayout(history)
        self.history_enabled = named(
            QCheckBox("Keep a history of status changes", history), "Keep history"
        )
        self.history_enabled.setChecked(preferences.history_enabled)
        self.history_enabled.toggled.connect(self.apply)
        self.retention = named(QSpinBox(history), "Days of history kept")
        self.retention.setRange(0, SPIN_CEILING)
        self.retention.setSuffix(" days")
        self.retention.setValue(preferences.history_retention_days)
        self.retention.setToolTip(f"1 to {MAX_HISTORY_RETENTION_DAYS} days")
        self.retention.valueChanged.connect(self._debouncer.poke)
        self.retention_problem = MessageLine("History retention problem", history)
        history_layout.addRow(self.history_enabled)
        history_layout.addRow("Keep it for:", self.retention)
        history_layout.addRow(self.retention_problem)
        return history

    @property
    def debouncer(self) -> Debouncer:
        """The wait before a typed number is applied."""
        return self._debouncer

    def apply(self) -> None:
        """Apply and save what the tab shows, unless a value needs fixing first."""
        intervals = {platform: float(spin.value()) for platform, spin in self.poll_spins.items()}
        polling = next(
            (
                problem
                for platform, seconds in intervals.items()
                if (problem := poll_interval_problem(platform, seconds)) is not None
            ),
            None,
        )
        retention = retention_problem(self.retention.value())
        self.polling_problem.say(polling)
        self.retention_problem.say(retention)
        if polling or retention:
            return  # shown beside the control; nothing saved until it is fixed
        policy = next(p for p, button in self.policy_buttons.items() if button.isChecked())
        chosen = replace(
            self._backend.preferences,
            aggregation_policy=policy,
            poll_interval_seconds=intervals,
            history_enabled=self.history_enabled.isChecked(),
            history_retention_days=self.retention.value(),
        )
        if self.local_api is not None:
            with_api = self.local_api.applied_to(chosen)
            if with_api is None:
                return  # the origins need fixing: said beside them
            chosen = with_api
        apply_or_say(lambda: self._backend.set_preferences(chosen), self.retention_problem)

    def _on_policy(self, checked: bool) -> None:
        if checked:  # the button turned off reports too; apply once
            self.apply()

    def _on_autostart(self, checked: bool) -> None:
        problem = self._backend.set_autostart(enabled=checked)
        self.autostart_problem.say(problem)
        actual = self._backend.autostart_enabled()
        if actual != checked:  # show the file's real state, not the wish
            self.autostart.blockSignals(True)  # noqa: FBT003 - Qt's API
            self.autostart.setChecked(actual)
            self.autostart.blockSignals(False)  # noqa: FBT003 - Qt's API
