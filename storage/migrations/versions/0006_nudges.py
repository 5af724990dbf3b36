"""End-of-day nudges (issue 15): ``coco_nudge_pref`` keeps each person's nudge preferences (on/off,
local time, days, time zone, snooze) and their last nudge (the runs it listed, for the reply);
``coco_nudge_switch`` is the workspace-wide switch an admin turns off.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coco_nudge_pref",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("platform_user_id", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("days", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_nudged_day", sa.String(), nullable=True),
        sa.Column("nudge_channel", sa.String(), nullable=False),
        sa.Column("nudge_message", sa.String(), nullable=False),
        sa.Column("nudge_project_id", sa.String(), nullable=True),
        sa.Column("nudge_runs", sa.JSON(), nullable=False),
        sa.Column("nudge_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coco_nudge_pref"),
        sa.UniqueConstraint("workspace_id", "platform_user_id", name="uq_coco_nudge_pref_workspace_user"),
        sa.ForeignKeyConstraint(["workspace_id"], ["coco_workspace.id"], name="fk_coco_nudge_pref_workspace"),
    )
    op.create_index("ix_coco_nudge_pref_workspace_enabled", "coco_nudge_pref", ["workspace_id", "enabled"])
    op.create_table(
        "coco_nudge_switch",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coco_nudge_switch"),
        sa.UniqueConstraint("workspace_id", name="uq_coco_nudge_switch_workspace"),
        sa.ForeignKeyConstraint(["workspace_id"], ["coco_workspace.id"], name="fk_coco_nudge_switch_workspace"),
    )


def downgrade() -> None:
    op.drop_table("coco_nudge_switch")
    op.drop_table("coco_nudge_pref")
