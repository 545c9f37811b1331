"""Adding or editing one webhook: the address, what fires it, a body template per status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.describe import state_words
from presence_tray.core.presence import PresenceState
from presence_tray.core.webhook_body import TEMPLATE_FIELDS
from presence_tray.core.webhooks import DND, STATUS_WORDS, Webhook, sends_in_clear
from presence_tray.ui.settings.widgets import MessageLine, named

if TYPE_CHECKING:
    from collections.abc import Sequence

CLEAR_TEXT_WARNING: Final = (
    "This address uses plain http: the body travels unencrypted unless the receiver is on "
    "this computer or your local network. Use https:// for anything on the internet."
)
TEMPLATE_HELP: Final = (
    "Leave a status's template empty to send the default JSON body. Fields: "
    + ", ".join(f"${name}" for name in TEMPLATE_FIELDS)
    + ". Values are inserted JSON-escaped; nothing in a template is run."
)
PERSON_ID_ROLE: Final = Qt.ItemDataRole.UserRole


def status_label(word: str) -> str:
    """ "Busy", "Do not disturb" ... for a status word."""
    return (
        state_words(PresenceState.BUSY, dnd=True)
        if word == DND
        else state_words(PresenceState(word))
    )


class WebhookEditor(QDialog):
    """A form over one webhook; :meth:`hook` is what it says when accepted."""

    def __init__(
        self,
        hook: Webhook,
        people: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        """Edit ``hook`` (an empty id: a new one); ``people`` are (person id, name) pairs to
        pick from."""
        super().__init__(parent)
        self._hook = hook
        self.setWindowTitle("Edit webhook" if hook.hook_id else "Add a webhook")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.url = named(QLineEdit(hook.url, self), "Webhook address")
        self.url.setPlaceholderText("https://example.com/hooks/presence")
        self.url.textChanged.connect(self._warn_if_clear)
        form.addRow("&Address:", self.url)
        self.clear_warning = MessageLine("Unencrypted address warning", self)
        form.addRow(self.clear_warning)
        self.own_status = named(
            QCheckBox("When &my status changes", self), "Fire when my status changes"
        )
        self.own_status.setChecked(hook.on_own_status)
        form.addRow(self.own_status)
        self.filter = named(QLineEdit(self), "Find people")
        self.filter.setPlaceholderText("Find people…")
        self.filter.textChanged.connect(self._filter_people)
        self.people = named(QListWidget(self), "People whose changes fire this webhook")
        for person_id, name in people:
            item = QListWidgetItem(name, self.people)
            item.setData(PERSON_ID_ROLE, person_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = person_id in hook.person_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if not people:
            self.people.addItem("No people are known yet.")
        form.addRow("When these &people change:", self.filter)
        form.addRow(self.people)
        self.status = named(QComboBox(self), "Status whose template is shown")
        for word in STATUS_WORDS:
            self.status.addItem(status_label(word), word)
        self._templates: dict[str, str] = dict(hook.templates)
        self.template = named(QPlainTextEdit(self), "Body template for this status")
        self.template.setPlaceholderText("Empty: the default JSON body")
        self.status.currentIndexChanged.connect(self._show_template)
        self.template.textChanged.connect(self._keep_template)
        form.addRow("&Template for:", self.status)
        form.addRow(self.template)
        help_text = QLabel(TEMPLATE_HELP, self)
        help_text.setWordWrap(True)
        form.addRow(help_text)
        layout.addLayout(form)
        self.problem = MessageLine("Webhook problem", self)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._show_template()
        self._label_statuses()
        self._warn_if_clear()

    def hook(self) -> Webhook:
        """The webhook as the form says it."""
        chosen = frozenset(
            str(item.data(PERSON_ID_ROLE))
            for row in range(self.people.count())
            if (item := self.people.item(row)).checkState() == Qt.CheckState.Checked
        )
        templates = {word: text for word, text in self._templates.items() if text.strip()}
        return Webhook(
            self._hook.hook_id,
            self.url.text().strip(),
            on_own_status=self.own_status.isChecked(),
            person_ids=chosen,
            templates=templates,
            created_at=self._hook.created_at,
        )

    def _accept_if_valid(self) -> None:
        problem = self.hook().problem()
        self.problem.say(problem)
        if problem is None:
            self.accept()

    def _warn_if_clear(self) -> None:
        self.clear_warning.say(CLEAR_TEXT_WARNING if sends_in_clear(self.url.text()) else None)

    def _filter_people(self, text: str) -> None:
        wanted = text.casefold()
        for row in range(self.people.count()):
            item = self.people.item(row)
            item.setHidden(wanted not in item.text().casefold())

    def _show_template(self) -> None:
        word = str(self.status.currentData())
        self.template.blockSignals(True)  # noqa: FBT003 - Qt's API
        self.template.setPlainText(self._templates.get(word, ""))
        self.template.blockSignals(False)  # noqa: FBT003 - Qt's API

    def _keep_template(self) -> None:
        self._templates[str(self.status.currentData())] = self.template.toPlainText()
        self._label_statuses()

    def _label_statuses(self) -> None:
        """Each status's name, with "template set" where it has one."""
        for index in range(self.status.count()):
            word = str(self.status.itemData(index))
            mark = " · template set" if self._templates.get(word, "").strip() else ""
            self.status.setItemText(index, f"{status_label(word)}{mark}")
