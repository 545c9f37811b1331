"""Fixtures for the platform tests."""

from __future__ import annotations

import pytest

from presence_tray.platforms.wire import UnknownValueLog


@pytest.fixture
def unknown_log() -> UnknownValueLog:
    """A fresh log-once memory, so no other test's warnings hide this one's."""
    return UnknownValueLog()
