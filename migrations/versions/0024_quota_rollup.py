"""quota_rollup: KRs that contribute to a KR and sum KRs

``contributes_to_key_result_id`` is the KR a KR adds into (same organization, NULL: none);
``aggregation`` says whether a KR's value is its own check-ins' (``none``) or the sum of
its contributors' (``sum``).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-29 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("key_results", sa.Column("contributes_to_key_result_id", UUID(as_uuid=True)))
    op.add_column(
        "key_results",
        sa.Column("aggregation", sa.String(8), nullable=False, server_default=sa.text("'none'")),
    )
    # op.f: the names are final (the naming convention would prefix them again).
    op.create_foreign_key(
        op.f("fk_key_results_contributes_to_key_result_id_key_results"),
        "key_results",
        "key_results",
        ["organization_id", "contributes_to_key_result_id"],
        ["organization_id", "id"],
    )
    op.create_check_constraint(
        op.f("ck_key_results_aggregation"), "key_results", "aggregation IN ('none', 'sum')"
    )
    op.create_index(
        op.f("ix_key_results_contributes_to"),
        "key_results",
        ["organization_id", "contributes_to_key_result_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_key_results_contributes_to", table_name="key_results")
    op.drop_constraint(op.f("ck_key_results_aggregation"), "key_results", type_="check")
    op.drop_constraint(
        op.f("fk_key_results_contributes_to_key_result_id_key_results"),
        "key_results",
        type_="foreignkey",
    )
    op.drop_column("key_results", "aggregation")
    op.drop_column("key_results", "contributes_to_key_result_id")
