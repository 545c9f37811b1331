"""People, their identities, favourites, links and "never link" pairs; forgetting a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, exists, literal_column, select, tuple_, update
from sqlalchemy.dialects.sqlite import insert

from presence_tray.core.hub import unlinked_person_id
from presence_tray.core.identity import Identity, IdentityKey, Person
from presence_tray.storage.repositories._common import (
    PLATFORMS,
    UnknownValues,
    chunked,
    dumps,
    fetch_tuples,
    key_columns,
    key_matches,
    key_of,
    key_params,
    loads,
    plain_sql,
    unique,
)
from presence_tray.storage.tables import (
    identities,
    never_link,
    notification_rules,
    people,
    presence_cache,
    presence_history,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from sqlalchemy import Connection, Table, Tuple

    from presence_tray.storage.database import Database

_NEW_PERSON = insert(people).on_conflict_do_nothing(index_elements=[people.c.person_id])
_NEVER_LINK = insert(never_link).on_conflict_do_nothing()

_UPSERT_IDENTITY = insert(identities)
_UPSERT_IDENTITY = _UPSERT_IDENTITY.on_conflict_do_update(
    index_elements=[identities.c.platform, identities.c.account_id, identities.c.remote_id],
    set_={
        name: _UPSERT_IDENTITY.excluded[name]
        for name in ("display_name", "handles_json", "chat_url", "person_id")
    },
)


_LOAD_IDENTITIES_SQL = plain_sql(
    select(
        identities.c.platform,
        identities.c.account_id,
        identities.c.remote_id,
        identities.c.display_name,
        identities.c.handles_json,
        identities.c.chat_url,
        identities.c.person_id,
    ).order_by(literal_column("rowid"))
)


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
        """Every stored identity, each with its person id."""
        with self._db.reading() as connection:
            rows = fetch_tuples(connection, _LOAD_IDENTITIES_SQL)
        unknown = UnknownValues("identities")
        found: list[Identity] = []
        append, platforms = found.append, PLATFORMS
        for platform_word, account_id, remote_id, name, handles_json, chat_url, person_id in rows:
            platform = platforms.get(platform_word)
            if platform is None:
                unknown.note("platform", platform_word)
                continue
            key = IdentityKey(platform, account_id, remote_id)
            append(Identity(key, name, _handles(handles_json, unknown), chat_url, person_id))
        unknown.report("identities skipped, or handles dropped")
        return found

    def load_people(self) -> list[Person]:
        """Every person with identities, named as the user named them, else as their first
        identity is."""
        query = (
            select(people.c.person_id, people.c.display_name, identities.c.display_name)
            .add_columns(identities.c.platform, identities.c.account_id, identities.c.remote_id)
            .join(identities, identities.c.person_id == people.c.person_id)
            .order_by(literal_column("identities.rowid"))
        )
        with self._db.reading() as connection:
            rows = connection.execute(query).all()
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
        statement = insert(people).values(person_id=person_id, favourite=favourite)
        statement = statement.on_conflict_do_update(
            index_elements=[people.c.person_id], set_={"favourite": favourite}
        )
        with self._db.writing() as connection:
            connection.execute(statement)

    def favourites(self) -> frozenset[str]:
        """The person ids marked as favourites."""
        with self._db.reading() as connection:
            return frozenset(
                connection.execute(select(people.c.person_id).where(people.c.favourite)).scalars()
            )

    def given_names(self) -> dict[str, str]:
        """The names the user gave people (when linking), by person id; others have none."""
        query = select(people.c.person_id, people.c.display_name).where(
            people.c.display_name.is_not(None)
        )
        with self._db.reading() as connection:
            return {person_id: name for person_id, name in connection.execute(query) if name}

    # -- links ------------------------------------------------------------------------------

    def link(self, key: IdentityKey, person_id: str, display_name: str) -> None:
        """The user says ``key`` belongs to ``person_id``, named ``display_name``.

        A user-made link outlives what platforms say (:func:`save_identities` keeps it). A
        person left with no identity by the move is deleted, with their rules.
        """
        name_person = insert(people).values(person_id=person_id, display_name=display_name)
        name_person = name_person.on_conflict_do_update(
            index_elements=[people.c.person_id], set_={"display_name": display_name}
        )
        with self._db.writing() as connection:
            connection.execute(name_person)
            before = _stored(connection, [key]).get(key)
            if before is None:
                # Not listed by its platform yet: a placeholder the next listing fills in.
                connection.execute(
                    insert(identities).values(
                        **key_params(key),
                        display_name=display_name,
                        handles_json=dumps([]),
                        person_id=person_id,
                        linked_by_user=True,
                    )
                )
                return
            connection.execute(
                update(identities)
                .where(key_matches(identities, key))
                .values(person_id=person_id, linked_by_user=True)
            )
            if before.person_id != person_id:
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
            connection.execute(_NEW_PERSON, {"person_id": own, "display_name": None})
            before = _stored(connection, [key]).get(key)
            if before is None:
                # Not listed by its platform yet: a placeholder the next listing fills in.
                connection.execute(
                    insert(identities).values(
                        **key_params(key),
                        display_name=key.remote_id,
                        handles_json=dumps([]),
                        person_id=own,
                        linked_by_user=True,
                    )
                )
                return
            former = [
                other for other in _keys_of_person(connection, before.person_id) if other != key
            ]
            connection.execute(
                update(identities)
                .where(key_matches(identities, key))
                .values(person_id=own, linked_by_user=True)
            )
            if former:
                connection.execute(_NEVER_LINK, [_never_link_row(key, other) for other in former])
            if before.person_id != own:
                _drop_people_without_identities(connection, [before.person_id])

    def never_link(self, a: IdentityKey, b: IdentityKey) -> None:
        """Remember that ``a`` and ``b`` are not the same person (order does not matter)."""
        row = _never_link_row(a, b)
        with self._db.writing() as connection:
            connection.execute(_NEVER_LINK, row)

    def never_links(self) -> frozenset[frozenset[IdentityKey]]:
        """Every "never link" pair."""
        with self._db.reading() as connection:
            rows = connection.execute(select(never_link)).all()
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
            keys = [
                tuple(row)
                for row in connection.execute(
                    select(
                        identities.c.platform, identities.c.account_id, identities.c.remote_id
                    ).where(identities.c.person_id == person_id)
                )
            ]
            for chunk in chunked(keys):
                for table in (presence_history, presence_cache):
                    connection.execute(delete(table).where(key_columns(table).in_(chunk)))
                connection.execute(
                    delete(never_link).where(
                        _first_key(never_link).in_(chunk) | _second_key(never_link).in_(chunk)
                    )
                )
            connection.execute(
                delete(notification_rules).where(notification_rules.c.person_id == person_id)
            )
            # Identities go with the person (ON DELETE CASCADE).
            connection.execute(delete(people).where(people.c.person_id == person_id))


def save_identities(connection: Connection, listed: Iterable[Identity]) -> None:
    """Upsert identities in the caller's transaction.

    The person of an identity is, in order: the one the user linked it to; the
    ``person_id`` the identity names; the one it had; a person of its own
    (:func:`~presence_tray.core.hub.unlinked_person_id`). Person rows are created as needed;
    a person left with no identity is deleted.
    """
    batch = {identity.key: identity for identity in listed}
    if not batch:
        return
    stored = _stored(connection, batch)
    new_people: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
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
        new_people.append({"person_id": person_id, "display_name": None})
        rows.append(
            {
                **key_params(key),
                "display_name": identity.display_name,
                "handles_json": dumps(list(identity.handles)),
                "chat_url": identity.chat_url,
                "person_id": person_id,
                "linked_by_user": False,
            }
        )
    connection.execute(_NEW_PERSON, _unique_people(new_people))
    connection.execute(_UPSERT_IDENTITY, rows)
    _drop_people_without_identities(connection, left)


def _unique_people(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return list({row["person_id"]: row for row in rows}.values())


def _stored(connection: Connection, keys: Collection[IdentityKey]) -> dict[IdentityKey, _Stored]:
    found: dict[IdentityKey, _Stored] = {}
    params = [tuple(key_params(key).values()) for key in keys]
    for chunk in chunked(params):
        query = select(
            identities.c.platform,
            identities.c.account_id,
            identities.c.remote_id,
            identities.c.person_id,
            identities.c.linked_by_user,
        ).where(key_columns(identities).in_(chunk))
        for platform, account_id, remote_id, person_id, linked in connection.execute(query):
            key = key_of(platform, account_id, remote_id)
            if key is not None:
                found[key] = _Stored(person_id, linked)
    return found


def _keys_of_person(connection: Connection, person_id: str) -> list[IdentityKey]:
    query = select(identities.c.platform, identities.c.account_id, identities.c.remote_id).where(
        identities.c.person_id == person_id
    )
    found = (key_of(*row) for row in connection.execute(query))
    return [key for key in found if key is not None]


def _never_link_row(a: IdentityKey, b: IdentityKey) -> dict[str, str]:
    """The "never link" row of two identities, in its stored order (first < second)."""
    if a == b:
        msg = f"an identity is always the same person as itself: {a}"
        raise ValueError(msg)
    first, second = sorted((a, b))
    return {
        **{f"first_{name}": value for name, value in key_params(first).items()},
        **{f"second_{name}": value for name, value in key_params(second).items()},
    }


def _drop_people_without_identities(connection: Connection, person_ids: Iterable[str]) -> None:
    candidates = unique(person_ids)
    if not candidates:
        return
    has_identity = exists().where(identities.c.person_id == people.c.person_id)
    for chunk in chunked(candidates):
        empty = list(
            connection.execute(
                select(people.c.person_id).where(people.c.person_id.in_(chunk), ~has_identity)
            ).scalars()
        )
        if empty:
            connection.execute(
                delete(notification_rules).where(notification_rules.c.person_id.in_(empty))
            )
            connection.execute(delete(people).where(people.c.person_id.in_(empty)))


def _handles(handles_json: str, unknown: UnknownValues) -> tuple[str, ...]:
    if handles_json == "[]":
        return ()  # most identities: skip the JSON parser
    handles = loads(handles_json)
    if isinstance(handles, list) and all(isinstance(handle, str) for handle in handles):
        return tuple(handles)
    unknown.note("handles", "(not a list of strings)")  # never the value: addresses, numbers
    return ()


def _first_key(table: Table) -> Tuple:
    return tuple_(table.c.first_platform, table.c.first_account_id, table.c.first_remote_id)


def _second_key(table: Table) -> Tuple:
    return tuple_(table.c.second_platform, table.c.second_account_id, table.c.second_remote_id)
