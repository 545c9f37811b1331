"""What the token-account tests share: fake API servers on 127.0.0.1 and the secret-leak check."""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING

from tests.servers.processes import free_port

if TYPE_CHECKING:
    import pytest

# Obviously fake secrets, planted so a leak is easy to spot in text and logs.
FAKE_TOKEN = "test-token-NOT-A-SECRET-123"
FAKE_APP_TOKEN = "xapp-FAKE-test-token-NOT-A-SECRET-123"


def assert_secret_hidden(
    secret: str, error: BaseException | None, caplog: pytest.LogCaptureFixture
) -> None:
    """``secret`` appears in no log record (any logger, DEBUG up) and not in ``error``'s text."""
    assert caplog.handler.level <= logging.DEBUG, "capture at DEBUG: caplog.set_level(DEBUG)"
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
    if error is not None:
        assert secret not in str(error)
        assert secret not in repr(error)
        assert secret not in "".join(traceback.format_exception(error))


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (a port just freed)."""
    return f"http://127.0.0.1:{free_port()}"
