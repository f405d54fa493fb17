"""ambition: committed or aspirational objectives and the grade thresholds per ambition (placeholder: filled by the ambition work)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-29 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every objective existing today is graded as it always was: aspirational. The committed
    # thresholds live in organizations.settings (JSONB, defaults when absent): no column.
    op.add_column(
        "objectives",
        sa.Column(
            "ambition",
            sa.String(length=16),
            nullable=False,
            server_default=sa.text("'aspirational'"),
        ),
    )
    # op.f: the name is final (the naming convention would prefix it again).
    op.create_check_constraint(
        op.f("ck_objectives_ambition"),
        "objectives",
        "ambition IN ('committed', 'aspirational')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_objectives_ambition"), "objectives", type_="check")
    op.drop_column("objectives", "ambition")
