"""key_result_track: what a KR's track status and staleness were when last reported

Two columns on ``key_results`` that the track events (``key_result.track_status_changed``,
``key_result.stale``) compare with: the track status last reported (by a check-in or the
sweep) and the instant the stale spell last reported began (its due instant: a check-in
moves it, so the next spell is a new one).

New KRs start as ``on_track`` (nothing is expected of a KR yet when it is set): the first
check-in or sweep that finds them elsewhere reports it. KRs that exist before this revision
are left NULL, "not looked at yet": the first look stores their status and stale spell
without an event, so a deploy does not flood the feed with one event per KR.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added without a default (existing rows NULL: no flood), then given one for new rows.
    op.add_column("key_results", sa.Column("reported_track_status", sa.String(16)))
    op.alter_column("key_results", "reported_track_status", server_default=sa.text("'on_track'"))
    op.add_column("key_results", sa.Column("reported_stale_since", sa.DateTime(timezone=True)))
    # op.f: the name is final (the naming convention would prefix it again).
    op.create_check_constraint(
        op.f("ck_key_results_reported_track_status"),
        "key_results",
        "reported_track_status IN ('on_track', 'at_risk', 'off_track', 'scored')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_key_results_reported_track_status"), "key_results", type_="check")
    op.drop_column("key_results", "reported_stale_since")
    op.drop_column("key_results", "reported_track_status")
