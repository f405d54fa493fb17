"""webhook_attempts: every attempt of a webhook delivery kept (its log), and the indexes the
delivery log's retention scans by

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_delivery_attempts",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("response_excerpt", sa.String(length=1024), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "delivery_id"],
            ["webhook_deliveries.organization_id", "webhook_deliveries.id"],
            name="fk_webhook_delivery_attempts_delivery_id_webhook_deliveries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "delivery_id", "number", name=op.f("pk_webhook_delivery_attempts")
        ),
    )
    op.create_index(
        op.f("ix_webhook_delivery_attempts_attempted_at"),
        "webhook_delivery_attempts",
        ["attempted_at"],
    )
    op.create_index(op.f("ix_webhook_deliveries_created_at"), "webhook_deliveries", ["created_at"])
    # The deliveries attempted before this revision keep their last attempt as their history.
    op.execute(
        """
        INSERT INTO webhook_delivery_attempts (
            organization_id, delivery_id, number, attempted_at, duration_ms, response_status,
            error
        )
        SELECT organization_id, id, attempts, last_attempt_at, coalesce(duration_ms, 0),
               response_status, last_error
        FROM webhook_deliveries
        WHERE last_attempt_at IS NOT NULL AND attempts > 0
        """
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_deliveries_created_at"), table_name="webhook_deliveries")
    op.drop_index(
        op.f("ix_webhook_delivery_attempts_attempted_at"), table_name="webhook_delivery_attempts"
    )
    op.drop_table("webhook_delivery_attempts")
