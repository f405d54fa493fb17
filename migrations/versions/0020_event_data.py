"""event_data: a small per-type payload on events (the values an integration needs, from an
allow-list per type: service/events.py)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: the events written before keep no data (null), and adding the
    # column rewrites nothing.
    op.add_column("events", sa.Column("data", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "data")
