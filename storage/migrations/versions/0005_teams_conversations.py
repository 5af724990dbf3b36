"""Microsoft Teams conversation references (issue 13): ``coco_teams_conversation`` keeps where COCO may
post unprompted in Teams (the weekly digest in a bound channel, finished entries in a personal chat),
in COCO's own database rather than the Agents SDK's ``MemoryStorage``, so restarts and replicas share it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coco_teams_conversation",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("conversation_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("service_url", sa.String(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coco_teams_conversation"),
        sa.UniqueConstraint("workspace_id", "conversation_key", name="uq_coco_teams_conversation_workspace_key"),
        sa.ForeignKeyConstraint(["workspace_id"], ["coco_workspace.id"], name="fk_coco_teams_conversation_workspace"),
    )
    op.create_index("ix_coco_teams_conversation_workspace_user", "coco_teams_conversation", ["workspace_id", "user_id"])


def downgrade() -> None:
    op.drop_table("coco_teams_conversation")
