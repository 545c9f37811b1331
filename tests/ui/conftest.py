"""Qt fixtures for the UI tests: a real hub on a manual clock, and a little address book.

Without an X display the tests run on Qt's offscreen platform; the ``desktop`` tests (real X
server and tray host) are gated by the session-wide conftest.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QEvent

from presence_tray.core.clock import ManualClock
from presence_tray.core.hub import PresenceHub
from tests.ui.helpers import START, AddressBook

if TYPE_CHECKING:
    from collections.abc import Iterator

    from PySide6.QtWidgets import QApplication

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    # Before pytest-qt creates the QApplication (at the first test that needs it).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _qt_application(qapp: QApplication) -> Iterator[QApplication]:
    """Every UI test runs with the one QApplication (timers need its event dispatcher).

    Afterwards the widgets the test dropped are deleted here, on the GUI thread and at a
    known moment, rather than whenever (and in whichever thread) the garbage collector
    next runs.
    """
    yield qapp
    qapp.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when told."""
    return ManualClock(START)


@pytest.fixture
def hub(clock: ManualClock) -> PresenceHub:
    """A real hub; tests call ``flush`` themselves."""
    return PresenceHub(clock)


@pytest.fixture
def book(hub: PresenceHub, clock: ManualClock) -> AddressBook:
    """An empty address book over ``hub``."""
    return AddressBook(hub, clock)
