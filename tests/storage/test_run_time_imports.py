"""The running app's storage loads neither SQLAlchemy nor Alembic; only an upgrade does.

Importing SQLAlchemy costs 27 MB and Alembic (with the ORM, Mako, Pygments) about 25 MB
more: each test runs, in a fresh interpreter, what the app does with its database at
start-up and while it runs, and lists the modules loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

from presence_tray.storage import schema
from tests.storage.helpers import raw

if TYPE_CHECKING:
    from pathlib import Path

RUN_THE_STORE = """
import asyncio, json, sys
from pathlib import Path

from presence_tray.core.history import PresenceTransition
from presence_tray.core.identity import AccountRef, Identity, IdentityKey, Platform
from presence_tray.core.presence import PlatformPresence, PresenceState
from presence_tray.storage.local_store import LocalStore
from presence_tray.storage.repositories import AccountsRepository, write_batch

async def main(path: Path) -> None:
    store = await LocalStore.open(path)
    await store.load_preferences()
    await store.load_last_known()
    await asyncio.to_thread(AccountsRepository(store.db).list)
    key = IdentityKey(Platform.SLACK, "work", "U1")
    value = PlatformPresence(key, PresenceState.ONLINE, 1_700_000_000.0)
    transition = PresenceTransition(key, PresenceState.ONLINE, False, None, 1_700_000_000.0)
    await asyncio.to_thread(
        write_batch, store.db, [value], [transition], [Identity(key, "Alice")]
    )
    await asyncio.to_thread(write_batch, store.db, [], [], (), [key])
    await store.export()
    await store.aclose()

asyncio.run(main(Path(sys.argv[1])))
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_running_the_store(path: Path) -> set[str]:
    """The modules a fresh interpreter has loaded after running the store on ``path``."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_THE_STORE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy(modules: set[str]) -> set[str]:
    """The modules of ``modules`` that only an upgrade may load."""
    return {
        name
        for name in modules
        if name.split(".")[0] in {"sqlalchemy", "alembic", "mako", "pygments"}
    }


def revision_of(path: Path) -> list[tuple[object, ...]]:
    return raw(path, "SELECT version_num FROM alembic_version")


def test_a_new_and_then_an_up_to_date_database_load_no_sqlalchemy_nor_alembic(
    db_path: Path,
) -> None:
    assert heavy(modules_loaded_running_the_store(db_path)) == set()  # created from head.sql
    assert revision_of(db_path) == [(schema.head_revision(),)]
    assert raw(db_path, "SELECT count(*) FROM presence_history") == [(1,)]
    assert heavy(modules_loaded_running_the_store(db_path)) == set()  # opened at head
    assert raw(db_path, "SELECT count(*) FROM presence_history") == [(2,)]


def test_upgrading_an_older_database_does_load_alembic(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    schema.upgrade(db_path, "0001")
    assert {"alembic", "sqlalchemy"} <= modules_loaded_running_the_store(db_path)
    assert revision_of(db_path) == [(schema.head_revision(),)]
