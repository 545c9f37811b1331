"""One weekly do-not-disturb rule: days, start and end, time zone, with inline sentences."""

from __future__ import annotations

from datetime import time
from functools import cache
from typing import Final
from zoneinfo import available_timezones

from PySide6.QtCore import QLocale, Qt, QTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.dnd import WeeklyDndRule, zone_problem
from presence_tray.ui.settings.widgets import MessageLine, named

DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FALLBACK_ZONE: Final = "UTC"


@cache
def zone_names() -> tuple[str, ...]:
    """Every time zone this system knows, sorted."""
    return tuple(sorted(available_timezones()))


def system_zone() -> str:
    """The system's time zone name ("Europe/Berlin"), or UTC when it has none we know."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("utf-8", "replace")
    return name if zone_problem(name) is None else FALLBACK_ZONE


def midnight_words(rule: WeeklyDndRule, locale: QLocale | None = None) -> str | None:
    """ "Until 02:00 the next day." for a rule that runs past midnight; None otherwise."""
    if not rule.crosses_midnight:
        return None
    end = (locale or QLocale()).toString(
        QTime(rule.end.hour, rule.end.minute), QLocale.FormatType.ShortFormat
    )
    return f"Until {end} the next day."


class RuleEditor(QWidget):
    """Edits one rule; :attr:`changed` fires on every edit, :attr:`remove_requested` on Remove."""

    changed = Signal()
    remove_requested = Signal()

    def __init__(self, rule: WeeklyDndRule, number: int, parent: QWidget | None = None) -> None:
        """Show ``rule`` (``number`` names it for screen readers: "Rule 2")."""
        super().__init__(parent)
        name = f"Rule {number}"
        self.setAccessibleName(name)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.enabled = named(QCheckBox("On", self), f"{name} on")
        self.enabled.setChecked(rule.enabled)
        self.enabled.toggled.connect(self.changed)
        top.addWidget(self.enabled)
        self.day_buttons: list[QToolButton] = []
        for day, day_name in enumerate(DAY_NAMES):
            button = named(QToolButton(self), f"{name} {day_name}")
            button.setText(day_name[:3])
            button.setCheckable(True)
            button.setChecked(day in rule.weekdays)
            button.toggled.connect(self.changed)
            self.day_buttons.append(button)
            top.addWidget(button)
        top.addStretch(1)
        self.remove = named(QPushButton("Remove", self), f"Remove {name.lower()}")
        self.remove.clicked.connect(self.remove_requested)
        top.addWidget(self.remove)
        layout.addLayout(top)

        grid = QGridLayout()
        self.start = named(
            QTimeEdit(QTime(rule.start.hour, rule.start.minute), self), f"{name} from"
        )
        self.end = named(QTimeEdit(QTime(rule.end.hour, rule.end.minute), self), f"{name} until")
        self.zone = named(QComboBox(self), f"{name} time zone")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.addItems(zone_names())
        completer = QCompleter(list(zone_names()), self.zone)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.zone.setCurrentText(rule.timezone)
        for edit in (self.start, self.end):
            edit.timeChanged.connect(self.changed)
        self.zone.currentTextChanged.connect(self.changed)
        fields: tuple[tuple[str, QWidget], ...] = (
            ("&From", self.start),
            ("&Until", self.end),
            ("Time &zone", self.zone),
        )
        for column, (words, field) in enumerate(fields):
            label = QLabel(words, self)
            label.setBuddy(field)
            grid.addWidget(label, 0, column)
            grid.addWidget(field, 1, column)
        layout.addLayout(grid)
        self.midnight = MessageLine(f"{name} runs past midnight", self)
        self.problem = MessageLine(f"{name} problem", self)
        layout.addWidget(self.midnight)
        layout.addWidget(self.problem)
        self.show_sentences()

    def rule(self) -> WeeklyDndRule:
        """The rule as shown (it may have a problem; see :meth:`show_sentences`)."""
        start, end = self.start.time(), self.end.time()
        return WeeklyDndRule(
            frozenset(day for day, button in enumerate(self.day_buttons) if button.isChecked()),
            time(start.hour(), start.minute()),
            time(end.hour(), end.minute()),
            self.zone.currentText().strip(),
            enabled=self.enabled.isChecked(),
        )

    def show_sentences(self) -> bool:
        """Show "until 02:00 the next day" and any problem; True when the rule can be saved."""
        rule = self.rule()
        problem = rule.problem()
        self.midnight.say(midnight_words(rule))
        self.problem.say(problem)
        return problem is None
