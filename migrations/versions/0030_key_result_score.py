"""key_result_score: each KR's score from its current figures, kept on its row

Trees, unit scores and roll-ups weigh 40,000 KR scores per 10,000 objectives; computing
each in the read (exact half-to-even rounding in numeric arithmetic) was two thirds of a
whole-cycle tree's time in Postgres. The score of a KR's current figures now lives on its
row as a generated column, so every write that changes a figure (a check-in, an edit of
start, target, direction or milestones, whatever path makes it) keeps it right. Reads of
the past score a KR checked in since with the same function, from its history.

The rules are ``domain.scoring.kr_progress`` and ``quantize`` (DOMAIN.md "Scoring"), which
stay the reference: tests/integration/test_progress_in_sql.py checks both agree. Postgres
does not recompute a stored column when its function is replaced: a later change of these
rules must rewrite the column in its migration (drop and add it again).

Revision ID: 0030
Revises: 0029
Create Date: 2027-01-12 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# p / d (d > 0) rounded half to even at four places. Postgres rounds numerics half away
# from zero, so the integer quotient and remainder of p * 10000 / d decide, exactly.
_HALF_EVEN = """
CREATE FUNCTION okr_half_even(p numeric, d numeric) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    units numeric := div(p * 10000, d);
    rest numeric := mod(p * 10000, d);
BEGIN
    IF rest < 0 THEN  -- the remainder takes the numerator's sign: floor it
        units := units - 1;
        rest := rest + d;
    END IF;
    IF rest * 2 > d OR (rest * 2 = d AND mod(units, 2) <> 0) THEN
        units := units + 1;
    END IF;
    RETURN units * 0.0001;
END
$$
"""

# domain.scoring.kr_progress, quantized. Its call of okr_half_even names the schema: a
# generated column is computed by restores (pg_restore sets an empty search_path) and by
# logical replication's apply workers, where an unqualified name is not found.
# milestones by the weight done (ids of no
# milestone count for nothing), boolean by value >= 1, a KR whose target is its start all
# or nothing, else the share of the way from start to target, clamped to [0, 1].
_KR_SCORE = """
CREATE FUNCTION okr_kr_score(
    metric_kind text, start_value numeric, target_value numeric, direction text,
    current numeric, milestones jsonb, done uuid[]
) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    value numeric := coalesce(current, start_value);
    span numeric := target_value - start_value;
    moved numeric;
    total numeric;
    reached numeric;
BEGIN
    IF metric_kind = 'milestones' THEN
        SELECT coalesce(sum((m ->> 'weight')::numeric), 0),
               coalesce(sum((m ->> 'weight')::numeric)
                        FILTER (WHERE (m ->> 'id')::uuid = ANY (coalesce(done, '{}'))), 0)
          INTO total, reached
          FROM jsonb_array_elements(milestones) AS m;
        IF total <= 0 THEN
            RETURN 0.0000;
        END IF;
        RETURN public.okr_half_even(least(greatest(reached, 0), total), total);
    END IF;
    IF metric_kind = 'boolean' THEN
        RETURN CASE WHEN current >= 1 THEN 1.0000 ELSE 0.0000 END;
    END IF;
    IF span = 0 THEN
        RETURN CASE WHEN (direction = 'decrease' AND value <= target_value)
                      OR (direction <> 'decrease' AND value >= target_value)
                    THEN 1.0000 ELSE 0.0000 END;
    END IF;
    -- A decrease KR's start is above its target: flip both signs, the quotient is the same.
    moved := CASE WHEN span < 0 THEN start_value - value ELSE value - start_value END;
    IF moved <= 0 THEN
        RETURN 0.0000;
    END IF;
    IF moved >= abs(span) THEN
        RETURN 1.0000;
    END IF;
    RETURN public.okr_half_even(moved, abs(span));
END
$$
"""

_COLUMN = """
ALTER TABLE key_results ADD COLUMN current_score numeric GENERATED ALWAYS AS (
    okr_kr_score(metric_kind, start_value, target_value, direction, current_value,
                 milestones, current_milestones_done)
) STORED
"""


def upgrade() -> None:
    op.execute(_HALF_EVEN)
    op.execute(_KR_SCORE)
    op.execute(_COLUMN)


def downgrade() -> None:
    op.execute("ALTER TABLE key_results DROP COLUMN current_score")
    op.execute("DROP FUNCTION okr_kr_score(text, numeric, numeric, text, numeric, jsonb, uuid[])")
    op.execute("DROP FUNCTION okr_half_even(numeric, numeric)")
