"""Webhooks: web addresses called when my status or chosen people's status changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from presence_tray.core.webhooks import Webhook, destination
from presence_tray.ui.settings.webhook_editor import WebhookEditor
from presence_tray.ui.settings.widgets import MessageLine, named

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

INTRO: Final = (
    "Presence Tray can call a web address when your status or a chosen person's status "
    "changes, for example to turn a smart light red while you are busy. Each call is a POST "
    "signed with the webhook's secret (header X-Presence-Tray-Signature: sha256= the "
    "HMAC-SHA256 of the X-Presence-Tray-Timestamp header, a dot and the body)."
)
NOT_AVAILABLE: Final = "Webhooks are not available in this run of Presence Tray."
NO_HOOKS: Final = "No webhooks yet. Add one to call a web address when a status changes."
HOOK_ID_ROLE: Final = Qt.ItemDataRole.UserRole


class WebhookActions(Protocol):
    """What the Webhooks tab needs from the app: plain values, and work started with a
    callback for its outcome (called on the GUI thread)."""

    def hooks(self) -> Sequence[Webhook]:
        """Every webhook, oldest first."""
        ...

    def health(self, hook_id: str) -> str:
        """How the hook's deliveries went, as a sentence ("Failed at 14:02: ...")."""
        ...

    def people(self) -> Sequence[tuple[str, str]]:
        """(person id, name) of everyone the app knows, by name."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Hear when a hook or its health changes; returns the unsubscriber."""
        ...

    def start_save(self, hook: Webhook, on_done: Callable[[str | None], None]) -> None:
        """Save ``hook`` (empty id: add it); ``on_done`` gets None or why it was not saved."""
        ...

    def start_remove(self, hook_id: str, on_done: Callable[[str | None], None]) -> None:
        """Remove a hook and its secret; ``on_done`` gets None or why not."""
        ...

    def start_secret(self, hook_id: str, on_done: Callable[[str, str | None], None]) -> None:
        """Read the hook's signing secret; ``on_done`` gets it (or "") and a problem or None."""
        ...

    def start_test(self, hook_id: str, on_done: Callable[[str], None]) -> None:
        """Send a test change now; ``on_done`` gets the sentence saying how it went."""
        ...


def _fires_words(hook: Webhook) -> str:
    parts = ["my status"] if hook.on_own_status else []
    if hook.person_ids:
        count = len(hook.person_ids)
        parts.append(f"{count} {'person' if count == 1 else 'people'}")
    return " and ".join(parts)


class WebhooksTab(QWidget):
    """The list of webhooks, each with its health, and Add / Edit / Remove / Send a test."""

    def __init__(self, actions: WebhookActions | None, parent: QWidget | None = None) -> None:
        """Show ``actions``' hooks (None: webhooks are not available in this run)."""
        super().__init__(parent)
        self._actions = actions
        self._unsubscribe: Callable[[], None] | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(INTRO if actions is not None else NOT_AVAILABLE, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.empty = QLabel(NO_HOOKS, self)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.list = named(QListWidget(self), "Webhooks")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.currentRowChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(lambda _item: self.edit())
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.add_button = named(QPushButton("A&dd…", self), "Add a webhook")
        self.edit_button = named(QPushButton("&Edit…", self), "Edit the webhook")
        self.remove_button = named(QPushButton("&Remove", self), "Remove the webhook")
        self.test_button = named(QPushButton("Send a &test", self), "Send a test")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)
        self.test_button.clicked.connect(self.send_test)
        for button in (self.add_button, self.edit_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addLayout(self._secret_row())
        self.message = MessageLine("Webhooks message", self)
        layout.addWidget(self.message)
        self.editor: WebhookEditor | None = None
        if actions is not None:
            self._unsubscribe = actions.subscribe(self.refresh)
        else:
            self.add_button.setEnabled(False)
        self.refresh()

    def _secret_row(self) -> QHBoxLayout:
        """The selected hook's signing secret, hidden until shown, with Show and Copy."""
        secret_row = QHBoxLayout()
        self.secret = named(QLineEdit(self), "Signing secret")
        self.secret.setReadOnly(True)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_secret = named(QPushButton("S&how", self), "Show the signing secret")
        self.show_secret.setCheckable(True)
        self.show_secret.toggled.connect(self._show_secret)
        self.copy_secret = named(QPushButton("&Copy", self), "Copy the signing secret")
        self.copy_secret.clicked.connect(self._copy_secret)
        secret_row.addWidget(QLabel("Signing secret:", self))
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(self.show_secret)
        secret_row.addWidget(self.copy_secret)
        return secret_row

    def selected(self) -> Webhook | None:
        """The webhook selected in the list, if any."""
        item = self.list.currentItem()
        if item is None or self._actions is None:
            return None
        hook_id = item.data(HOOK_ID_ROLE)
        return next((hook for hook in self._actions.hooks() if hook.hook_id == hook_id), None)

    def refresh(self) -> None:
        """Rebuild the list (each hook's address, what fires it, and its health)."""
        chosen = self.list.currentItem()
        chosen_id = None if chosen is None else chosen.data(HOOK_ID_ROLE)
        hooks = [] if self._actions is None else list(self._actions.hooks())
        self.list.blockSignals(True)  # noqa: FBT003 - Qt's API
        self.list.clear()
        for hook in hooks:
            health = "" if self._actions is None else self._actions.health(hook.hook_id)
            item = QListWidgetItem(f"{hook.url}\nFires on {_fires_words(hook)} · {health}")
            item.setData(HOOK_ID_ROLE, hook.hook_id)
            item.setToolTip(destination(hook.url))
            self.list.addItem(item)
            if hook.hook_id == chosen_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)  # noqa: FBT003 - Qt's API
        self.empty.setVisible(self._actions is not None and not hooks)
        self._enable_for_selection()

    def add(self) -> None:
        """Open the editor for a new webhook."""
        self._open_editor(Webhook("", "https://", on_own_status=True))

    def edit(self) -> None:
        """Open the editor on the selected webhook."""
        hook = self.selected()
        if hook is not None:
            self._open_editor(hook)

    def remove(self) -> None:
        """Remove the selected webhook."""
        hook = self.selected()
        if hook is not None and self._actions is not None:
            where = destination(hook.url)
            self.message.say(f"Removing the webhook to {where}…")
            self._actions.start_remove(
                hook.hook_id,
                lambda problem: self._done(problem, f"Removed the webhook to {where}."),
            )

    def send_test(self) -> None:
        """Send a test change to the selected webhook."""
        hook = self.selected()
        if hook is not None and self._actions is not None:
            self.test_button.setEnabled(False)
            self.message.say(f"Sending a test to {destination(hook.url)}…")
            self._actions.start_test(hook.hook_id, self._tested)

    def close_subscriptions(self) -> None:
        """Stop hearing about changes (the dialog is going away)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _open_editor(self, hook: Webhook) -> None:
        if self._actions is None:
            return
        self.editor = WebhookEditor(hook, self._actions.people(), self)
        self.editor.setModal(True)
        self.editor.finished.connect(self._editor_finished)
        self.editor.open()

    def _editor_finished(self, result: int) -> None:
        editor, self.editor = self.editor, None
        if editor is None or self._actions is None:
            return
        if result == QDialog.DialogCode.Accepted:
            self.message.say("Saving the webhook…")
            self._actions.start_save(editor.hook(), self._done)
        editor.deleteLater()

    def _done(self, problem: str | None, success: str | None = None) -> None:
        self.message.say(problem or success)
        self.refresh()

    def _tested(self, sentence: str) -> None:
        self.message.say(sentence)
        self._enable_for_selection()

    def _selection_changed(self) -> None:
        self.show_secret.setChecked(False)
        self.secret.clear()
        self._enable_for_selection()
        hook = self.selected()
        if hook is not None and self._actions is not None:
            self._actions.start_secret(hook.hook_id, self._secret_read)

    def _secret_read(self, secret: str, problem: str | None) -> None:
        self.secret.setText(secret)
        if problem is not None:
            self.message.say(problem)

    def _show_secret(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret.setEchoMode(mode)

    def _copy_secret(self) -> None:
        if self.secret.text():
            QGuiApplication.clipboard().setText(self.secret.text())
            self.message.say("The signing secret is copied to the clipboard.")

    def _enable_for_selection(self) -> None:
        has_one = self.selected() is not None
        for control in (
            self.edit_button,
            self.remove_button,
            self.test_button,
            self.show_secret,
            self.copy_secret,
        ):
            control.setEnabled(has_one)
