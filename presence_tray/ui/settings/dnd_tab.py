"""Do not disturb: whether it is on now, quick snooze, vacation and the weekly rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QDate, QLocale, QTimer
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.dnd import Vacation, WeeklyDndRule
from presence_tray.core.own_status import tomorrow_morning
from presence_tray.ui.settings.debounce import Debouncer
from presence_tray.ui.settings.rule_editor import RuleEditor, system_zone
from presence_tray.ui.settings.widgets import MessageLine, apply_or_say, named
from presence_tray.ui.tray import until_words

ISO_DATE_FORMAT: Final = "yyyy-MM-dd"

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QHideEvent, QShowEvent

    from presence_tray.ui.settings.backend import SettingsBackend

SNOOZES: Final[tuple[tuple[str, Callable[[float], float]], ...]] = (
    ("30 min", lambda now: now + 30 * 60),
    ("1 h", lambda now: now + 3600),
    ("2 h", lambda now: now + 2 * 3600),
    ("Until tomorrow morning", tomorrow_morning),
)
STATUS_REFRESH_MS: Final = 1000
"""How often the "DND is on until..." line is brought up to date while the dialog shows."""
NEW_RULE_START: Final = time(18)
NEW_RULE_END: Final = time(8)


def local_midnight(day: date) -> float:
    """The start of ``day`` in the local time zone, as seconds since the epoch."""
    return datetime.combine(day, time()).timestamp()


def local_day(moment: float) -> date:
    """The local calendar day of ``moment``."""
    return datetime.fromtimestamp(moment).date()  # noqa: DTZ006 - local on purpose


def qdate(day: date) -> QDate:
    """``day`` as a QDate."""
    return QDate(day.year, day.month, day.day)


def date_format() -> str:
    """The system's short date format; ISO 8601 where the locale has none of its own.

    Under the C (POSIX) locale Qt's short format is "d M yyyy", which reads as three numbers
    with no order a person would guess; 2026-11-26 is unambiguous.
    """
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return ISO_DATE_FORMAT
    return locale.dateFormat(QLocale.FormatType.ShortFormat)


def pydate(day: QDate) -> date:
    """``day`` as a date."""
    return date(day.year(), day.month(), day.day())


class DndTab(QWidget):
    """The do-not-disturb schedule, edited in place."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Show ``backend``'s schedule; every change applies and saves at once."""
        super().__init__(parent)
        self._backend = backend
        self._debouncer = Debouncer(self.apply_rules, self)
        self._vacation_debouncer = Debouncer(self.apply_vacation, self)
        layout = QVBoxLayout(self)

        self.status = named(QLabel(self), "Do not disturb now")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        layout.addWidget(self._build_snooze())
        layout.addWidget(self._build_vacation())
        layout.addWidget(self._build_rules())
        layout.addStretch(1)

        # Runs only while the tab shows: a closed dialog costs no wake-ups.
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self.refresh_status()

    def _build_snooze(self) -> QGroupBox:
        snooze = QGroupBox("Quick snooze", self)
        snooze_layout = QHBoxLayout(snooze)
        self.snooze_buttons: dict[str, QPushButton] = {}
        for words, until in SNOOZES:
            button = named(QPushButton(words, snooze), f"Snooze {words.lower()}")
            button.clicked.connect(lambda _checked=False, until=until: self.snooze(until))
            self.snooze_buttons[words] = button
            snooze_layout.addWidget(button)
        self.end_snooze = named(QPushButton("End snooze", snooze), "End snooze")
        self.end_snooze.clicked.connect(self.stop_snooze)
        snooze_layout.addWidget(self.end_snooze)
        return snooze

    def _build_vacation(self) -> QGroupBox:
        backend = self._backend
        vacation = backend.schedule.vacation
        self.vacation = named(QGroupBox("Vacation", self), "Vacation mode")
        self.vacation.setCheckable(True)
        self.vacation.setChecked(vacation is not None)
        vacation_form = QFormLayout(self.vacation)
        today = local_day(backend.now())
        first = today if vacation is None else local_day(vacation.start)
        last = today + timedelta(days=6) if vacation is None else local_day(vacation.end - 1)
        self.vacation_from = named(QDateEdit(qdate(first), self.vacation), "Vacation from")
        self.vacation_to = named(QDateEdit(qdate(last), self.vacation), "Vacation until")
        for edit in (self.vacation_from, self.vacation_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(date_format())
            edit.dateChanged.connect(self._vacation_debouncer.poke)
        self.vacation_message = named(QLineEdit(self.vacation), "Vacation message")
        self.vacation_message.setPlaceholderText("Optional: a message, such as Back on Monday")
        self.vacation_message.setText(vacation.message or "" if vacation else "")
        self.vacation_message.textChanged.connect(self._vacation_debouncer.poke)
        self.vacation.toggled.connect(self.apply_vacation)
        self.vacation_problem = MessageLine("Vacation problem", self.vacation)
        vacation_form.addRow("From:", self.vacation_from)
        vacation_form.addRow("Until (included):", self.vacation_to)
        vacation_form.addRow("Message:", self.vacation_message)
        vacation_form.addRow(self.vacation_problem)
        return self.vacation

    def _build_rules(self) -> QGroupBox:
        rules = QGroupBox("Every week", self)
        self._rules_layout = QVBoxLayout(rules)
        self.rule_editors: list[RuleEditor] = []
        for rule in self._backend.schedule.rules:
            self._add_editor(rule)
        self.add_rule_button = named(QPushButton("Add rule", rules), "Add a weekly rule")
        self.add_rule_button.clicked.connect(self.add_rule)
        self.rules_problem = MessageLine("Weekly rules problem", rules)
        self._rules_layout.addWidget(self.rules_problem)
        self._rules_layout.addWidget(self.add_rule_button)
        return rules

    def showEvent(self, event: QShowEvent) -> None:
        """Bring the status line up to date and keep it so while shown."""
        self.refresh_status()
        self._status_timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop refreshing the status line."""
        self._status_timer.stop()
        super().hideEvent(event)

    @property
    def refreshing(self) -> bool:
        """Whether the status line is being kept up to date (only while the tab shows)."""
        return self._status_timer.isActive()

    @property
    def debouncers(self) -> tuple[Debouncer, Debouncer]:
        """The waits before typed rule times and vacation text are applied."""
        return self._debouncer, self._vacation_debouncer

    def refresh_status(self) -> None:
        """ "Do not disturb is on until 15:00." or "... is off."; End snooze when useful."""
        now = self._backend.now()
        state = self._backend.dnd_now()
        if not state.on:
            text = "Do not disturb is off now."
        elif state.until is None:
            text = "Do not disturb is on until you turn it off."
        else:
            text = f"Do not disturb is on until {until_words(state.until, now)}."
        self.status.setText(text)
        snooze_until = self._backend.schedule.snooze_until
        self.end_snooze.setEnabled(snooze_until is not None and snooze_until > now)

    def snooze(self, until: Callable[[float], float]) -> None:
        """Do not disturb from now until ``until(now)``."""
        backend = self._backend
        backend.set_schedule(replace(backend.schedule, snooze_until=until(backend.now())))
        self.refresh_status()

    def stop_snooze(self) -> None:
        """End the snooze now."""
        backend = self._backend
        backend.set_schedule(replace(backend.schedule, snooze_until=None))
        self.refresh_status()

    def apply_vacation(self) -> None:
        """Apply and save the vacation as shown, unless it ends before it starts."""
        backend = self._backend
        vacation = None
        if self.vacation.isChecked():
            first, last = pydate(self.vacation_from.date()), pydate(self.vacation_to.date())
            if last < first:
                self.vacation_problem.say(
                    "The vacation cannot end before it starts; choose a later last day."
                )
                return
            message = self.vacation_message.text().strip() or None
            vacation = Vacation(
                local_midnight(first), local_midnight(last + timedelta(days=1)), message
            )
        if apply_or_say(
            lambda: backend.set_schedule(replace(backend.schedule, vacation=vacation)),
            self.vacation_problem,
        ):
            self.refresh_status()

    def add_rule(self) -> None:
        """A new rule (evenings and nights on weekdays, in the system's zone), saved at once."""
        rule = WeeklyDndRule(frozenset(range(5)), NEW_RULE_START, NEW_RULE_END, system_zone())
        editor = self._add_editor(rule)
        editor.start.setFocus()
        self.apply_rules()

    def apply_rules(self) -> None:
        """Apply and save the weekly rules as shown, unless one of them needs fixing."""
        fine = [editor.show_sentences() for editor in self.rule_editors]
        if not all(fine):
            self.rules_problem.say("Fix the rule marked above; until then no rule change is saved.")
            return
        rules = tuple(editor.rule() for editor in self.rule_editors)
        backend = self._backend
        if apply_or_say(
            lambda: backend.set_schedule(replace(backend.schedule, rules=rules)),
            self.rules_problem,
        ):
            self.refresh_status()

    def _add_editor(self, rule: WeeklyDndRule) -> RuleEditor:
        editor = RuleEditor(rule, len(self.rule_editors) + 1, self)
        editor.changed.connect(self._debouncer.poke)
        editor.remove_requested.connect(lambda: self._remove_editor(editor))
        self.rule_editors.append(editor)
        self._rules_layout.insertWidget(len(self.rule_editors) - 1, editor)
        return editor

    def _remove_editor(self, editor: RuleEditor) -> None:
        self.rule_editors.remove(editor)
        self._rules_layout.removeWidget(editor)
        editor.deleteLater()
        self.apply_rules()
