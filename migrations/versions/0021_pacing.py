"""pacing: pacing curves on KRs, organization and unit defaults

A KR's own curve and a unit's default curve are JSONB columns (NULL: inherit); the
organization's default lives in its settings JSONB (key ``pacing``) and needs no column.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("key_results", sa.Column("pacing", JSONB))
    op.add_column("org_units", sa.Column("pacing", JSONB))


def downgrade() -> None:
    op.drop_column("org_units", "pacing")
    op.drop_column("key_results", "pacing")
