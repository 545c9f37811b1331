"""A quick look into a database file without opening it as a store: which accounts are saved?

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

_SAVED_ACCOUNTS = "SELECT platform, json_extract(settings_json, '$.method') FROM accounts"


def saved_account_kinds(path: Path) -> list[tuple[str, str | None]]:
    """Each saved account's platform and how it was connected (its ``method`` setting; None
    when it names none), from the database at ``path``; empty when there is none to read."""
    if not path.is_file():
        return []
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as err:
        _log.info("could not look for saved accounts in %s: %s", path, err)
        return []
    try:
        rows = connection.execute(_SAVED_ACCOUNTS).fetchall()
    except sqlite3.Error as err:
        _log.info("could not look for saved accounts in %s: %s", path, err)
        return []
    finally:
        connection.close()
    return [
        (str(platform), method if isinstance(method, str) else None) for platform, method in rows
    ]
