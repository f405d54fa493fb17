"""forecasts: external forecast series of KRs (commit, best case, source, external id)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-29 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_result_forecasts",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("key_result_id", sa.UUID(), nullable=False),
        sa.Column("commit", sa.Numeric(), nullable=False),
        sa.Column("best_case", sa.Numeric(), nullable=True),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("integration", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "source IN ('person', 'api', 'integration')",
            name=op.f("ck_key_result_forecasts_source"),
        ),
        sa.CheckConstraint(
            "(source = 'integration') = (integration IS NOT NULL)",
            name=op.f("ck_key_result_forecasts_integration"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name="fk_key_result_forecasts_key_result_id_key_results",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_key_result_forecasts")),
        sa.UniqueConstraint(
            "organization_id",
            "key_result_id",
            "external_id",
            name=op.f("uq_key_result_forecasts_organization_id_key_result_id_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_key_result_forecasts_organization_id_key_result_id_created_at"),
        "key_result_forecasts",
        ["organization_id", "key_result_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_key_result_forecasts_organization_id_key_result_id_created_at"),
        table_name="key_result_forecasts",
    )
    op.drop_table("key_result_forecasts")
