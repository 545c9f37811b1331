"""Remember that no account lists a user-linked identity any more.

When a contact leaves every account's list, storage deletes its identity row, except one
the user linked (kept so that the contact rejoins the same person when listed again).
Without a mark such a kept row was loaded at the next start as a contact again, and its
person showed it until the account's first complete listing. NULL: an account lists it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``identities.unlisted_at`` (nullable seconds since the epoch)."""
    op.add_column("identities", sa.Column("unlisted_at", sa.Double(), nullable=True))


def downgrade() -> None:
    """Drop ``identities.unlisted_at`` (a table copy: SQLite's batch mode)."""
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("unlisted_at")
