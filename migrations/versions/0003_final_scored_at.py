"""key_results.final_scored_at: when the final score was set, so `as_of` reads before it
show the progress instead

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "key_results", sa.Column("final_scored_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Scores set before this column existed: their last update is the best record.
    op.execute("UPDATE key_results SET final_scored_at = updated_at WHERE final_score IS NOT NULL")


def downgrade() -> None:
    op.drop_column("key_results", "final_scored_at")
