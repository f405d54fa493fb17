"""key_results.cadence: how often a KR's owner checks in on it (daily, weekly, biweekly,
monthly); weekly for every KR that exists already

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "key_results",
        sa.Column(
            "cadence", sa.String(length=8), nullable=False, server_default=sa.text("'weekly'")
        ),
    )
    # op.f: the name is final (the naming convention would prefix it again).
    op.create_check_constraint(
        op.f("ck_key_results_cadence"),
        "key_results",
        "cadence IN ('daily', 'weekly', 'biweekly', 'monthly')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_key_results_cadence"), "key_results", type_="check")
    op.drop_column("key_results", "cadence")
