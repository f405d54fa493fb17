"""check-ins record their source (person, api, kpi, integration) and an external id

A check-in says through what it came (``domain.okrs.CheckInSource``): a member, a sync or
service token, a KPI reading, or a named integration. An optional ``external_id`` (the
sender's id of the update) makes a resent update the same check-in: unique per KR, and the
insert takes the existing one ``ON CONFLICT DO NOTHING``.

Existing check-ins: ``kpi`` where a KPI reading wrote them (the note it writes, ``from KPI
...``, and a reading of the same instant, value and poster), ``person`` otherwise (no other
caller could check in before this revision).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-16 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORIGIN_MAX_LENGTH = 200  # domain.limits.CHECK_IN_ORIGIN_MAX_LENGTH when this was written

_BACKFILL_KPI = """
UPDATE check_ins AS c
SET source = 'kpi'
WHERE c.note LIKE 'from KPI %'
  AND EXISTS (
    SELECT 1 FROM kpi_measurements AS m
    WHERE m.organization_id = c.organization_id
      AND m.measured_at = c.created_at
      AND m.recorded_by = c.author
      AND m.value = c.value
  )
"""


def upgrade() -> None:
    # op.f: the names are final (the naming convention would prefix them again).
    # The default fills the existing rows in one pass, and stays: the service names every
    # check-in's source, but rows loaded in bulk outside it (COPY, imports) were people's.
    op.add_column(
        "check_ins",
        sa.Column("source", sa.String(16), nullable=False, server_default="person"),
    )
    op.add_column("check_ins", sa.Column("integration", sa.String(_ORIGIN_MAX_LENGTH)))
    op.add_column("check_ins", sa.Column("external_id", sa.String(_ORIGIN_MAX_LENGTH)))
    op.execute(_BACKFILL_KPI)
    op.create_check_constraint(
        op.f("ck_check_ins_source"),
        "check_ins",
        "source IN ('person', 'api', 'kpi', 'integration')",
    )
    op.create_check_constraint(
        op.f("ck_check_ins_integration"),
        "check_ins",
        "(source = 'integration') = (integration IS NOT NULL)",
    )
    op.create_unique_constraint(
        op.f("uq_check_ins_organization_id_key_result_id_external_id"),
        "check_ins",
        ["organization_id", "key_result_id", "external_id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("uq_check_ins_organization_id_key_result_id_external_id"), "check_ins", type_="unique"
    )
    op.drop_constraint(op.f("ck_check_ins_integration"), "check_ins", type_="check")
    op.drop_constraint(op.f("ck_check_ins_source"), "check_ins", type_="check")
    op.drop_column("check_ins", "external_id")
    op.drop_column("check_ins", "integration")
    op.drop_column("check_ins", "source")
