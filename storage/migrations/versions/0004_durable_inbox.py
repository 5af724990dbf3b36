"""The durable inbox (issue #11): ``coco_processed_event`` keeps each inbound event's payload and a
lease, so an acknowledged event is finished after any restart; ``coco_entry.origin`` ties an entry to
the event it came from, so a replayed event finds its entry instead of adding a second.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows already there were dedupe marks of events handled in full: they are born "done".
    with op.batch_alter_table("coco_processed_event") as batch:
        batch.add_column(sa.Column("platform", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("kind", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("payload", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("status", sa.String(), nullable=False, server_default="done"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("run_after", sa.DateTime(timezone=True), nullable=False,
                                   server_default=sa.text("CURRENT_TIMESTAMP")))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("locked_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                   server_default=sa.text("CURRENT_TIMESTAMP")))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_coco_processed_event_status_run_after", ["status", "run_after"])
    with op.batch_alter_table("coco_entry") as batch:
        batch.add_column(sa.Column("origin", sa.String(), nullable=True))
        batch.create_unique_constraint("uq_coco_entry_workspace_origin", ["workspace_id", "origin"])


def downgrade() -> None:
    with op.batch_alter_table("coco_entry") as batch:
        batch.drop_constraint("uq_coco_entry_workspace_origin", type_="unique")
        batch.drop_column("origin")
    with op.batch_alter_table("coco_processed_event") as batch:
        batch.drop_index("ix_coco_processed_event_status_run_after")
        for name in ("finished_at", "updated_at", "locked_until", "locked_by", "last_error", "run_after",
                     "attempts", "status", "payload", "kind", "platform"):
            batch.drop_column(name)
