"""scim_lookups: userName unique ignoring case, through an index every SCIM lookup by it probes

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-30 11:00:00

The other lookups of a SCIM write are index probes already: externalId by the unique key
``(organization_id, external_id)`` of members, a member's email by ``(organization_id,
email)`` (emails are stored lower-case), pending managers by
``(organization_id, manager_ref)`` (0026).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # userNames that differ only in case (possible under 0026) would fail the index with a
    # bare unique violation: name them, so whoever deploys knows which to rename.
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT organization_id, lower(user_name) AS name, count(*) AS n"
                " FROM scim_users GROUP BY 1, 2 HAVING count(*) > 1"
            )
        )
        .all()
    )
    if clashes:
        listed = ", ".join(f"{row.name!r} in organization {row.organization_id}" for row in clashes)
        raise RuntimeError(
            "SCIM userNames must be unique ignoring case; rename one of each before "
            f"upgrading (PUT /scim/v2/Users/{{id}}): {listed}"
        )
    op.create_index(
        "uq_scim_users_organization_id_lower_user_name",
        "scim_users",
        ["organization_id", sa.text("lower(user_name)")],
        unique=True,
    )
    # Case-insensitive uniqueness implies the case-sensitive one: the old key is redundant.
    op.drop_constraint("uq_scim_users_organization_id_user_name", "scim_users", type_="unique")


def downgrade() -> None:
    op.create_unique_constraint(
        "uq_scim_users_organization_id_user_name", "scim_users", ["organization_id", "user_name"]
    )
    op.drop_index("uq_scim_users_organization_id_lower_user_name", table_name="scim_users")
