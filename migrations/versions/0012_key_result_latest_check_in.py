"""key_results keeps its latest check-in: the current value a score reads

Derived state on the row (ARCHITECTURE.md "Data"): the latest check-in of each KR by
``(created_at, id)``, with the figures scoring reads (its value and milestones done), written
by the check-in's own statement (``PostgresCheckIns.add``). A read of "now" takes them from
the row instead of probing the history of every KR; a read ``as_of`` an earlier instant still
reads the history. No foreign key to ``check_ins``: it would make the two tables reference
each other (check-ins already reference their KR), and check-ins are never deleted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "latest_check_in_id",
    "latest_check_in_at",
    "current_value",
    "current_milestones_done",
)

# Each KR's latest check-in, as PostgresCheckIns.latest orders them.
_BACKFILL = """
UPDATE key_results AS k
SET latest_check_in_id = c.id,
    latest_check_in_at = c.created_at,
    current_value = c.value,
    current_milestones_done = c.milestones_done
FROM (
    SELECT DISTINCT ON (organization_id, key_result_id)
        organization_id, key_result_id, id, created_at, value, milestones_done
    FROM check_ins
    ORDER BY organization_id, key_result_id, created_at DESC, id DESC
) AS c
WHERE k.organization_id = c.organization_id AND k.id = c.key_result_id
"""


def upgrade() -> None:
    op.add_column("key_results", sa.Column("latest_check_in_id", sa.UUID()))
    op.add_column("key_results", sa.Column("latest_check_in_at", sa.DateTime(timezone=True)))
    op.add_column("key_results", sa.Column("current_value", sa.Numeric()))
    op.add_column("key_results", sa.Column("current_milestones_done", postgresql.ARRAY(sa.UUID())))
    op.execute(_BACKFILL)


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.drop_column("key_results", column)
