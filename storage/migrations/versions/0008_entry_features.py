"""Entry features (issue 14, "a small, fast index"): ``coco_entry.features`` keeps what the history index
reads from an entry's text (``narrative.index_features``: sentences with their concepts, tokens, cue words
and modality, as a versioned compact JSON text), computed when the entry is written or structured, so that
an index is built from stored features instead of reading every sentence again. NULL until then (older
entries, or after the text changed): the index computes those itself.

Revision ID: 0008
Revises: 0005 (re-chained on 0007 when merged after 0006 and 0007)
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
# NOTE for the merge: 0006 and 0007 land in parallel; this revision then revises "0007".
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coco_entry") as batch:
        batch.add_column(sa.Column("features", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coco_entry") as batch:
        batch.drop_column("features")
