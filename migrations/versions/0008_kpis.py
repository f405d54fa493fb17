"""KPIs and their measurements; key_results.kpi_id links a KR to a KPI

kpis: standing metrics (name, owner, unit, target, direction). kpi_measurements: their
immutable readings, deleted with their KPI (ON DELETE CASCADE). key_results.kpi_id: the
KPI a KR follows, NULL for every KR that exists already; no ON DELETE action, so a KPI
that KRs follow cannot be deleted (the use case refuses first: unlink them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 00:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # op.f: every name is final (the naming convention would prefix it again).
    op.create_table(
        "kpis",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("target", sa.Numeric(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('increase', 'decrease')", name=op.f("ck_kpis_direction")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_kpis_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "owner_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_kpis_organization_id_owner_id_members"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_kpis")),
    )
    op.create_index(
        op.f("ix_kpis_organization_id_owner_id"), "kpis", ["organization_id", "owner_id"]
    )
    op.create_table(
        "kpi_measurements",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kpi_id", sa.UUID(), nullable=False),
        sa.Column("value", sa.Numeric(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "kpi_id"],
            ["kpis.organization_id", "kpis.id"],
            name=op.f("fk_kpi_measurements_kpi_id_kpis"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_kpi_measurements")),
    )
    op.create_index(
        op.f("ix_kpi_measurements_kpi_measured_at"),
        "kpi_measurements",
        ["organization_id", "kpi_id", "measured_at"],
    )
    op.add_column("key_results", sa.Column("kpi_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_key_results_kpi_id_kpis"),
        "key_results",
        "kpis",
        ["organization_id", "kpi_id"],
        ["organization_id", "id"],
    )
    op.create_index(op.f("ix_key_results_kpi_id"), "key_results", ["organization_id", "kpi_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_key_results_kpi_id"), table_name="key_results")
    op.drop_constraint(op.f("fk_key_results_kpi_id_kpis"), "key_results", type_="foreignkey")
    op.drop_column("key_results", "kpi_id")
    op.drop_index(op.f("ix_kpi_measurements_kpi_measured_at"), table_name="kpi_measurements")
    op.drop_table("kpi_measurements")
    op.drop_index(op.f("ix_kpis_organization_id_owner_id"), table_name="kpis")
    op.drop_table("kpis")
