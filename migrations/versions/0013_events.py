"""events: the outbox of integration events, read as the change feed

One row per event of the catalogue (service/events.py), written in the same statement as
its audit event. ``transaction_id`` (the writer's ``pg_current_xact_id()``) and ``seq`` (the
insert order) order the feed by commit, so a reader's cursor never passes an event still
uncommitted. Kept 30 days (``service.events.RETENTION``), hence the index on
``occurred_at``. No backfill: the feed starts with this revision.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("objective_id", sa.UUID(), nullable=True),
        sa.Column("key_result_id", sa.UUID(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_events_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_events")),
    )
    op.create_index(
        op.f("ix_events_organization_id_transaction_id_seq"),
        "events",
        ["organization_id", "transaction_id", "seq"],
        unique=False,
    )
    op.create_index(op.f("ix_events_occurred_at"), "events", ["occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_events_occurred_at"), table_name="events")
    op.drop_index(op.f("ix_events_organization_id_transaction_id_seq"), table_name="events")
    op.drop_table("events")
