"""The first schema: accounts, people and identities, presence cache and history, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "accounts",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column("settings_json", sa.Text(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("platform", "account_id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("favourite", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
    )
    op.create_table(
        "identities",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("handles_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("chat_url", sa.String(), nullable=True),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("linked_by_user", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.person_id"],
            name=op.f("fk_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("platform", "account_id", "remote_id", name=op.f("pk_identities")),
    )
    op.create_index(op.f("ix_identities_person_id"), "identities", ["person_id"])
    op.create_table(
        "never_link",
        sa.Column("first_platform", sa.String(), nullable=False),
        sa.Column("first_account_id", sa.String(), nullable=False),
        sa.Column("first_remote_id", sa.String(), nullable=False),
        sa.Column("second_platform", sa.String(), nullable=False),
        sa.Column("second_account_id", sa.String(), nullable=False),
        sa.Column("second_remote_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint(
            "first_platform",
            "first_account_id",
            "first_remote_id",
            "second_platform",
            "second_account_id",
            "second_remote_id",
            name=op.f("pk_never_link"),
        ),
    )
    op.create_table(
        "presence_cache",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("dnd", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("activity_kind", sa.String(), nullable=True),
        sa.Column("activity_text", sa.String(), nullable=True),
        sa.Column("activity_emoji", sa.String(), nullable=True),
        sa.Column("activity_until", sa.Double(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("observed_at", sa.Double(), nullable=False),
        sa.Column("last_active_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint(
            "platform", "account_id", "remote_id", name=op.f("pk_presence_cache")
        ),
    )
    op.create_table(
        "presence_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("remote_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("dnd", sa.Boolean(), nullable=False),
        sa.Column("activity_kind", sa.String(), nullable=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_history")),
    )
    op.create_index(
        "ix_presence_history_identity_at",
        "presence_history",
        ["platform", "account_id", "remote_id", "at"],
    )
    op.create_table(
        "preferences",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_preferences")),
    )
    op.create_table(
        "dnd_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(), nullable=False),
        sa.Column("end", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnd_rules")),
    )
    op.create_table(
        "dnd_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snooze_until", sa.Double(), nullable=True),
        sa.Column("vacation_start", sa.Double(), nullable=True),
        sa.Column("vacation_end", sa.Double(), nullable=True),
        sa.Column("vacation_message", sa.String(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_dnd_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnd_state")),
    )
    op.create_table(
        "notification_rules",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("notify_on", sa.String(), nullable=False),
        sa.Column("once", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("cooldown_seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "notify_on", name=op.f("pk_notification_rules")),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "notification_rules",
        "dnd_state",
        "dnd_rules",
        "preferences",
        "presence_history",
        "presence_cache",
        "never_link",
        "identities",
        "people",
        "accounts",
    ):
        op.drop_table(table)
