"""The database schema as SQLAlchemy mapped classes; private to ``presence_tray.storage``.

The migrations in ``migrations/versions`` create this schema; a test checks that the two
agree. Change both together (``migrations/README.md`` says how).

Conventions:

* Times are REAL seconds since the epoch, as in core; times of day are ``HH:MM[:SS]`` text.
* Enums are stored as their string values, so an older version reading a newer file sees an
  unknown word it can skip, not a number it would misread.
* JSON lives in TEXT columns decoded by the repositories, which survive a bad value instead
  of failing the whole query the way SQLAlchemy's JSON type would.
* An identity is keyed by its three parts (platform, account id, remote id) everywhere, with
  no foreign keys from the cache and history: the write-behind may store values of
  identities whose rows are written later, and must never fail on that.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints let Alembic's batch mode (SQLite's way to alter tables) find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of the mapped tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AccountRow(Base):
    """A connected account's non-secret set-up."""

    __tablename__ = "accounts"

    platform: Mapped[str] = mapped_column(String, primary_key=True)
    account_id: Mapped[str] = mapped_column(String, primary_key=True)
    label: Mapped[str] = mapped_column(String)
    enabled: Mapped[bool] = mapped_column(server_default=true())
    settings_json: Mapped[str] = mapped_column(Text, server_default="{}")
    """A JSON object of strings; never a secret (those live in the OS keyring)."""


class PersonRow(Base):
    """A person: the identities naming this id are shown as one row."""

    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String)
    """The name the user gave; None: the name of the person's first identity."""
    favourite: Mapped[bool] = mapped_column(server_default=false())


class IdentityRow(Base):
    """A person's account on one platform."""

    __tablename__ = "identities"

    platform: Mapped[str] = mapped_column(String, primary_key=True)
    account_id: Mapped[str] = mapped_column(String, primary_key=True)
    remote_id: Mapped[str] = mapped_column(String, primary_key=True)
    display_name: Mapped[str] = mapped_column(String)
    handles_json: Mapped[str] = mapped_column(Text, server_default="[]")
    chat_url: Mapped[str | None] = mapped_column(String)
    # CASCADE: every identity belongs to a person row (an unlinked one to its own), so a
    # person going away takes their identities along instead of leaving orphans with a
    # dangling or NULL person.
    person_id: Mapped[str] = mapped_column(
        ForeignKey("people.person_id", ondelete="CASCADE"), index=True
    )
    linked_by_user: Mapped[bool] = mapped_column(server_default=false())
    """The user confirmed this identity's person; platform listings never override it."""


class NeverLinkRow(Base):
    """Two identities the user said are not the same person (first < second)."""

    __tablename__ = "never_link"

    first_platform: Mapped[str] = mapped_column(String, primary_key=True)
    first_account_id: Mapped[str] = mapped_column(String, primary_key=True)
    first_remote_id: Mapped[str] = mapped_column(String, primary_key=True)
    second_platform: Mapped[str] = mapped_column(String, primary_key=True)
    second_account_id: Mapped[str] = mapped_column(String, primary_key=True)
    second_remote_id: Mapped[str] = mapped_column(String, primary_key=True)


class PresenceCacheRow(Base):
    """The last value seen for one identity, shown at start-up until fresh data arrives."""

    __tablename__ = "presence_cache"

    platform: Mapped[str] = mapped_column(String, primary_key=True)
    account_id: Mapped[str] = mapped_column(String, primary_key=True)
    remote_id: Mapped[str] = mapped_column(String, primary_key=True)
    state: Mapped[str] = mapped_column(String)
    dnd: Mapped[bool] = mapped_column(server_default=false())
    activity_kind: Mapped[str | None] = mapped_column(String)
    activity_text: Mapped[str | None] = mapped_column(String)
    activity_emoji: Mapped[str | None] = mapped_column(String)
    activity_until: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)
    """How the value first reached us (push, poll...); it is loaded back as "cache"."""
    observed_at: Mapped[float]
    last_active_at: Mapped[float | None]


class PresenceHistoryRow(Base):
    """One identity-level transition (not every observation)."""

    __tablename__ = "presence_history"
    __table_args__ = (
        Index("ix_presence_history_identity_at", "platform", "account_id", "remote_id", "at"),
        # Revision 0002: prune() and export read by time alone.
        Index("ix_presence_history_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String)
    account_id: Mapped[str] = mapped_column(String)
    remote_id: Mapped[str] = mapped_column(String)
    state: Mapped[str] = mapped_column(String)
    dnd: Mapped[bool]
    activity_kind: Mapped[str | None] = mapped_column(String)
    at: Mapped[float]


class PreferenceRow(Base):
    """One preference as a JSON value; keys this version does not know are kept as they are."""

    __tablename__ = "preferences"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)


class DndRuleRow(Base):
    """A weekly do-not-disturb rule."""

    __tablename__ = "dnd_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    weekdays: Mapped[int]
    """Bit n set = weekday n (0 = Monday)."""
    start: Mapped[str] = mapped_column(String)
    end: Mapped[str] = mapped_column(String)
    timezone: Mapped[str] = mapped_column(String)
    enabled: Mapped[bool] = mapped_column(server_default=true())


class DndStateRow(Base):
    """The one-off parts of do-not-disturb: a snooze and a vacation (a single row)."""

    __tablename__ = "dnd_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snooze_until: Mapped[float | None]
    vacation_start: Mapped[float | None]
    vacation_end: Mapped[float | None]
    vacation_message: Mapped[str | None] = mapped_column(String)


class NotificationRuleRow(Base):
    """Notify me about one person on one kind of change."""

    __tablename__ = "notification_rules"

    # No foreign key to people: a rule may be set for a person the hub knows before their
    # identities reach the database, and the write must not fail for that.
    person_id: Mapped[str] = mapped_column(String, primary_key=True)
    notify_on: Mapped[str] = mapped_column(String, primary_key=True)
    once: Mapped[bool] = mapped_column(server_default=false())
    cooldown_seconds: Mapped[float]


metadata = Base.metadata


def _table(model: type[Base]) -> Table:
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - declarative classes map a Table
        raise TypeError(model)
    return table


accounts = _table(AccountRow)
people = _table(PersonRow)
identities = _table(IdentityRow)
never_link = _table(NeverLinkRow)
presence_cache = _table(PresenceCacheRow)
presence_history = _table(PresenceHistoryRow)
preferences = _table(PreferenceRow)
dnd_rules = _table(DndRuleRow)
dnd_state = _table(DndStateRow)
notification_rules = _table(NotificationRuleRow)
