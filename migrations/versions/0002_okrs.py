"""okrs: objectives, key results, check-ins, actions, audit events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:14:23.717268
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_audit_events_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_organization_id_actor"),
        "audit_events",
        ["organization_id", "actor"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_events_organization_id_resource_type_resource_id"),
        "audit_events",
        ["organization_id", "resource_type", "resource_id"],
        unique=False,
    )
    op.create_table(
        "objectives",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("cycle_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_kind", sa.String(length=8), nullable=False),
        sa.Column("owner_member_id", sa.UUID(), nullable=True),
        sa.Column("owner_unit_id", sa.UUID(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("roll_up", sa.Boolean(), nullable=False),
        sa.Column("parent_objective_id", sa.UUID(), nullable=True),
        sa.Column("parent_key_result_id", sa.UUID(), nullable=True),
        sa.Column("source_objective_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(owner_kind = 'member' AND owner_member_id IS NOT NULL AND owner_unit_id IS NULL) OR (owner_kind = 'unit' AND owner_unit_id IS NOT NULL AND owner_member_id IS NULL)",
            name=op.f("ck_objectives_one_owner"),
        ),
        sa.CheckConstraint(
            "level IN ('company', 'department', 'team', 'individual')",
            name=op.f("ck_objectives_level"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'closed', 'archived')", name=op.f("ck_objectives_status")
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'private')", name=op.f("ck_objectives_visibility")
        ),
        sa.CheckConstraint(
            "parent_objective_id IS NULL OR parent_key_result_id IS NULL",
            name=op.f("ck_objectives_one_parent_link"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "cycle_id"],
            ["cycles.organization_id", "cycles.id"],
            name=op.f("fk_objectives_organization_id_cycle_id_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "owner_member_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_objectives_organization_id_owner_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "owner_unit_id"],
            ["org_units.organization_id", "org_units.id"],
            name=op.f("fk_objectives_organization_id_owner_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "parent_objective_id"],
            ["objectives.organization_id", "objectives.id"],
            name=op.f("fk_objectives_organization_id_parent_objective_id_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "source_objective_id"],
            ["objectives.organization_id", "objectives.id"],
            name=op.f("fk_objectives_organization_id_source_objective_id_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_objectives_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_objectives")),
    )
    op.create_index(
        op.f("ix_objectives_organization_id_cycle_id"),
        "objectives",
        ["organization_id", "cycle_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_objectives_organization_id_owner_member_id"),
        "objectives",
        ["organization_id", "owner_member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_objectives_organization_id_owner_unit_id"),
        "objectives",
        ["organization_id", "owner_unit_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_objectives_organization_id_parent_key_result_id"),
        "objectives",
        ["organization_id", "parent_key_result_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_objectives_organization_id_parent_objective_id"),
        "objectives",
        ["organization_id", "parent_objective_id"],
        unique=False,
    )
    op.create_table(
        "key_results",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("objective_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("metric_kind", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("start_value", sa.Numeric(), nullable=False),
        sa.Column("target_value", sa.Numeric(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("weight", sa.Numeric(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("confidence", sa.SmallInteger(), nullable=True),
        sa.Column(
            "milestones",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("final_score", sa.Numeric(), nullable=True),
        sa.Column("final_score_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('increase', 'decrease')", name=op.f("ck_key_results_direction")
        ),
        sa.CheckConstraint(
            "metric_kind IN ('number', 'percent', 'currency', 'boolean', 'milestones')",
            name=op.f("ck_key_results_metric_kind"),
        ),
        sa.CheckConstraint("confidence BETWEEN 0 AND 10", name=op.f("ck_key_results_confidence")),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_key_results_weight")),
        sa.ForeignKeyConstraint(
            ["organization_id", "objective_id"],
            ["objectives.organization_id", "objectives.id"],
            name=op.f("fk_key_results_organization_id_objective_id_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "owner_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_key_results_organization_id_owner_id_members"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_key_results")),
    )
    op.create_index(
        op.f("ix_key_results_organization_id_objective_id"),
        "key_results",
        ["organization_id", "objective_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_key_results_organization_id_owner_id"),
        "key_results",
        ["organization_id", "owner_id"],
        unique=False,
    )
    # objectives and key_results reference each other: this key comes once both exist.
    op.create_foreign_key(
        "fk_objectives_organization_id_parent_key_result_id_key_results",
        "objectives",
        "key_results",
        ["organization_id", "parent_key_result_id"],
        ["organization_id", "id"],
    )
    op.create_table(
        "actions",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("key_result_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("completion_standard", sa.Text(), nullable=True),
        sa.Column("accepted_by", sa.UUID(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('todo', 'doing', 'done', 'blocked')", name=op.f("ck_actions_status")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "accepted_by"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_actions_organization_id_accepted_by_members"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name=op.f("fk_actions_organization_id_key_result_id_key_results"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "owner_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_actions_organization_id_owner_id_members"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_actions")),
    )
    op.create_index(
        op.f("ix_actions_organization_id_key_result_id"),
        "actions",
        ["organization_id", "key_result_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_actions_organization_id_owner_id"),
        "actions",
        ["organization_id", "owner_id"],
        unique=False,
    )
    op.create_table(
        "check_ins",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("key_result_id", sa.UUID(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Numeric(), nullable=True),
        sa.Column("milestones_done", postgresql.ARRAY(sa.UUID()), nullable=True),
        sa.Column("confidence", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("blockers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("confidence BETWEEN 0 AND 10", name=op.f("ck_check_ins_confidence")),
        sa.ForeignKeyConstraint(
            ["organization_id", "key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name=op.f("fk_check_ins_organization_id_key_result_id_key_results"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_check_ins")),
    )
    op.create_index(
        op.f("ix_check_ins_organization_id_key_result_id_created_at"),
        "check_ins",
        ["organization_id", "key_result_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_constraint(
        "fk_objectives_organization_id_parent_key_result_id_key_results",
        "objectives",
        type_="foreignkey",
    )
    op.drop_index(
        op.f("ix_check_ins_organization_id_key_result_id_created_at"), table_name="check_ins"
    )
    op.drop_table("check_ins")
    op.drop_index(op.f("ix_actions_organization_id_owner_id"), table_name="actions")
    op.drop_index(op.f("ix_actions_organization_id_key_result_id"), table_name="actions")
    op.drop_table("actions")
    op.drop_index(op.f("ix_key_results_organization_id_owner_id"), table_name="key_results")
    op.drop_index(op.f("ix_key_results_organization_id_objective_id"), table_name="key_results")
    op.drop_table("key_results")
    op.drop_index(
        op.f("ix_objectives_organization_id_parent_objective_id"), table_name="objectives"
    )
    op.drop_index(
        op.f("ix_objectives_organization_id_parent_key_result_id"), table_name="objectives"
    )
    op.drop_index(op.f("ix_objectives_organization_id_owner_unit_id"), table_name="objectives")
    op.drop_index(op.f("ix_objectives_organization_id_owner_member_id"), table_name="objectives")
    op.drop_index(op.f("ix_objectives_organization_id_cycle_id"), table_name="objectives")
    op.drop_table("objectives")
    op.drop_index(
        op.f("ix_audit_events_organization_id_resource_type_resource_id"), table_name="audit_events"
    )
    op.drop_index(op.f("ix_audit_events_organization_id_actor"), table_name="audit_events")
    op.drop_table("audit_events")
