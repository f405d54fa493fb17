"""The floor for one read: a minimal Starlette + asyncpg app serving one objective.

``GET /objectives/{id}`` reads the same objective row and its KRs, each with its latest
check-in (two statements on one pooled connection), and returns them as JSON: no auth, no
visibility check, no scores, no validation. `make bench` runs it with uvicorn on
127.0.0.1:8766 (one worker) and drives it like ``GET /v1/objectives/{id}``.

Configured by ``BENCH_BARE_DSN`` (a Postgres URL) and ``BENCH_BARE_ORG`` (the
organization id).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.bench.seed import asyncpg_dsn

OBJECTIVE = """
SELECT id, cycle_id, title, description, owner_kind, owner_member_id, owner_unit_id, level,
       status, visibility, roll_up, parent_objective_id, parent_key_result_id,
       source_objective_id, version, created_at, updated_at
FROM objectives
WHERE organization_id = $1 AND id = $2
"""

KEY_RESULTS = """
SELECT k.id, k.objective_id, k.title, k.owner_id, k.metric_kind, k.unit, k.currency,
       k.start_value, k.target_value, k.direction, k.weight, k.due_date, k.confidence,
       k.milestones, k.final_score, k.final_score_reason, k.version, k.created_at,
       k.updated_at, latest.value AS current, latest.created_at AS last_check_in_at
FROM key_results AS k
LEFT JOIN LATERAL (
    SELECT c.value, c.created_at FROM check_ins AS c
    WHERE c.organization_id = k.organization_id AND c.key_result_id = k.id
    ORDER BY c.created_at DESC
    LIMIT 1
) AS latest ON true
WHERE k.organization_id = $1 AND k.objective_id = $2
ORDER BY k.id
"""


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.organization_id = UUID(os.environ["BENCH_BARE_ORG"])
    app.state.pool = await asyncpg.create_pool(
        asyncpg_dsn(os.environ["BENCH_BARE_DSN"]), min_size=2, max_size=10
    )
    try:
        yield
    finally:
        await app.state.pool.close()


async def ready(request: Request) -> Response:
    return PlainTextResponse("ok")


async def get_objective(request: Request) -> Response:
    try:
        objective_id = UUID(request.path_params["objective_id"])
    except ValueError:
        return PlainTextResponse("not an id", status_code=422)
    org: UUID = request.app.state.organization_id
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(OBJECTIVE, org, objective_id)
        if row is None:
            return PlainTextResponse("not found", status_code=404)
        key_results = await conn.fetch(KEY_RESULTS, org, objective_id)
    body: dict[str, Any] = dict(row)
    body["key_results"] = [dict(kr) for kr in key_results]
    return Response(json.dumps(body, default=str), media_type="application/json")


app = Starlette(
    routes=[Route("/ready", ready), Route("/objectives/{objective_id}", get_objective)],
    lifespan=lifespan,
)
