"""api_clients: API clients (OAuth2 client credentials) of issue 19

The service's own signing keys are files (OKR_SERVICE_SIGNING_KEY_FILE, or generated in the
data dir in development), not rows: nothing for them here.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("unit_id", sa.UUID(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("secret_hint", sa.String(length=20), nullable=False),
        sa.Column("previous_secret_hash", sa.String(length=200), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.organization_id"],
            name=op.f("fk_api_clients_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_api_clients")),
    )
    # The token endpoint finds a client by its id alone (the OAuth client_id): an index, not
    # a unique key (keys include organization_id; ids are generated UUIDv7s).
    op.create_index(op.f("ix_api_clients_id"), "api_clients", ["id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_api_clients_id"), table_name="api_clients")
    op.drop_table("api_clients")
