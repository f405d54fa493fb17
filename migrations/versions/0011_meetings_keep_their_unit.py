"""meetings.unit_id no longer cascades: a unit with meetings is never deleted

A unit with review meetings was already refused (``unit_has_meetings``), but a meeting
created between that check and the delete went with the unit. With the foreign key
restricting, such a delete fails and answers the same 409.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "fk_meetings_unit_id_org_units"


def upgrade() -> None:
    op.drop_constraint(_NAME, "meetings", type_="foreignkey")
    op.create_foreign_key(
        _NAME,
        "meetings",
        "org_units",
        ["organization_id", "unit_id"],
        ["organization_id", "id"],
    )


def downgrade() -> None:
    op.drop_constraint(_NAME, "meetings", type_="foreignkey")
    op.create_foreign_key(
        _NAME,
        "meetings",
        "org_units",
        ["organization_id", "unit_id"],
        ["organization_id", "id"],
        ondelete="CASCADE",
    )
