"""History deltas (issue 14, "new runs and entries update the index in place"): a long-lived bot that
holds a project's history reads only what changed since its copy — entries by ``updated_at``, run
snapshots by ``fetched_at`` — so both get a project index on that column (it also serves the maxima of
``history_stamp``, which scanned every row of the project before).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_coco_entry_workspace_project_updated", "coco_entry",
                    ["workspace_id", "project_id", "updated_at", "id"])
    op.create_index("ix_coco_run_snapshot_workspace_project_fetched", "coco_run_snapshot",
                    ["workspace_id", "project_id", "fetched_at", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_coco_run_snapshot_workspace_project_fetched", table_name="coco_run_snapshot")
    op.drop_index("ix_coco_entry_workspace_project_updated", table_name="coco_entry")
