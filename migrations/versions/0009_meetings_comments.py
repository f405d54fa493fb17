"""Review meetings and comments with @mentions

meetings (a cycle's, a unit's or both) with their attendees, reviewed objectives and
follow-up actions as link tables (meeting_attendees, meeting_objectives, meeting_actions);
comments on an objective, a key result or an action, with the members they mention
(comment_mentions, indexed by member for "mentions of me").

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 00:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referenced table, whether the link goes with the referenced row)
_MEETING_LINKS = (
    ("meeting_attendees", "member_id", "members", False),
    ("meeting_objectives", "objective_id", "objectives", True),
    ("meeting_actions", "action_id", "actions", True),
)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _meetings() -> None:
    op.create_table(
        "meetings",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("cycle_id", sa.UUID(), nullable=True),
        sa.Column("unit_id", sa.UUID(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "kind IN ('retrospective', 'weekly', 'monthly_report')",
            name=op.f("ck_meetings_kind"),
        ),
        sa.CheckConstraint(
            "cycle_id IS NOT NULL OR unit_id IS NOT NULL",
            name=op.f("ck_meetings_cycle_or_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_meetings_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "cycle_id"],
            ["cycles.organization_id", "cycles.id"],
            name=op.f("fk_meetings_cycle_id_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "unit_id"],
            ["org_units.organization_id", "org_units.id"],
            name=op.f("fk_meetings_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_meetings")),
    )
    op.create_index(
        op.f("ix_meetings_cycle_id"), "meetings", ["organization_id", "cycle_id"], unique=False
    )
    op.create_index(
        op.f("ix_meetings_unit_id"), "meetings", ["organization_id", "unit_id"], unique=False
    )
    for name, column, table, cascade in _MEETING_LINKS:
        op.create_table(
            name,
            sa.Column("organization_id", sa.UUID(), nullable=False),
            sa.Column("meeting_id", sa.UUID(), nullable=False),
            sa.Column(column, sa.UUID(), nullable=False),
            sa.Column("position", sa.SmallInteger(), nullable=False),
            sa.ForeignKeyConstraint(
                ["organization_id", "meeting_id"],
                ["meetings.organization_id", "meetings.id"],
                name=op.f(f"fk_{name}_meeting_id_meetings"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["organization_id", column],
                [f"{table}.organization_id", f"{table}.id"],
                name=op.f(f"fk_{name}_{column}_{table}"),
                ondelete="CASCADE" if cascade else None,
            ),
            sa.PrimaryKeyConstraint(
                "organization_id", "meeting_id", column, name=op.f(f"pk_{name}")
            ),
        )
        op.create_index(
            op.f(f"ix_{name}_{column}"), name, ["organization_id", column], unique=False
        )


def _comments() -> None:
    op.create_table(
        "comments",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("objective_id", sa.UUID(), nullable=True),
        sa.Column("key_result_id", sa.UUID(), nullable=True),
        sa.Column("action_id", sa.UUID(), nullable=True),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "target_type IN ('objective', 'key_result', 'action')",
            name=op.f("ck_comments_target_type"),
        ),
        sa.CheckConstraint(
            "(target_type = 'objective' AND objective_id IS NOT NULL"
            " AND key_result_id IS NULL AND action_id IS NULL)"
            " OR (target_type = 'key_result' AND key_result_id IS NOT NULL"
            " AND objective_id IS NULL AND action_id IS NULL)"
            " OR (target_type = 'action' AND action_id IS NOT NULL"
            " AND objective_id IS NULL AND key_result_id IS NULL)",
            name=op.f("ck_comments_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_comments_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "objective_id"],
            ["objectives.organization_id", "objectives.id"],
            name=op.f("fk_comments_objective_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name=op.f("fk_comments_key_result_id_key_results"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "action_id"],
            ["actions.organization_id", "actions.id"],
            name=op.f("fk_comments_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "author_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_comments_author_id_members"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_comments")),
    )
    for column in ("objective_id", "key_result_id", "action_id"):
        op.create_index(
            op.f(f"ix_comments_{column}"),
            "comments",
            ["organization_id", column, "id"],
            unique=False,
        )
    op.create_table(
        "comment_mentions",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("comment_id", sa.UUID(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "comment_id"],
            ["comments.organization_id", "comments.id"],
            name=op.f("fk_comment_mentions_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "member_id"],
            ["members.organization_id", "members.id"],
            name=op.f("fk_comment_mentions_member_id_members"),
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "comment_id", "member_id", name=op.f("pk_comment_mentions")
        ),
    )
    op.create_index(
        op.f("ix_comment_mentions_member_id"),
        "comment_mentions",
        ["organization_id", "member_id", "comment_id"],
        unique=False,
    )


def upgrade() -> None:
    _meetings()
    _comments()


def downgrade() -> None:
    op.drop_index(op.f("ix_comment_mentions_member_id"), table_name="comment_mentions")
    op.drop_table("comment_mentions")
    for column in ("objective_id", "key_result_id", "action_id"):
        op.drop_index(op.f(f"ix_comments_{column}"), table_name="comments")
    op.drop_table("comments")
    for name, column, _, _ in reversed(_MEETING_LINKS):
        op.drop_index(op.f(f"ix_{name}_{column}"), table_name=name)
        op.drop_table(name)
    op.drop_index(op.f("ix_meetings_unit_id"), table_name="meetings")
    op.drop_index(op.f("ix_meetings_cycle_id"), table_name="meetings")
    op.drop_table("meetings")
