"""Remember the user's outgoing webhooks.

Each row is one URL fired on the user's own status and/or on chosen people's changes, with
an optional body template per status. The signing secret of each hook lives in the OS
keyring, never in this table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``webhooks``."""
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("on_own_status", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("person_ids_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("templates_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )


def downgrade() -> None:
    """Drop ``webhooks``."""
    op.drop_table("webhooks")
