"""push_urls: a KR's secret push URLs, for tools that can only call a URL

A push URL checks in on its KR with the source ``integration`` and its name
(service/push_urls.py). Only the SHA-256 of its secret is stored, found by that hash alone
(a push names no organization). ``window_started_at`` and ``window_count`` are its
fixed-window rate limit. A KR's deletion takes its push URLs with it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME_MAX_LENGTH = 200  # domain.limits.CHECK_IN_ORIGIN_MAX_LENGTH when this was written
_SUBJECT_MAX_LENGTH = 200  # domain.limits.PRINCIPAL_SUBJECT_MAX_LENGTH when this was written


def upgrade() -> None:
    op.create_table(
        "push_urls",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("key_result_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=_NAME_MAX_LENGTH), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=_SUBJECT_MAX_LENGTH), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=_SUBJECT_MAX_LENGTH), nullable=True),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("octet_length(token_hash) = 32", name=op.f("ck_push_urls_token_hash")),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL)", name=op.f("ck_push_urls_revoked")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name="fk_push_urls_key_result_id_key_results",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_push_urls")),
        sa.UniqueConstraint(
            "organization_id", "token_hash", name=op.f("uq_push_urls_organization_id_token_hash")
        ),
    )
    op.create_index(op.f("ix_push_urls_token_hash"), "push_urls", ["token_hash"], unique=False)
    op.create_index(
        op.f("ix_push_urls_organization_id_key_result_id"),
        "push_urls",
        ["organization_id", "key_result_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_push_urls_organization_id_key_result_id"), table_name="push_urls")
    op.drop_index(op.f("ix_push_urls_token_hash"), table_name="push_urls")
    op.drop_table("push_urls")
