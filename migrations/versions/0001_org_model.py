"""org model: organizations, members, units, cycles, idempotency keys

Revision ID: 0001
Revises:
Create Date: 2026-11-23 18:38:13.955386
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column(
            "settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "cycles",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('year', 'quarter', 'month')", name=op.f("ck_cycles_kind")),
        sa.CheckConstraint(
            "state IN ('planning', 'active', 'closed')", name=op.f("ck_cycles_state")
        ),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_cycles_dates_ordered")),
        sa.ForeignKeyConstraint(
            ["organization_id", "parent_id"],
            ["cycles.organization_id", "cycles.id"],
            name=op.f("fk_cycles_organization_id_parent_id_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_cycles_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_cycles")),
    )
    op.create_index(
        op.f("ix_cycles_organization_id_parent_id"),
        "cycles",
        ["organization_id", "parent_id"],
        unique=False,
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_idempotency_keys_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "caller", "key", name=op.f("pk_idempotency_keys")
        ),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )
    op.create_table(
        "members",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("manager_id", sa.UUID(), nullable=True),
        sa.Column("roles", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "manager_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_members_organization_id_manager_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_members_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_members")),
        sa.UniqueConstraint(
            "organization_id", "email", name=op.f("uq_members_organization_id_email")
        ),
        sa.UniqueConstraint(
            "organization_id", "external_id", name=op.f("uq_members_organization_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_members_organization_id_manager_id"),
        "members",
        ["organization_id", "manager_id"],
        unique=False,
    )
    op.create_table(
        "org_units",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("lead_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('company', 'department', 'team')", name=op.f("ck_org_units_kind")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "lead_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_org_units_organization_id_lead_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "parent_id"],
            ["org_units.organization_id", "org_units.id"],
            name=op.f("fk_org_units_organization_id_parent_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_org_units_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_org_units")),
    )
    op.create_index(
        op.f("ix_org_units_organization_id_parent_id"),
        "org_units",
        ["organization_id", "parent_id"],
        unique=False,
    )
    op.create_index(
        "uq_org_units_one_company",
        "org_units",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'company'"),
    )
    op.create_table(
        "unit_members",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("unit_id", sa.UUID(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "member_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_unit_members_organization_id_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "unit_id"],
            ["org_units.organization_id", "org_units.id"],
            name=op.f("fk_unit_members_organization_id_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "unit_id", "member_id", name=op.f("pk_unit_members")
        ),
    )
    op.create_index(
        op.f("ix_unit_members_organization_id_member_id"),
        "unit_members",
        ["organization_id", "member_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_members_organization_id_member_id"), table_name="unit_members")
    op.drop_table("unit_members")
    op.drop_index(
        "uq_org_units_one_company",
        table_name="org_units",
        postgresql_where=sa.text("kind = 'company'"),
    )
    op.drop_index(op.f("ix_org_units_organization_id_parent_id"), table_name="org_units")
    op.drop_table("org_units")
    op.drop_index(op.f("ix_members_organization_id_manager_id"), table_name="members")
    op.drop_table("members")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_cycles_organization_id_parent_id"), table_name="cycles")
    op.drop_table("cycles")
    op.drop_table("organizations")
