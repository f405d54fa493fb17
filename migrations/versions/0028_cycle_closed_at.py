"""cycle_closed_at: when a cycle was closed

Figures read as of an instant that learn from closed cycles (learned pacing curves) need
the cycles closed *by then*, not closed now. Cycles closed before this revision take the
time of their `cycle.closed` audit event, or else their last update.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cycles", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE cycles c SET closed_at = coalesce(
            (SELECT max(a.occurred_at) FROM audit_events a
              WHERE a.organization_id = c.organization_id AND a.resource_id = c.id
                AND a.action = 'cycle.closed'),
            c.updated_at)
        WHERE c.state = 'closed'
        """
    )


def downgrade() -> None:
    op.drop_column("cycles", "closed_at")
