"""events_public_before: whether an OKR event's objective was public before the change

The feed shows an OKR event to who may see its objective now, or to who could read it
before when it was public then: a deletion, a move to a private objective or a change to
private reaches the readers (and integrations) that mirrored what they could see. Events
written before this revision are taken as not public before (they stay as they were shown).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-21 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("public_before", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("events", "public_before")
