"""Remember that an account needs to connect again, across restarts.

When a platform stops accepting an account's sign-in (token revoked or expired), the user
must connect that account again; without this column the app would forget it at the next
start and try the refused sign-in once more. NULL: the sign-in works.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``accounts.sign_in_problem`` (nullable text)."""
    op.add_column("accounts", sa.Column("sign_in_problem", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop ``accounts.sign_in_problem`` (a table copy: SQLite's batch mode)."""
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("sign_in_problem")
