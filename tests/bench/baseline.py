"""The alignment tree read straight from Postgres with asyncpg, in one statement: what the
REST tree endpoint is compared with (no API, no auth, no scores, no JSON)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from tests.bench.load import percentile
from tests.bench.seed import asyncpg_dsn

# The year cycle and the cycles nested in it; its objectives with their parent objective
# (through parent_objective_id, or the objective of parent_key_result_id); the roots are
# those whose parent is absent or outside that set; the walk goes down from the roots.
TREE = """
WITH RECURSIVE cycle_set AS (
    SELECT id FROM cycles WHERE organization_id = $1 AND id = $2
    UNION ALL
    SELECT c.id FROM cycles AS c JOIN cycle_set AS s ON c.parent_id = s.id
    WHERE c.organization_id = $1
),
linked AS MATERIALIZED (
    SELECT o.id, o.title, o.level, coalesce(o.parent_objective_id, pk.objective_id) AS parent_id
    FROM objectives AS o
    LEFT JOIN key_results AS pk
        ON pk.organization_id = o.organization_id AND pk.id = o.parent_key_result_id
    WHERE o.organization_id = $1 AND o.cycle_id IN (SELECT id FROM cycle_set)
),
tree AS (
    SELECT l.id, NULL::uuid AS parent_id, 0 AS depth, l.title, l.level
    FROM linked AS l
    WHERE l.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM linked AS p WHERE p.id = l.parent_id)
    UNION ALL
    SELECT l.id, l.parent_id, t.depth + 1, l.title, l.level
    FROM linked AS l JOIN tree AS t ON l.parent_id = t.id
)
"""

# One row per KR (objectives without KRs: one row with NULL KR columns), with the KR's
# latest check-in value.
TREE_WITH_KEY_RESULTS = (
    TREE  # noqa: S608 - constant SQL, no input
    + """
SELECT t.id, t.parent_id, t.depth, t.title, t.level,
       k.id AS key_result_id, k.metric_kind, k.start_value, k.target_value, k.direction,
       k.weight, latest.value AS current
FROM tree AS t
LEFT JOIN key_results AS k ON k.organization_id = $1 AND k.objective_id = t.id
LEFT JOIN LATERAL (
    SELECT c.value FROM check_ins AS c
    WHERE c.organization_id = $1 AND c.key_result_id = k.id
    ORDER BY c.created_at DESC
    LIMIT 1
) AS latest ON true
"""
)

# One row per objective, its KRs (with their latest values) as one json_agg.
TREE_WITH_KEY_RESULTS_JSON = (
    TREE  # noqa: S608 - constant SQL, no input
    + """
SELECT t.id, t.parent_id, t.depth, t.title, t.level, krs.key_results
FROM tree AS t
LEFT JOIN LATERAL (
    SELECT json_agg(
        json_build_object(
            'id', k.id, 'metric_kind', k.metric_kind, 'start', k.start_value,
            'target', k.target_value, 'direction', k.direction, 'weight', k.weight,
            'current', latest.value
        )
        ORDER BY k.id
    ) AS key_results
    FROM key_results AS k
    LEFT JOIN LATERAL (
        SELECT c.value FROM check_ins AS c
        WHERE c.organization_id = $1 AND c.key_result_id = k.id
        ORDER BY c.created_at DESC
        LIMIT 1
    ) AS latest ON true
    WHERE k.organization_id = $1 AND k.objective_id = t.id
) AS krs ON true
"""
)

TREE_ONLY = TREE + "SELECT id, parent_id, depth, title, level FROM tree"  # noqa: S608


@dataclass(frozen=True)
class QueryTimes:
    name: str
    runs: int
    p50_ms: float
    p95_ms: float
    rows: int
    objectives: int


async def _time_query(
    conn: asyncpg.Connection, name: str, sql: str, args: tuple[UUID, UUID], runs: int
) -> QueryTimes:
    for _ in range(2):  # warm up: plan, caches
        await conn.fetch(sql, *args)
    times: list[float] = []
    rows: list[asyncpg.Record] = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = await conn.fetch(sql, *args)
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return QueryTimes(
        name=name,
        runs=runs,
        p50_ms=percentile(ordered, 0.5),
        p95_ms=percentile(ordered, 0.95),
        rows=len(rows),
        objectives=len({r["id"] for r in rows}),
    )


JSON_AGG = "asyncpg tree + KRs + latest (json_agg)"


async def tree_baselines(
    database_url: str,
    organization_id: UUID,
    cycle_id: UUID,
    runs: int = 20,
    statement_cache_size: int = 100,
) -> list[QueryTimes]:
    """The tree with KRs and their latest values one row per KR, the same aggregated with
    json_agg (:data:`JSON_AGG`, the baseline of the targets), then the bare tree (objectives
    only); one connection."""
    conn = await asyncpg.connect(
        asyncpg_dsn(database_url), statement_cache_size=statement_cache_size
    )
    args = (organization_id, cycle_id)
    try:
        return [
            await _time_query(conn, name, sql, args, n)
            for name, sql, n in (
                ("asyncpg tree + KRs + latest (row per KR)", TREE_WITH_KEY_RESULTS, runs),
                (JSON_AGG, TREE_WITH_KEY_RESULTS_JSON, runs // 2),
                ("asyncpg tree only (bare recursive CTE)", TREE_ONLY, runs),
            )
        ]
    finally:
        await conn.close()
