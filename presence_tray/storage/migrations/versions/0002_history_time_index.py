"""Index presence history by time alone, for pruning and for exports.

The first schema indexes history by identity and time, which serves "this person's
history" but makes ``prune()`` (every row older than the retention) read the whole table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``ix_presence_history_at``."""
    op.create_index("ix_presence_history_at", "presence_history", ["at"])


def downgrade() -> None:
    """Drop ``ix_presence_history_at``."""
    op.drop_index("ix_presence_history_at", table_name="presence_history")
