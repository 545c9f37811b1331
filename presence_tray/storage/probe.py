"""A quick look into a database file without opening it as a store: are accounts saved?

Asked before anything else at start-up, to choose between the user's accounts and the
simulated network, so it must be cheap (one read-only query, no schema check, no migration)
and must never fail: a missing, locked, damaged or older file simply has no accounts here,
and the store opened afterwards reports what is wrong with it.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_log = logging.getLogger(__name__)

_ANY_ACCOUNT = "SELECT 1 FROM accounts LIMIT 1"


def has_saved_accounts(path: Path) -> bool:
    """Whether the database at ``path`` holds at least one saved account."""
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as err:
        _log.info("could not look for saved accounts in %s: %s", path, err)
        return False
    try:
        return connection.execute(_ANY_ACCOUNT).fetchone() is not None
    except sqlite3.Error as err:
        _log.info("could not look for saved accounts in %s: %s", path, err)
        return False
    finally:
        connection.close()
