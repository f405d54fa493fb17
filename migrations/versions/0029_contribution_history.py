"""contribution_history: when each KR added into which KR

A sum KR read as of an instant adds the contributors linked *then*, not now.
``key_result_contributions`` keeps one row per period of a link (``valid_to`` NULL while it
holds), written by a trigger on every change of ``key_results.contributes_to_key_result_id``
whatever path writes it (create, PATCH, the unlinks of a realignment or a move, the demo
loader, a bulk load), so no writer can forget it. The trigger dates a change by the row's own
timestamps (``created_at`` on insert, ``updated_at`` on update), which the use cases take
from the injected clock, the clock check-ins are dated by and ``as_of`` compares against;
never ``now()``. Several changes at one instant: the last one holds from it. A change dated
before the KR's latest period began (a server whose clock is behind) is dated a microsecond
after that start instead: it ends the open period there, and no period is ever erased.

Backfill: links made before this revision count from the KR's creation (one open row per
linked KR, ``valid_from`` its ``created_at``): when they were made was not recorded.

Revision ID: 0029
Revises: 0028
Create Date: 2027-01-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A period starting at the change's instant is superseded by it (changes at one instant: the
# last holds); one starting later (the change's timestamp is behind: another server's clock)
# is kept, the change dated just after its start, so the history a sum's past reads (and
# the refusals of rewriting it) never loses a period. The period holding then ends at the
# change; the new link, if any, holds from it. The KR's periods never overlap, and its open
# one is its link. The table is named with its schema: the function runs under whatever
# search_path the writing session has.
_FOLLOW = """
CREATE FUNCTION key_result_contributions_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed_at timestamptz := CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at
                                   ELSE NEW.updated_at END;
    latest timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT max(valid_from) INTO latest FROM public.key_result_contributions
         WHERE organization_id = NEW.organization_id AND key_result_id = NEW.id;
        IF latest > changed_at THEN
            changed_at := latest + interval '1 microsecond';
        END IF;
        DELETE FROM public.key_result_contributions
         WHERE organization_id = NEW.organization_id AND key_result_id = NEW.id
           AND valid_from >= changed_at;
        UPDATE public.key_result_contributions SET valid_to = changed_at
         WHERE organization_id = NEW.organization_id AND key_result_id = NEW.id
           AND (valid_to IS NULL OR valid_to > changed_at);
    END IF;
    IF NEW.contributes_to_key_result_id IS NOT NULL THEN
        INSERT INTO public.key_result_contributions
            (organization_id, key_result_id, into_key_result_id, valid_from)
        VALUES (NEW.organization_id, NEW.id, NEW.contributes_to_key_result_id, changed_at);
    END IF;
    RETURN NULL;
END
$$
"""

# WHEN clauses: a write that leaves the link as it was runs no trigger code at all.
_ON_INSERT = """
CREATE TRIGGER key_result_contributions_on_insert
AFTER INSERT ON key_results FOR EACH ROW
WHEN (NEW.contributes_to_key_result_id IS NOT NULL)
EXECUTE FUNCTION key_result_contributions_follow()
"""

_ON_UPDATE = """
CREATE TRIGGER key_result_contributions_on_update
AFTER UPDATE OF contributes_to_key_result_id ON key_results FOR EACH ROW
WHEN (OLD.contributes_to_key_result_id IS DISTINCT FROM NEW.contributes_to_key_result_id)
EXECUTE FUNCTION key_result_contributions_follow()
"""

_BACKFILL = """
INSERT INTO key_result_contributions
    (organization_id, key_result_id, into_key_result_id, valid_from)
SELECT organization_id, id, contributes_to_key_result_id, created_at
  FROM key_results
 WHERE contributes_to_key_result_id IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "key_result_contributions",
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("key_result_id", sa.UUID(), nullable=False),
        sa.Column("into_key_result_id", sa.UUID(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id", "key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name=op.f("fk_key_result_contributions_key_result_id_key_results"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "into_key_result_id"],
            ["key_results.organization_id", "key_results.id"],
            name=op.f("fk_key_result_contributions_into_key_result_id_key_results"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "key_result_id",
            "valid_from",
            name=op.f("pk_key_result_contributions"),
        ),
    )
    op.create_index(
        op.f("ix_key_result_contributions_into"),
        "key_result_contributions",
        ["organization_id", "into_key_result_id", "valid_from"],
    )
    op.execute(_BACKFILL)
    op.execute(_FOLLOW)
    op.execute(_ON_INSERT)
    op.execute(_ON_UPDATE)


def downgrade() -> None:
    op.execute("DROP TRIGGER key_result_contributions_on_update ON key_results")
    op.execute("DROP TRIGGER key_result_contributions_on_insert ON key_results")
    op.execute("DROP FUNCTION key_result_contributions_follow()")
    op.drop_index("ix_key_result_contributions_into", table_name="key_result_contributions")
    op.drop_table("key_result_contributions")
