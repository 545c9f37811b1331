"""The database schema as SQLAlchemy Core tables; private to ``presence_tray.storage``.

The migrations in ``migrations/versions`` create this schema; a test checks that the two
agree. Change both together (``migrations/README.md`` says how). Only Alembic and the tests
import this module: the repositories write their SQL as text on plain ``sqlite3``
connections, so the running app never loads SQLAlchemy (27 MB) for them.

Conventions:

* Times are REAL seconds since the epoch, as in core; times of day are ``HH:MM[:SS]`` text.
* Enums are stored as their string values, so an older version reading a newer file sees an
  unknown word it can skip, not a number it would misread.
* Booleans are 0/1; the repositories turn them back into ``bool``.
* JSON lives in TEXT columns decoded by the repositories, which survive a bad value instead
  of failing the whole query.
* An identity is keyed by its three parts (platform, account id, remote id) everywhere, with
  no foreign keys from the cache and history: the write-behind may store values of
  identities whose rows are written later, and must never fail on that.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Double,
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

# Named constraints let Alembic's batch mode (SQLite's way to alter tables) find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


accounts = Table(
    "accounts",
    metadata,
    # A connected account's non-secret set-up.
    Column("platform", String, primary_key=True),
    Column("account_id", String, primary_key=True),
    Column("label", String, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    # A JSON object of strings; never a secret (those live in the OS keyring).
    Column("settings_json", Text, nullable=False, server_default="{}"),
    # Revision 0003: the sentence shown when the platform no longer accepts the sign-in
    # (the user must connect again); NULL while it works.
    Column("sign_in_problem", Text),
)

people = Table(
    "people",
    metadata,
    # A person: the identities naming this id are shown as one row.
    Column("person_id", String, primary_key=True),
    # The name the user gave; None: the name of the person's first identity.
    Column("display_name", String),
    Column("favourite", Boolean, nullable=False, server_default=false()),
)

identities = Table(
    "identities",
    metadata,
    # A person's account on one platform.
    Column("platform", String, primary_key=True),
    Column("account_id", String, primary_key=True),
    Column("remote_id", String, primary_key=True),
    Column("display_name", String, nullable=False),
    Column("handles_json", Text, nullable=False, server_default="[]"),
    Column("chat_url", String),
    # CASCADE: every identity belongs to a person row (an unlinked one to its own), so a
    # person going away takes their identities along instead of leaving orphans with a
    # dangling or NULL person.
    Column(
        "person_id",
        ForeignKey("people.person_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The user confirmed this identity's person; platform listings never override it.
    Column("linked_by_user", Boolean, nullable=False, server_default=false()),
    # Revision 0005: when no account listed this identity any more (seconds since the
    # epoch); NULL while one does. Only a user-linked identity is kept once unlisted (for
    # its link), and it is not shown at start-up unless it keeps a favourite in view.
    Column("unlisted_at", Double),
)

never_link = Table(
    "never_link",
    metadata,
    # Two identities the user said are not the same person (first < second).
    Column("first_platform", String, primary_key=True),
    Column("first_account_id", String, primary_key=True),
    Column("first_remote_id", String, primary_key=True),
    Column("second_platform", String, primary_key=True),
    Column("second_account_id", String, primary_key=True),
    Column("second_remote_id", String, primary_key=True),
)

presence_cache = Table(
    "presence_cache",
    metadata,
    # The last value seen for one identity, shown at start-up until fresh data arrives.
    Column("platform", String, primary_key=True),
    Column("account_id", String, primary_key=True),
    Column("remote_id", String, primary_key=True),
    Column("state", String, nullable=False),
    Column("dnd", Boolean, nullable=False, server_default=false()),
    Column("activity_kind", String),
    Column("activity_text", String),
    Column("activity_emoji", String),
    Column("activity_until", Double),
    Column("note", String),
    # How the value first reached us (push, poll...); it is loaded back as "cache".
    Column("source", String, nullable=False),
    Column("observed_at", Double, nullable=False),
    Column("last_active_at", Double),
)

presence_history = Table(
    "presence_history",
    metadata,
    # One identity-level transition (not every observation).
    Column("id", Integer, primary_key=True),
    Column("platform", String, nullable=False),
    Column("account_id", String, nullable=False),
    Column("remote_id", String, nullable=False),
    Column("state", String, nullable=False),
    Column("dnd", Boolean, nullable=False),
    Column("activity_kind", String),
    Column("at", Double, nullable=False),
    Index("ix_presence_history_identity_at", "platform", "account_id", "remote_id", "at"),
    # Revision 0002: prune() and export read by time alone.
    Index("ix_presence_history_at", "at"),
)

preferences = Table(
    "preferences",
    metadata,
    # One preference as a JSON value; keys this version does not know are kept as they are.
    Column("key", String, primary_key=True),
    Column("value_json", Text, nullable=False),
)

dnd_rules = Table(
    "dnd_rules",
    metadata,
    # A weekly do-not-disturb rule.
    Column("id", Integer, primary_key=True),
    # Bit n set = weekday n (0 = Monday).
    Column("weekdays", Integer, nullable=False),
    Column("start", String, nullable=False),
    Column("end", String, nullable=False),
    Column("timezone", String, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=true()),
)

dnd_state = Table(
    "dnd_state",
    metadata,
    # The one-off parts of do-not-disturb: a snooze and a vacation (a single row).
    Column("id", Integer, primary_key=True),
    Column("snooze_until", Double),
    Column("vacation_start", Double),
    Column("vacation_end", Double),
    Column("vacation_message", String),
    CheckConstraint("id = 1", name="single_row"),
)

notification_rules = Table(
    "notification_rules",
    metadata,
    # Notify me about one person on one kind of change. No foreign key to people: a rule may
    # be set for a person the hub knows before their identities reach the database, and the
    # write must not fail for that.
    Column("person_id", String, primary_key=True),
    Column("notify_on", String, primary_key=True),
    Column("once", Boolean, nullable=False, server_default=false()),
    Column("cooldown_seconds", Double, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    # An outgoing webhook. Its signing secret is in the OS keyring (``webhook:<id>``), never
    # here; the URL may hold a secret of the receiver's too and is never logged.
    Column("id", String, primary_key=True),
    Column("url", Text, nullable=False),
    Column("on_own_status", Boolean, nullable=False, server_default=false()),
    # A JSON array of person ids whose changes fire it.
    Column("person_ids_json", Text, nullable=False, server_default="[]"),
    # A JSON object: status word → body template.
    Column("templates_json", Text, nullable=False, server_default="{}"),
    Column("created_at", Double, nullable=False),
)
