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
    from collections.abc import Collection
    from pathlib import Path

_log = logging.getLogger(__name__)

_ANY_ACCOUNT = "SELECT 1 FROM accounts WHERE platform IN ({}) LIMIT 1"


def has_saved_accounts(path: Path, platforms: Collection[str]) -> bool:
    """Whether the database at ``path`` holds a saved account on one of ``platforms``."""
    if not path.is_file() or not platforms:
        return False
    query = _ANY_ACCOUNT.format(", ".join("?" * len(platforms)))
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as err:
        _log.info("could not look for saved accounts in %s: %s", path, err)
        return False
    try:
        return connection.execute(query, tuple(platforms)).fetchone() is not None
    except sqlite3.Error as err:
        _log.info("could not look for saved accounts in %s: %s", path, err)
        return False
    finally:
        connection.close()
