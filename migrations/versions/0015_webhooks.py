"""webhooks: endpoints, deliveries and the dispatcher's cursor in the outbox

Endpoints keep their signing secret as is (HMAC signs with it; a hash could not). The
dispatcher starts at the outbox's beginning: no endpoint exists before this revision, and an
endpoint hears only of events after its creation. The job queue's own tables (pgqueuer) are
installed by ``okr worker`` on its first start, as ``pgq install`` would.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_events_transaction_id_seq"), "events", ["transaction_id", "seq"])
    op.create_table(
        "webhook_endpoints",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=60)), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_webhook_endpoints_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("endpoint_id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "endpoint_id"],
            ["webhook_endpoints.organization_id", "webhook_endpoints.id"],
            name="fk_webhook_deliveries_endpoint_id_webhook_endpoints",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "organization_id",
            "endpoint_id",
            "event_id",
            name=op.f("uq_webhook_deliveries_organization_id_endpoint_id_event_id"),
        ),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_organization_id_endpoint_id_created_at"),
        "webhook_deliveries",
        ["organization_id", "endpoint_id", "created_at"],
    )
    op.create_index(
        op.f("ix_webhook_deliveries_status_queued"), "webhook_deliveries", ["status", "queued"]
    )
    op.create_table(
        "webhook_dispatch_cursor",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_dispatch_cursor")),
    )
    op.execute("INSERT INTO webhook_dispatch_cursor (id, transaction_id, seq) VALUES (1, 0, 0)")


def downgrade() -> None:
    op.drop_table("webhook_dispatch_cursor")
    op.drop_index(op.f("ix_webhook_deliveries_status_queued"), table_name="webhook_deliveries")
    op.drop_index(
        op.f("ix_webhook_deliveries_organization_id_endpoint_id_created_at"),
        table_name="webhook_deliveries",
    )
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_index(op.f("ix_events_transaction_id_seq"), table_name="events")
