"""review_cycles.okr_scores: each reviewee's OKR score, fixed when the review cycle is
published

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 01:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No review cycle was published before results could be read (this release), so
    # there is nothing to back-fill.
    op.add_column(
        "review_cycles",
        sa.Column("okr_scores", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("review_cycles", "okr_scores")
