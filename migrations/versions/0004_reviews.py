"""reviews: 360 review cycles, assignments and responses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_cycles",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("cycle_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("weight_self", sa.Numeric(), nullable=False),
        sa.Column("weight_peer", sa.Numeric(), nullable=False),
        sa.Column("weight_manager", sa.Numeric(), nullable=False),
        sa.Column("weight_skip_level", sa.Numeric(), nullable=False),
        sa.Column("peer_anonymity_threshold", sa.SmallInteger(), nullable=False),
        sa.Column("min_peers", sa.SmallInteger(), nullable=False),
        sa.Column("max_peers", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "phase IN ('draft', 'collecting', 'closed', 'published')",
            name=op.f("ck_review_cycles_phase"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "cycle_id"],
            ["cycles.organization_id", "cycles.id"],
            name=op.f("fk_review_cycles_organization_id_cycle_id_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_review_cycles_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_review_cycles")),
    )
    op.create_index(
        op.f("ix_review_cycles_organization_id_cycle_id"),
        "review_cycles",
        ["organization_id", "cycle_id"],
        unique=False,
    )
    op.create_table(
        "review_assignments",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("review_cycle_id", sa.UUID(), nullable=False),
        sa.Column("reviewee_id", sa.UUID(), nullable=False),
        sa.Column("reviewer_id", sa.UUID(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "role IN ('self', 'peer', 'manager', 'skip_level')",
            name=op.f("ck_review_assignments_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "review_cycle_id"],
            ["review_cycles.organization_id", "review_cycles.id"],
            name=op.f("fk_review_assignments_review_cycle_id_review_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "reviewee_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_review_assignments_organization_id_reviewee_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "reviewer_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_review_assignments_organization_id_reviewer_id_members"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint(
            "organization_id",
            "review_cycle_id",
            "reviewee_id",
            "reviewer_id",
            name=op.f("uq_review_assignments_reviewee_reviewer"),
        ),
    )
    op.create_index(
        op.f("ix_review_assignments_reviewee"),
        "review_assignments",
        ["organization_id", "review_cycle_id", "reviewee_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_review_assignments_reviewer"),
        "review_assignments",
        ["organization_id", "review_cycle_id", "reviewer_id"],
        unique=False,
    )
    op.create_table(
        "review_responses",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("assignment_id", sa.UUID(), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "assignment_id"],
            ["review_assignments.organization_id", "review_assignments.id"],
            name=op.f("fk_review_responses_assignment_id_review_assignments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "assignment_id", name=op.f("pk_review_responses")
        ),
    )


def downgrade() -> None:
    op.drop_table("review_responses")
    op.drop_index(op.f("ix_review_assignments_reviewer"), table_name="review_assignments")
    op.drop_index(op.f("ix_review_assignments_reviewee"), table_name="review_assignments")
    op.drop_table("review_assignments")
    op.drop_index(op.f("ix_review_cycles_organization_id_cycle_id"), table_name="review_cycles")
    op.drop_table("review_cycles")
