"""scim: SCIM directory sync: external ids and managers waiting for their member (placeholder: filled by the SCIM work)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scim_users",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("user_name", sa.String(length=320), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("employee_number", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "member_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_scim_users_organization_id_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "member_id", name=op.f("pk_scim_users")),
        sa.UniqueConstraint(
            "organization_id", "user_name", name=op.f("uq_scim_users_organization_id_user_name")
        ),
    )
    op.create_table(
        "scim_pending_managers",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("manager_ref", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "member_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_scim_pending_managers_organization_id_member_id_members"),
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "member_id", name=op.f("pk_scim_pending_managers")
        ),
    )
    op.create_index(
        op.f("ix_scim_pending_managers_organization_id_manager_ref"),
        "scim_pending_managers",
        ["organization_id", "manager_ref"],
    )


def downgrade() -> None:
    op.drop_table("scim_pending_managers")
    op.drop_table("scim_users")
