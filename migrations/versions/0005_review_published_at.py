"""review_cycles.published_at: when a review cycle was published, the instant its results
read OKR scores at

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:50:00
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
    op.add_column(
        "review_cycles", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Published before this column existed: publishing was their last change.
    op.execute("UPDATE review_cycles SET published_at = updated_at WHERE phase = 'published'")


def downgrade() -> None:
    op.drop_column("review_cycles", "published_at")
