"""People, their identities, favourites, links and "never link" pairs; forgetting a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import Identity, IdentityKey, Person
from presence_tray.storage.repositories._common import (
    KEY_COLUMNS,
    KEY_MATCHES,
    PLATFORMS,
    KeyRow,
    UnknownValues,
    chunked,
    dumps,
    flat,
    key_of,
    key_row,
    key_rows,
    loads,
    marks,
    unique,
)

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Collection, Iterable, Sequence

    from presence_tray.storage.database import Database

_NEW_PERSON_SQL: Final = "INSERT INTO people (person_id) VALUES (?) ON CONFLICT DO NOTHING"
_NAME_PERSON_SQL: Final = """
    INSERT INTO people (person_id, display_name) VALUES (?, ?)
    ON CONFLICT (person_id) DO UPDATE SET display_name = excluded.display_name
"""
_UPSERT_IDENTITY_SQL: Final = """
    INSERT INTO identities (platform, account_id, remote_id, display_name, handles_json,
        chat_url, person_id, linked_by_user)
    VALUES (?, ?, ?, ?, ?, ?, ?, 0)
    ON CONFLICT (platform, account_id, remote_id) DO UPDATE SET
        display_name = excluded.display_name,
        handles_json = excluded.handles_json,
        chat_url = excluded.chat_url,
        person_id = excluded.person_id,
        unlisted_at = NULL
"""
_LOAD_IDENTITIES_SQL: Final = """
    SELECT platform, account_id, remote_id, display_name, handles_json, chat_url, person_id,
        unlisted_at IS NOT NULL
    FROM identities ORDER BY rowid
"""
_LOAD_PEOPLE_SQL: Final = """
    SELECT people.person_id, people.display_name, identities.display_name,
        identities.platform, identities.account_id, identities.remote_id
    FROM people JOIN identities ON identities.person_id = people.person_id
    ORDER BY identities.rowid
"""
_SET_FAVOURITE_SQL: Final = """
    INSERT INTO people (person_id, favourite) VALUES (?, ?)
    ON CONFLICT (person_id) DO UPDATE SET favourite = excluded.favourite
"""
_FAVOURITES_SQL: Final = "SELECT person_id FROM people WHERE favourite"
_GIVEN_NAMES_SQL: Final = (
    "SELECT person_id, display_name FROM people WHERE display_name IS NOT NULL"
)
# A user-made link: placeholder row for an identity not listed yet, or a move.
_ADD_LINKED_IDENTITY_SQL: Final = """
    INSERT INTO identities (platform, account_id, remote_id, display_name, handles_json,
        person_id, linked_by_user)
    VALUES (?, ?, ?, ?, '[]', ?, 1)
"""
_LINK_IDENTITY_SQL: Final = (
    f"UPDATE identities SET person_id = ?, linked_by_user = 1 WHERE {KEY_MATCHES}"  # noqa: S608
)
_NEVER_LINK_SQL: Final = """
    INSERT INTO never_link (first_platform, first_account_id, first_remote_id,
        second_platform, second_account_id, second_remote_id)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
"""
_NEVER_LINKS_SQL: Final = """
    SELECT first_platform, first_account_id, first_remote_id,
        second_platform, second_account_id, second_remote_id
    FROM never_link
"""
_KEYS_OF_PERSON_SQL: Final = (
    "SELECT platform, account_id, remote_id FROM identities WHERE person_id = ?"
)
_FORGET_RULES_SQL: Final = "DELETE FROM notification_rules WHERE person_id = ?"
_FORGET_IDENTITY_SQL: Final = f"DELETE FROM identities WHERE {KEY_MATCHES}"  # noqa: S608
# Identities go with the person (ON DELETE CASCADE).
_FORGET_PERSON_SQL: Final = "DELETE FROM people WHERE person_id = ?"


@dataclass(frozen=True, slots=True)
class StoredIdentities:
    """The stored identities, split by whether an account still lists them."""

    listed: list[Identity]
    """Identities an account listed when the app last heard from it."""
    unlisted: list[Identity]
    """Identities no account lists any more, kept because the user linked them (see
    :func:`forget_contacts`), each with the person the user linked it to."""


@dataclass(frozen=True, slots=True)
class _Stored:
    person_id: str
    linked_by_user: bool


class PeopleRepository:
    """People and identities: who is who, favourites, links, and forgetting."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    # -- identities -------------------------------------------------------------------------

    def save_identities(self, identities: Iterable[Identity]) -> None:
        """Add or update identities as a contact list reports them (see :func:`save_identities`)."""
        with self._db.writing() as connection:
            save_identities(connection, identities)

    def load_identities(self) -> list[Identity]:
        """Every stored identity, listed or not, each with its person id."""
        return self._load_identities(split=False).listed

    def load_by_listing(self) -> StoredIdentities:
        """Every stored identity, each with its person id, split by whether an account still
        lists it (for start-up: an unlisted one is not a contact)."""
        return self._load_identities(split=True)

    def _load_identities(self, *, split: bool) -> StoredIdentities:
        with self._db.reading() as connection:
            rows = connection.execute(_LOAD_IDENTITIES_SQL).fetchall()
        unknown = UnknownValues("identities")
        found = StoredIdentities([], [])
        listed, unlisted, platforms = found.listed.append, found.unlisted.append, PLATFORMS
        for (
            platform_word,
            account_id,
            remote_id,
            name,
            handles_json,
            chat_url,
            person_id,
            is_unlisted,
        ) in rows:
            platform = platforms.get(platform_word)
            if platform is None:
                unknown.note("platform", platform_word)
                continue
            key = IdentityKey(platform, account_id, remote_id)
            append = unlisted if split and is_unlisted else listed
            append(Identity(key, name, _handles(handles_json, unknown), chat_url, person_id))
        unknown.report("identities skipped, or handles dropped")
        return found

    def load_people(self) -> list[Person]:
        """Every person with identities, named as the user named them, else as their first
        identity is."""
        with self._db.reading() as connection:
            rows = connection.execute(_LOAD_PEOPLE_SQL).fetchall()
        names: dict[str, str] = {}
        keys: dict[str, list[IdentityKey]] = {}
        for person_id, given_name, identity_name, platform, account_id, remote_id in rows:
            key = key_of(platform, account_id, remote_id)
            if key is None:
                continue  # load_identities reports these
            names.setdefault(person_id, given_name or identity_name)
            keys.setdefault(person_id, []).append(key)
        return [Person(person_id, names[person_id], tuple(keys[person_id])) for person_id in keys]

    # -- favourites -------------------------------------------------------------------------

    def set_favourite(self, person_id: str, *, favourite: bool) -> None:
        """Mark or unmark a person as a favourite."""
        with self._db.writing() as connection:
            connection.execute(_SET_FAVOURITE_SQL, (person_id, favourite))

    def favourites(self) -> frozenset[str]:
        """The person ids marked as favourites."""
        with self._db.reading() as connection:
            return frozenset(person_id for (person_id,) in connection.execute(_FAVOURITES_SQL))

    def given_names(self) -> dict[str, str]:
        """The names the user gave people (when linking), by person id; others have none."""
        with self._db.reading() as connection:
            rows = connection.execute(_GIVEN_NAMES_SQL)
            return {person_id: name for person_id, name in rows if name}

    # -- links ------------------------------------------------------------------------------

    def link(self, key: IdentityKey, person_id: str, display_name: str) -> None:
        """The user says ``key`` belongs to ``person_id``, named ``display_name``.

        A user-made link outlives what platforms say (:func:`save_identities` keeps it). A
        person left with no identity by the move is deleted, with their rules.
        """
        with self._db.writing() as connection:
            connection.execute(_NAME_PERSON_SQL, (person_id, display_name))
            before = _link_by_user(connection, key, person_id, display_name)
            if before is not None and before.person_id != person_id:
                _drop_people_without_identities(connection, [before.person_id])

    def unlink(self, key: IdentityKey) -> None:
        """The user says ``key`` is a person of its own
        (:func:`~presence_tray.core.hub.unlinked_person_id`), whatever platforms say.

        Like a link, it outlives platform listings. It is also remembered that ``key`` and
        the other identities of its former person are not one person, so that they are not
        suggested again. A former person left with no identity is deleted, with their rules.
        """
        own = unlinked_person_id(key)
        with self._db.writing() as connection:
            connection.execute(_NEW_PERSON_SQL, (own,))
            before = _link_by_user(connection, key, own, key.remote_id)
            if before is None:
                return
            former = [
                other for other in _keys_of_person(connection, before.person_id) if other != key
            ]
            connection.executemany(
                _NEVER_LINK_SQL, [_never_link_row(key, other) for other in former]
            )
            if before.person_id != own:
                _drop_people_without_identities(connection, [before.person_id])

    def never_link(self, a: IdentityKey, b: IdentityKey) -> None:
        """Remember that ``a`` and ``b`` are not the same person (order does not matter)."""
        row = _never_link_row(a, b)
        with self._db.writing() as connection:
            connection.execute(_NEVER_LINK_SQL, row)

    def never_links(self) -> frozenset[frozenset[IdentityKey]]:
        """Every "never link" pair."""
        with self._db.reading() as connection:
            rows = connection.execute(_NEVER_LINKS_SQL).fetchall()
        unknown = UnknownValues("never-link pairs")
        pairs: set[frozenset[IdentityKey]] = set()
        for row in rows:
            first, second = key_of(*row[:3]), key_of(*row[3:])
            if first is None or second is None:
                unknown.note("platform", row[0] if first is None else row[3])
                continue
            pairs.add(frozenset((first, second)))
        unknown.report("pairs skipped")
        return frozenset(pairs)

    # -- privacy ----------------------------------------------------------------------------

    def forget_person(self, person_id: str) -> None:
        """Delete everything kept about a person.

        Their identities' presence history and cached values, their "never link" pairs,
        notification rules, favourite and name go, and so do the identity rows: a platform
        listing them again brings them back as a new, unlinked person with nothing remembered.
        """
        with self._db.writing() as connection:
            keys: list[KeyRow] = connection.execute(_KEYS_OF_PERSON_SQL, (person_id,)).fetchall()
            _forget_values_of(connection, keys)
            connection.execute(_FORGET_RULES_SQL, (person_id,))
            connection.execute(_FORGET_PERSON_SQL, (person_id,))

    def forget_identity(self, key: IdentityKey) -> None:
        """Delete one identity (one the user added by hand and removes) with its history,
        cached value and "never link" pairs; a person left with no identity goes too."""
        with self._db.writing() as connection:
            before = _stored(connection, [key]).get(key)
            _forget_values_of(connection, [key_row(key)])
            connection.execute(_FORGET_IDENTITY_SQL, key_row(key))
            if before is not None:
                _drop_people_without_identities(connection, [before.person_id])


def save_identities(connection: sqlite3.Connection, listed: Iterable[Identity]) -> None:
    """Upsert identities in the caller's transaction.

    The person of an identity is, in order: the one the user linked it to; the
    ``person_id`` the identity names; the one it had; a person of its own
    (:func:`~presence_tray.core.hub.unlinked_person_id`). Person rows are created as needed;
    a person left with no identity is deleted. A saved identity is listed again: its
    ``unlisted_at`` mark (see :func:`forget_contacts`) is cleared.
    """
    batch = {identity.key: identity for identity in listed}
    if not batch:
        return
    stored = _stored(connection, batch)
    new_people: list[str] = []
    rows: list[tuple[object, ...]] = []
    left: list[str] = []
    for key, identity in batch.items():
        before = stored.get(key)
        if before is not None and before.linked_by_user:
            person_id = before.person_id
        elif identity.person_id:
            person_id = identity.person_id
        elif before is not None:
            person_id = before.person_id
        else:
            person_id = unlinked_person_id(key)
        if before is not None and before.person_id != person_id:
            left.append(before.person_id)
        new_people.append(person_id)
        rows.append(
            (
                *key_row(key),
                identity.display_name,
                dumps(list(identity.handles)),
                identity.chat_url,
                person_id,
            )
        )
    connection.executemany(_NEW_PERSON_SQL, [(person_id,) for person_id in unique(new_people)])
    connection.executemany(_UPSERT_IDENTITY_SQL, rows)
    _drop_people_without_identities(connection, left)


def forget_contacts(
    connection: sqlite3.Connection, keys: Sequence[IdentityKey], *, at: float
) -> None:
    """Forget identities no account lists any more (since ``at``, seconds since the epoch),
    in the caller's transaction, so that they do not come back at the next start.

    Their cached values go, and so do their identity rows, except those the user linked
    (``linked_by_user``): that link is the user's, and brings the contact back to the same
    person when an account lists them again. Such a row is marked ``unlisted_at`` (the
    first time only) and loaded apart (:meth:`PeopleRepository.load_by_listing`) until a
    listing saves it again (:func:`save_identities` clears the mark). Nothing else the user
    made is touched: people rows (favourite, given name), notification rules and "never
    link" pairs stay, and so does the history, which ages out with the retention period.
    """
    rows = [key_row(key) for key in keys]
    for chunk in chunked(rows):
        keys_sql, params = key_rows(len(chunk)), flat(chunk)
        connection.execute(
            f"DELETE FROM presence_cache WHERE {KEY_COLUMNS} IN ({keys_sql})",  # noqa: S608
            params,
        )
        connection.execute(
            f"DELETE FROM identities WHERE {KEY_COLUMNS} IN ({keys_sql})"  # noqa: S608
            " AND NOT linked_by_user",
            params,
        )
        connection.execute(
            "UPDATE identities SET unlisted_at = coalesce(unlisted_at, ?)"  # noqa: S608
            f" WHERE {KEY_COLUMNS} IN ({keys_sql})",
            [at, *params],
        )


def _link_by_user(
    connection: sqlite3.Connection, key: IdentityKey, person_id: str, name_if_new: str
) -> _Stored | None:
    """Give ``key`` to ``person_id`` as the user's choice; return its row from before (None
    when it was not stored: it is added as a placeholder the next listing fills in)."""
    before = _stored(connection, [key]).get(key)
    if before is None:
        connection.execute(_ADD_LINKED_IDENTITY_SQL, (*key_row(key), name_if_new, person_id))
    else:
        connection.execute(_LINK_IDENTITY_SQL, (person_id, *key_row(key)))
    return before


def _stored_sql(count: int) -> str:
    """The person and link of ``count`` identities."""
    return f"""
        SELECT platform, account_id, remote_id, person_id, linked_by_user FROM identities
        WHERE {KEY_COLUMNS} IN ({key_rows(count)})
    """  # noqa: S608 - our own column names and "?" marks; values go in as parameters


def _stored(
    connection: sqlite3.Connection, keys: Collection[IdentityKey]
) -> dict[IdentityKey, _Stored]:
    found: dict[IdentityKey, _Stored] = {}
    rows = [key_row(key) for key in keys]
    for chunk in chunked(rows):
        cursor = connection.execute(_stored_sql(len(chunk)), flat(chunk))
        for platform, account_id, remote_id, person_id, linked in cursor:
            key = key_of(platform, account_id, remote_id)
            if key is not None:
                found[key] = _Stored(person_id, bool(linked))
    return found


def _keys_of_person(connection: sqlite3.Connection, person_id: str) -> list[IdentityKey]:
    found = (key_of(*row) for row in connection.execute(_KEYS_OF_PERSON_SQL, (person_id,)))
    return [key for key in found if key is not None]


def _forget_values_of(connection: sqlite3.Connection, keys: list[KeyRow]) -> None:
    """Delete the history, cached values and "never link" pairs of ``keys``."""
    for chunk in chunked(keys):
        keys_sql, params = key_rows(len(chunk)), flat(chunk)
        for table in ("presence_history", "presence_cache"):
            connection.execute(
                f"DELETE FROM {table} WHERE {KEY_COLUMNS} IN ({keys_sql})",  # noqa: S608
                params,
            )
        connection.execute(_forget_never_links_sql(keys_sql), params + params)


def _forget_never_links_sql(keys_sql: str) -> str:
    """The "never link" pairs with either side among keys (``keys_sql``, given twice)."""
    return f"""
        DELETE FROM never_link
        WHERE (first_platform, first_account_id, first_remote_id) IN ({keys_sql})
            OR (second_platform, second_account_id, second_remote_id) IN ({keys_sql})
    """  # noqa: S608 - "?" marks only; values go in as parameters


def _never_link_row(a: IdentityKey, b: IdentityKey) -> tuple[str, ...]:
    """The "never link" row of two identities, in its stored order (first < second)."""
    if a == b:
        msg = f"an identity is always the same person as itself: {a}"
        raise ValueError(msg)
    first, second = sorted((a, b))
    return (*key_row(first), *key_row(second))


def _drop_people_without_identities(
    connection: sqlite3.Connection, person_ids: Iterable[str]
) -> None:
    for chunk in chunked(unique(person_ids)):
        empty = [
            person_id
            for (person_id,) in connection.execute(
                f"""
                SELECT person_id FROM people WHERE person_id IN ({marks(len(chunk))})
                AND NOT EXISTS (SELECT 1 FROM identities
                    WHERE identities.person_id = people.person_id)
                """,  # noqa: S608 - "?" marks only; values go in as parameters
                chunk,
            )
        ]
        if empty:
            for table in ("notification_rules", "people"):
                connection.execute(
                    f"DELETE FROM {table} WHERE person_id IN ({marks(len(empty))})",  # noqa: S608
                    empty,
                )


def _handles(handles_json: str, unknown: UnknownValues) -> tuple[str, ...]:
    if handles_json == "[]":
        return ()  # most identities: skip the JSON parser
    handles = loads(handles_json)
    if isinstance(handles, list) and all(isinstance(handle, str) for handle in handles):
        return tuple(handles)
    unknown.note("handles", "(not a list of strings)")  # never the value: addresses, numbers
    return ()
