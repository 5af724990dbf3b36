"""Chat people and COCO's posted messages (issue #4): ``coco_user`` maps a Slack/Teams person to a
tracker user and a default project; ``coco_reply`` maps a posted message to the entry behind it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "coco_user",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("platform_user_id", sa.String(), nullable=False),
        sa.Column("tracker_user", sa.String(), nullable=True),
        sa.Column("default_project_id", sa.String(), nullable=True),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_coco_user"),
        sa.UniqueConstraint("workspace_id", "platform_user_id", name="uq_coco_user_workspace_platform_user"),
        sa.ForeignKeyConstraint(["workspace_id"], ["coco_workspace.id"], name="fk_coco_user_workspace"),
    )
    op.create_table(
        "coco_reply",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("message_ts", sa.String(), nullable=False),
        sa.Column("thread_ts", sa.String(), nullable=True),
        sa.Column("entry_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("held_text", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_coco_reply"),
        sa.UniqueConstraint("workspace_id", "channel", "message_ts", name="uq_coco_reply_workspace_channel_ts"),
        sa.ForeignKeyConstraint(["workspace_id"], ["coco_workspace.id"], name="fk_coco_reply_workspace"),
    )
    op.create_index("ix_coco_reply_workspace_channel_thread", "coco_reply", ["workspace_id", "channel", "thread_ts"])
    op.create_index("ix_coco_reply_workspace_entry", "coco_reply", ["workspace_id", "entry_id"])
    op.create_index("ix_coco_reply_workspace_pending", "coco_reply", ["workspace_id", "pending"])


def downgrade() -> None:
    op.drop_table("coco_reply")
    op.drop_table("coco_user")
