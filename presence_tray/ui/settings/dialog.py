"""The settings window: five tabs, no OK/Apply (every change is already applied and saved)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from presence_tray.ui import APP_NAME
from presence_tray.ui.settings.accounts_tab import AccountsTab
from presence_tray.ui.settings.dnd_tab import DndTab
from presence_tray.ui.settings.general_tab import GeneralTab
from presence_tray.ui.settings.notifications_tab import NotificationsTab
from presence_tray.ui.settings.webhooks_tab import WebhooksTab
from presence_tray.ui.settings.widgets import MessageLine

if TYPE_CHECKING:
    from collections.abc import Callable

    from presence_tray.ui.settings.backend import SettingsBackend
    from presence_tray.ui.settings.debounce import Debouncer

OPENING_WIDTH_CHARACTERS: Final = 72
OPENING_HEIGHT_LINES: Final = 58
"""The dialog opens this big in the user's font (the General tab fits without scrolling)."""
SCREEN_SHARE: Final = 0.9
"""…but never over more than this share of the screen; the forms scroll on a small one."""

NOT_REMEMBERED: Final = (
    "Presence Tray has no database this time, so changes apply now but will not be "
    "remembered after it quits."
)


class SettingsDialog(QDialog):
    """Accounts, Do not disturb, Notifications, General, Webhooks."""

    def __init__(self, backend: SettingsBackend, parent: QWidget | None = None) -> None:
        """Build every tab over ``backend``."""
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} settings")
        self.setAccessibleName(f"{APP_NAME} settings")
        layout = QVBoxLayout(self)
        self.notice = MessageLine("Settings notice", self)
        self.notice.say(None if backend.remembers else NOT_REMEMBERED)
        layout.addWidget(self.notice)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Settings sections")
        self.accounts = AccountsTab(backend, self.tabs)
        self.dnd = DndTab(backend, self.tabs)
        self.notifications = NotificationsTab(backend, self.tabs)
        self.general = GeneralTab(backend, self.tabs)
        self.webhooks = WebhooksTab(backend.webhooks(), self.tabs)
        # Accounts scrolls its own list and Webhooks gives its list the room; the forms
        # scroll as a whole, so a small screen or a large font never squeezes their text.
        self.tabs.addTab(self.accounts, "&Accounts")
        self.tabs.addTab(_scrolling(self.dnd), "&Do not disturb")
        self.tabs.addTab(_scrolling(self.notifications), "&Notifications")
        self.tabs.addTab(_scrolling(self.general), "&General")
        self.tabs.addTab(self.webhooks, "&Webhooks")
        layout.addWidget(self.tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._unsubscribe_problems: Callable[[], None] | None = backend.subscribe_problems(
            self.notice.say
        )
        self.resize(self._opening_size())

    def _opening_size(self) -> QSize:
        """Room for the longest form in the user's font, never more than the screen has."""
        lines = self.fontMetrics().lineSpacing()
        wanted = QSize(
            max(
                self.sizeHint().width(),
                OPENING_WIDTH_CHARACTERS * self.fontMetrics().averageCharWidth(),
            ),
            max(self.sizeHint().height(), OPENING_HEIGHT_LINES * lines),
        )
        # The application's primary screen: QWidget.screen() on a dialog not yet shown hands
        # PySide6 a QScreen wrapper whose collection took the offscreen platform's only screen
        # with it ("Cannot create window: no screens available").
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return wanted
        room = screen.availableSize() * SCREEN_SHARE
        return wanted.boundedTo(room)

    def show_tab(self, page: QWidget) -> None:
        """Bring the tab holding ``page`` (one of the tabs above) to the front."""
        for index in range(self.tabs.count()):
            shown = self.tabs.widget(index)
            if page is shown or (isinstance(shown, QScrollArea) and shown.widget() is page):
                self.tabs.setCurrentIndex(index)
                return

    def debouncers(self) -> list[Debouncer]:
        """Every tab's wait before typed values are applied."""
        return [
            *self.dnd.debouncers,
            self.notifications.debouncer,
            self.general.debouncer,
        ]

    def done(self, result: int) -> None:
        """Apply what is still being typed, then close (Close, Escape or the window's X)."""
        for debouncer in self.debouncers():
            debouncer.flush()
        super().done(result)

    def release(self) -> None:
        """Stop listening to the app (the dialog is about to be deleted)."""
        self.accounts.close_subscriptions()
        self.general.close_subscriptions()
        self.webhooks.close_subscriptions()
        if self._unsubscribe_problems is not None:
            self._unsubscribe_problems()
            self._unsubscribe_problems = None


def _scrolling(page: QWidget) -> QScrollArea:
    """``page`` in a frameless scroll area that gives it the width and scrolls its height."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(page)
    # As wide as the page needs, with room for the vertical scroll bar: never cut on the side.
    scroll_bar = area.verticalScrollBar().sizeHint().width()
    area.setMinimumWidth(page.minimumSizeHint().width() + scroll_bar)
    area.setAccessibleName(page.accessibleName())
    return area
