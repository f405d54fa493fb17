"""contribution_history: when each KR added into which KR

A sum KR read as of an instant adds the contributors linked *then*, not now. Placeholder:
filled in by the slice that builds it.

Revision ID: 0029
Revises: 0028
Create Date: 2027-01-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
